"""Service-level agreement of rights cases: how many days each stage may take, and the due date, computed in SQL.

The days come from conf().case_sla_days at query time, so changing the setting moves every open case's
due date at once; the due date is never stored.
"""

from __future__ import annotations

import datetime as dt
import operator
from functools import reduce
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, Case, DateField, Expression, F, Func, Q, QuerySet, Value, When
from django.utils import timezone

from berdaya.core.conf import conf

from . import choices as c

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

DEFAULT_SLA_DAYS = {"intake": 2, "assessment": 7, "referral": 7, "follow_up": 30}


def sla_days() -> dict[str, int]:
    configured = conf().case_sla_days or {}
    days = {**DEFAULT_SLA_DAYS, **configured}
    for stage, value in days.items():
        # Fail loudly on a bad setting: a wrong SLA silently hides overdue cases.
        if not isinstance(value, int) or value < 0:
            raise ValueError(f"BERDAYA['CASE_SLA_DAYS'][{stage!r}] must be a non-negative integer, got {value!r}")
    return days


class AddDays(Func):
    """`date + n days` as a DATE on every backend (Django's duration arithmetic gives a datetime string on SQLite).

    `days` is a Python int from the settings, validated above, and rendered as a literal."""

    output_field = DateField()

    def __init__(self, expression: Any, days: int, **extra: Any) -> None:
        if not isinstance(days, int):
            raise TypeError("days must be an int")
        self.days = days
        super().__init__(expression, **extra)

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, Any]:
        # PostgreSQL: date + integer is a date.
        return super().as_sql(
            compiler,
            connection,
            function=function,
            template=f"(%(expressions)s + {int(self.days)})",
            arg_joiner=arg_joiner,
            **extra_context,
        )

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, Any]:
        return super().as_sql(
            compiler, connection, template=f"date(%(expressions)s, '+{int(self.days)} days')", **extra_context
        )


def due_on_expression() -> Expression:
    days = sla_days()
    return Case(
        *[When(stage=stage, then=AddDays(F("stage_entered_on"), days[stage])) for stage in c.OPEN_CASE_STAGES],
        default=Value(None, output_field=DateField()),
        output_field=DateField(),
    )


def overdue_q(today: dt.date | None = None) -> Q:
    """Open cases past the due date of their current stage, as a plain Q (no annotation needed): for each stage,
    entered before today minus that stage's days."""
    today = today or timezone.localdate()
    days = sla_days()
    parts = [
        Q(stage=stage, stage_entered_on__lt=today - dt.timedelta(days=days[stage])) for stage in c.OPEN_CASE_STAGES
    ]
    return reduce(operator.or_, parts)


def with_due(qs: QuerySet, today: dt.date | None = None) -> QuerySet:
    """Annotate `due_on` (date) and `overdue` (bool) on a RightsCase queryset, both in SQL."""
    return qs.annotate(
        due_on=due_on_expression(),
        overdue=Case(When(overdue_q(today), then=Value(True)), default=Value(False), output_field=BooleanField()),
    )


def due_date(stage: str, entered_on: dt.date) -> dt.date | None:
    """The same rule in Python, for one case already in memory (and for tests against the SQL)."""
    if stage not in c.OPEN_CASE_STAGES:
        return None
    return entered_on + dt.timedelta(days=sla_days()[stage])
