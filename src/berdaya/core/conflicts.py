"""A write that PostgreSQL ended because another transaction was writing the same rows at the same moment: a
deadlock (two transactions each waiting for a row the other holds, e.g. a household moved to another village while
another transaction writes one of its members and then the household), a serialisation failure, a lock wait cut
short. The transaction is rolled back whole, so nothing of it is saved and trying again is safe; the pages
(core.forms.service_errors), the API and the jobs say so in those words rather than as a server error."""

from __future__ import annotations

from django.db import OperationalError, connection
from django.utils.translation import gettext_lazy as _

WRITE_CONFLICT = _(
    "Data yang sama sedang diubah oleh proses lain pada saat yang sama (misalnya impor). Perubahan Anda tidak "
    "disimpan; silakan coba lagi."
)

# deadlock_detected, serialization_failure, lock_not_available.
_CONFLICT_STATES = frozenset({"40P01", "40001", "55P03"})


def is_write_conflict(exc: BaseException) -> bool:
    """Whether `exc` (Django's wrapper of the driver's error) is such a conflict; never on SQLite (one writer)."""
    return isinstance(exc, OperationalError) and getattr(exc.__cause__, "sqlstate", None) in _CONFLICT_STATES


def rolled_back() -> bool:
    """Whether the transaction the conflict ended has been rolled back (the service's own, or its savepoint), so the
    connection may draw a page; not while an enclosing transaction still waits for its ROLLBACK."""
    if connection.vendor != "postgresql":
        return True
    from psycopg import pq

    raw = connection.connection
    return raw is not None and raw.info.transaction_status != pq.TransactionStatus.INERROR
