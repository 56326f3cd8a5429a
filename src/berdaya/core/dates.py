"""Dates: ages, dates as people write them in spreadsheets, ISO dates in requests, the week of a date.

Dates are shown through Django's formats (formats/id, formats/en: "6 Des 2026") and entered through the date picker
(core.forms.DateInput, ISO); what is left is here, once.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, overload

from django.db.models import CharField, Func

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


# --- the ISO texts of exchanges (SPDCI), written by the database ---------------------------------------------------


def moment_text(value: dt.datetime | None) -> str | None:
    """A stored date-time as the exchanges write it: ISO 8601 to the second, in UTC as the database gives it back
    (USE_TZ: "2026-12-07T15:57:46+00:00"). The one definition: `MomentText` is its SQL form, tested against it."""
    return value.isoformat(timespec="seconds") if value is not None else None


def date_text(value: dt.date | None) -> str | None:
    """A date as the exchanges write it (ISO, "1988-06-11"). `DateText` is its SQL form, tested against it."""
    return value.isoformat() if value is not None else None


class MomentText(Func):
    """`moment_text` of a date-time column, in SQL: the text is written by the database, so a page of records does
    not convert each value into a Python date-time only to write it back as text (two per person of an SPDCI page).
    NULL stays NULL. PostgreSQL: `to_char` in UTC; SQLite keeps date-times as UTC text ("YYYY-MM-DD HH:MM:SS[.f]")."""

    output_field = CharField()
    arity = 1

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "(replace(substr(%(expressions)s, 1, 19), ' ', 'T') || '+00:00')"
        return self.as_sql(compiler, connection, template=template, **extra)


class DateText(Func):
    """`date_text` of a date column, in SQL (SQLite keeps dates as ISO text already)."""

    output_field = CharField()
    arity = 1

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="to_char(%(expressions)s, 'YYYY-MM-DD')", **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # An expression, not the bare column: sqlite3 would turn a column declared "date" back into a date.
        return self.as_sql(compiler, connection, template="(%(expressions)s || '')", **extra)
