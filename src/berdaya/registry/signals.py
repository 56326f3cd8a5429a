"""What the registry tells other apps, without importing them (layers point down: registry <- domain apps)."""

from __future__ import annotations

import logging
import threading

from django.db import transaction
from django.dispatch import Signal

from .models import Household

logger = logging.getLogger(__name__)

# Sent after the transaction commits, with household_ids: households registered or changed (their members too).
# Targeting scores them so the welfare decile shows at once instead of "Belum dihitung".
households_changed = Signal()

# Sent by changes.history_rows_write (kwargs: history_type) when a bulk write (an import) has written change-history
# rows of `sender` (Household, Person...) set-based, inside the writer's transaction: no per-row signal fires then.
history_rows_written = Signal()

_pending = threading.local()


def announce_household_changed(household_id: int) -> None:
    """Queue a household for households_changed once the current transaction commits (one signal per commit)."""
    ids = getattr(_pending, "ids", None)
    if ids is None:
        ids = _pending.ids = set()
    ids.add(household_id)
    transaction.on_commit(_flush)


def _flush() -> None:
    ids = getattr(_pending, "ids", None)
    if not ids:
        return
    _pending.ids = set()
    for receiver, result in households_changed.send_robust(sender=Household, household_ids=sorted(ids)):
        if isinstance(result, Exception):
            # The save stands; the score waits for the next full computation.
            logger.error("households_changed receiver %r failed", receiver, exc_info=result)
