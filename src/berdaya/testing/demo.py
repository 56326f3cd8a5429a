"""A small demo of every domain for tests (what `make run` loads, smaller)."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.management import call_command

from berdaya.demo.steps import build_domains


def demo_build(tmp_path: Path, *, households: int = 60, seed: int = 2, domain_seed: int = 1, **sizes: int) -> None:
    """The people (seed `seed`), then every other step in `make run`'s order (seed `domain_seed`). `sizes` sets a
    step's own size (episodes, disabilities, farmers). The caller loads the areas and sets a fast password hasher."""
    quiet = io.StringIO()
    call_command(
        "demo",
        households=households,
        seed=seed,
        ground_truth=tmp_path / "t.csv",
        people_only=True,
        no_logins=True,
        stdout=quiet,
    )
    build_domains(seed=domain_seed, if_empty=False, stdout=quiet, **sizes)
