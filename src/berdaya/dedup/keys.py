"""PersonKey upkeep (filled in by the linkage pipeline)."""

from __future__ import annotations

from collections.abc import Iterable


def person_key_refresh(person_ids: Iterable[int]) -> None:
    return None
