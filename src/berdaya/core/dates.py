"""Dates: ages, dates as people write them in spreadsheets, ISO dates in requests, the week of a date.

Dates are shown through Django's formats (formats/id, formats/en: "6 Des 2026") and entered through the date picker
(core.forms.DateInput, ISO); what is left is here, once.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, overload

# Day first, as Indonesians write a date (11/06/1988, 1-6-1988, 11.06.1988); or ISO, with the midnight a spreadsheet
# adds to a date it exported as a date-time.
DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")


class UnknownDateFormat(ValueError):
    """Not written dd/mm/yyyy, d-m-yyyy or yyyy-mm-dd."""


class NotInCalendar(ValueError):
    """Written as a date, but no such day (31/02/2024)."""


def years_ago(years: int, today: dt.date) -> dt.date:
    """The same day `years` years before `today`: whoever was born on or before it is at least `years` old.
    29 February falls back to 28 February in a year without it."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def age_on(born: dt.date, on: dt.date) -> int:
    """Age in whole years on a day: a birthday counts from the day itself."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def parse_written_date(raw: Any) -> dt.date | None:
    """A date cell of a spreadsheet: a date (or date-time) as the reader gave it, or text written dd/mm/yyyy,
    d-m-yyyy, dd.mm.yyyy or yyyy-mm-dd. None for an empty cell. Raises UnknownDateFormat or NotInCalendar, so each
    caller words the message in its own report."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        if m := DMY.match(text):
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        if m := YMD.match(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise NotInCalendar(text) from None
    raise UnknownDateFormat(text)


@overload
def parse_iso_date(text: str | None, default: dt.date) -> dt.date: ...
@overload
def parse_iso_date(text: str | None, default: None = None) -> dt.date | None: ...
def parse_iso_date(text: str | None, default: dt.date | None = None) -> dt.date | None:
    """A date from a request or a command line (yyyy-mm-dd), or `default` when it is missing or not a date."""
    try:
        return dt.date.fromisoformat(text or "")
    except ValueError:
        return default


def monday_of(day: dt.date) -> dt.date:
    """The Monday that starts the (ISO) week of `day`."""
    return day - dt.timedelta(days=day.weekday())
