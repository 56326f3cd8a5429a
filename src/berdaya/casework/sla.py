"""Service levels of cases: how long each stage may take, on working days or calendar days, and which open cases
are at risk or past due, computed in SQL.

Nothing here is stored. For each stage the policy turns "today" into a cutoff date in Python (a handful of calendar
steps, not one per case): a case in that stage is past due exactly when it entered the stage before the cutoff,
because the due date only grows with the entry date. So the states are a plain `Q` on `stage` and
`stage_entered_on`, served by an index, and a changed holiday or service level applies to every open case at once.
The due date of a row that is shown is `policy.due(stage, entered_on)`; on the calendar-day clock it is also a SQL
expression (`due_on_expression`).
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import reduce
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, Case, CharField, DateField, Expression, F, Func, Q, QuerySet, Value, When
from django.utils import timezone

from .calendar import ONE_DAY, WorkingCalendar, working_calendar
from .choices import SlaState

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

WORKING = "working"
CALENDAR = "calendar"


class AddDays(Func):
    """`date + n days` as a DATE on every backend (Django's duration arithmetic gives a datetime string on SQLite).

    `days` is a validated Python int, rendered as a literal."""

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


def check_days(days: Mapping[str, Any], setting: str) -> dict[str, int]:
    """Fail loudly on a bad setting: a wrong service level silently hides overdue cases."""
    for stage, value in days.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{setting}[{stage!r}] must be a non-negative integer, got {value!r}")
    return dict(days)


@dataclass(frozen=True)
class SlaPolicy:
    """How long each open stage of a case may take.

    days: the stages that have a due date and their length; any other stage (closed, resolved) has none.
    clock: WORKING (Monday-Friday less holidays) or CALENDAR days.
    at_risk_days: an open stage is "at risk" when its due date is at most this many days (of the clock) away.
    """

    days: Mapping[str, int]
    clock: str = WORKING
    at_risk_days: int = 1
    stage_field: str = "stage"
    entered_field: str = "stage_entered_on"
    calendar: WorkingCalendar | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.clock not in (WORKING, CALENDAR):
            raise ValueError(f"unknown clock {self.clock!r}")
        check_days(self.days, "days")

    # --- One case, in Python ---------------------------------------------------------------------------------------

    def _calendar(self, around: dt.date | None = None) -> WorkingCalendar:
        if self.clock == CALENDAR:
            return _ALL_DAYS
        return self.calendar or working_calendar(around)

    def add(self, start: dt.date, days: int, cal: WorkingCalendar | None = None) -> dt.date:
        if self.clock == CALENDAR:
            return start + dt.timedelta(days=days)
        return (cal or self._calendar(start)).add(start, days)

    def due(self, stage: str, entered_on: dt.date, cal: WorkingCalendar | None = None) -> dt.date | None:
        """The due date of a case that entered `stage` on `entered_on`, or None when the stage has no due date."""
        if stage not in self.days:
            return None
        return self.add(entered_on, self.days[stage], cal)

    def state(
        self, stage: str, entered_on: dt.date, today: dt.date | None = None, cal: WorkingCalendar | None = None
    ) -> str | None:
        """The same states as `state_expression`, for one case in memory (and for tests against the SQL)."""
        today = today or timezone.localdate()
        cal = cal or self._calendar(today)
        due = self.due(stage, entered_on, cal)
        if due is None:
            return None
        if due < today:
            return SlaState.BREACHED
        if due <= self.add(today, self.at_risk_days, cal):
            return SlaState.AT_RISK
        return SlaState.ON_TRACK

    # --- Many cases, in SQL ---------------------------------------------------------------------------------------

    def cutoff(self, days: int, threshold: dt.date, cal: WorkingCalendar) -> dt.date:
        """The first entry date whose due date falls after `threshold`: every earlier entry is due on or before it.

        due(entry) never decreases as the entry date grows, so the entries due by `threshold` are exactly those
        before this date."""
        if self.clock == CALENDAR:
            return threshold - dt.timedelta(days=days) + ONE_DAY
        # Due dates are at least `days` calendar days after entry, and at most a few weeks more (weekends,
        # holidays): start safely early and walk forward.
        entry = threshold - dt.timedelta(days=2 * days + 40)
        while self.add(entry, days, cal) <= threshold:
            entry += ONE_DAY
        return entry

    def _per_stage(self, threshold_of: Any, today: dt.date | None, stages: Iterable[str] | None = None) -> Q:
        today = today or timezone.localdate()
        cal = self._calendar(today)
        parts = [
            Q(**{self.stage_field: stage, f"{self.entered_field}__lt": self.cutoff(n, threshold_of(today, cal), cal)})
            for stage, n in self.days.items()
            if stages is None or stage in stages
        ]
        return reduce(operator.or_, parts) if parts else Q(pk__in=[])

    def breached_q(self, today: dt.date | None = None) -> Q:
        """Open cases past the due date of their current stage."""
        return self._per_stage(lambda t, cal: t - ONE_DAY, today)

    def due_by_q(self, today: dt.date | None = None) -> Q:
        """Open cases due within `at_risk_days` (or already past due)."""
        return self._per_stage(lambda t, cal: self.add(t, self.at_risk_days, cal), today)

    def at_risk_q(self, today: dt.date | None = None) -> Q:
        return self.due_by_q(today) & ~self.breached_q(today)

    def open_q(self) -> Q:
        return Q(**{f"{self.stage_field}__in": list(self.days)})

    def state_expression(self, today: dt.date | None = None) -> Case:
        return Case(
            When(self.breached_q(today), then=Value(SlaState.BREACHED.value)),
            When(self.due_by_q(today), then=Value(SlaState.AT_RISK.value)),
            When(self.open_q(), then=Value(SlaState.ON_TRACK.value)),
            default=Value(None, output_field=CharField()),
            output_field=CharField(),
        )

    def due_on_expression(self) -> Expression:
        """The due date in SQL: on the calendar-day clock only (working days need the holiday table)."""
        if self.clock != CALENDAR:
            raise NotImplementedError("due dates on working days are computed per row: SlaPolicy.attach_due")
        return Case(
            *[
                When(**{self.stage_field: stage}, then=AddDays(F(self.entered_field), n))
                for stage, n in self.days.items()
            ],
            default=Value(None, output_field=DateField()),
            output_field=DateField(),
        )

    def annotate(self, qs: QuerySet, today: dt.date | None = None) -> QuerySet:
        """`sla_state` (on_track / at_risk / breached / None) and `overdue` (bool), both in SQL; `due_on` too on the
        calendar-day clock."""
        qs = qs.annotate(
            sla_state=self.state_expression(today),
            overdue=Case(
                When(self.breached_q(today), then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
        )
        if self.clock == CALENDAR:
            qs = qs.annotate(due_on=self.due_on_expression())
        return qs

    def attach_due(self, rows: Iterable[Any], today: dt.date | None = None) -> None:
        """Set `due_on` on the rows of a page (one holiday query for the page)."""
        cal = self._calendar(today)
        for row in rows:
            row.due_on = self.due(getattr(row, self.stage_field), getattr(row, self.entered_field), cal)


_ALL_DAYS = WorkingCalendar()
