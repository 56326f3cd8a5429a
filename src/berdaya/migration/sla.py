"""Service levels of rights cases: how many days each stage may take. The clock and the arithmetic are the case
engine's (berdaya.casework.sla); this module only says which days apply.

Rights cases count calendar days (conf().case_sla_days, "hari kalender" on the case list): a worker abroad with
unpaid wages or a trafficking indication does not wait for the office to reopen. The days are read at query time,
so changing the setting moves every open case's due date at once; the due date is never stored.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Expression, Q, QuerySet

from berdaya.casework.sla import CALENDAR, SlaPolicy, check_days
from berdaya.core.conf import conf

from . import choices as c

DEFAULT_SLA_DAYS = {"intake": 2, "assessment": 7, "referral": 7, "follow_up": 30}


def sla_days() -> dict[str, int]:
    configured = conf().case_sla_days or {}
    return check_days({**DEFAULT_SLA_DAYS, **configured}, "BERDAYA['CASE_SLA_DAYS']")


def policy() -> SlaPolicy:
    days = sla_days()
    return SlaPolicy(days={stage: days[stage] for stage in c.OPEN_CASE_STAGES}, clock=CALENDAR)


def due_on_expression() -> Expression:
    return policy().due_on_expression()


def overdue_q(today: dt.date | None = None) -> Q:
    """Open cases past the due date of their current stage, as a plain Q (no annotation needed)."""
    return policy().breached_q(today)


def with_due(qs: QuerySet, today: dt.date | None = None) -> QuerySet:
    """Annotate `due_on` (date), `overdue` (bool) and `sla_state` on a RightsCase queryset, all in SQL."""
    return policy().annotate(qs, today)


def due_date(stage: str, entered_on: dt.date) -> dt.date | None:
    """The same rule in Python, for one case already in memory (and for tests against the SQL)."""
    return policy().due(stage, entered_on)
