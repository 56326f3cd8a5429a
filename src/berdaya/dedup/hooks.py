"""What the imports app (above this one) lends dedup, registered from its AppConfig.ready():

- which people an import batch wrote or changed (a run over "an import batch against the registry");
- the lock writing imports hold, so a dedup run started while an import writes waits for it (queued) and reads the
  registry only after the import has committed or rolled back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

ImportPeople = Callable[[int], Iterable[int]]
# lock(on_wait) -> release: calls on_wait() first when another holder has it, then blocks until it is free.
WriteLock = Callable[[Callable[[], None]], Callable[[], None]]

_import_people: ImportPeople | None = None
_write_lock: WriteLock | None = None


def register_import_scope(*, people: ImportPeople, lock: WriteLock) -> None:
    global _import_people, _write_lock
    _import_people, _write_lock = people, lock


def import_people(import_id: int) -> list[int] | None:
    """The ids of the people an import wrote or changed; None when no imports app is installed."""
    if _import_people is None:
        return None
    return [int(i) for i in _import_people(import_id)]


def write_lock(on_wait: Callable[[], None]) -> Callable[[], None]:
    """Take the imports' write lock (waiting for a running import); returns its release."""
    if _write_lock is None:
        return lambda: None
    return _write_lock(on_wait)
