"""The working-day calendar: Monday to Friday, less the holidays in the Holiday table.

A `WorkingCalendar` holds the holidays of a window of dates in memory, so the arithmetic of a whole page or of
every stage's cutoff costs one query. Dates outside the window are still right on weekends; the window is wide
enough (a year each side of its centre by default) that no service level reaches past it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

ONE_DAY = dt.timedelta(days=1)
WINDOW = dt.timedelta(days=400)


class WorkingCalendar:
    def __init__(self, holidays: Iterable[dt.date] = ()) -> None:
        self.holidays = frozenset(holidays)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def add(self, start: dt.date, days: int) -> dt.date:
        """The `days`-th working day after `start` (not counting `start`). 0 gives `start` itself; a case
        received on a Saturday with 3 working days is due on Wednesday."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        left = days
        while left:
            day += ONE_DAY
            if self.is_working_day(day):
                left -= 1
        return day

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count = 0
        day = start
        while day < end:
            day += ONE_DAY
            if self.is_working_day(day):
                count += 1
        return count

    def next_working_day(self, day: dt.date) -> dt.date:
        while not self.is_working_day(day):
            day += ONE_DAY
        return day


def working_calendar(around: dt.date | None = None) -> WorkingCalendar:
    """The calendar with the holidays of the year or so around `around` (today by default), in one query."""
    from .models import Holiday

    centre = around or timezone.localdate()
    days = Holiday.objects.filter(date__gte=centre - WINDOW, date__lte=centre + WINDOW).values_list("date", flat=True)
    return WorkingCalendar(days)
