"""Django's database sessions, read with one prepared statement instead of a queryset compiled on every request.

Every signed-in request reads its session (`SessionStore.load`): Django builds and compiles
`Session.objects.get(session_key=..., expire_date__gt=now)` each time, about a third of a millisecond of CPU for a
one-row primary-key read. This store runs the same condition as fixed SQL (core.compiled.PreparedSQL) and decodes
the data as Django does; the table, its rows and everything else (saving, creating, deleting, expiry, the cookie)
are Django's: a session stored before reads the same, and a session deleted (logout) or expired is not found.

    SESSION_ENGINE = "berdaya.core.sessions"
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import router
from django.utils import timezone

from .compiled import PreparedSQL

# Django's Session model (django_session), as Django's database store reads it.
_LOAD = PreparedSQL('SELECT "session_data" FROM "django_session" WHERE "session_key" = %s AND "expire_date" > %s')


class SessionStore(DatabaseSessionStore):
    def load(self) -> dict[str, Any]:
        # As DatabaseSessionStore.load and _get_session_from_db: no row (or an expired one) forgets the key.
        rows = _LOAD.fetchall([self.session_key, timezone.now()], using=router.db_for_read(self.model))
        if not rows:
            self._session_key = None
            return {}
        return self.decode(rows[0][0])
