"""A small demo of every domain for end-to-end tests (what `make run` loads, smaller)."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.management import call_command


def demo_build(tmp_path: Path, *, households: int = 60, seed: int = 2) -> None:
    """Every demo command in `make run`'s order. The caller loads the areas and sets a fast password hasher."""
    quiet = {"stdout": io.StringIO()}
    call_command(
        "demo", "--households", str(households), "--seed", str(seed), "--ground-truth", str(tmp_path / "t.csv"), **quiet
    )
    for command in ("demo_programmes", "demo_partners", "demo_migration", "demo_markets", "demo_farming"):
        call_command(command, "--seed", "1", **quiet)
    call_command("welfare", "compute", **quiet)
    call_command("demo_targeting", "--seed", "1", **quiet)
