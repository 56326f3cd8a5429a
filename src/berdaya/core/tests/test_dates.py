"""Dates in one place (core/dates.py): ages, written dates, ISO dates from requests, weeks."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from berdaya.core.dates import (
    NotInCalendar,
    UnknownDateFormat,
    age_on,
    monday_of,
    parse_iso_date,
    parse_written_date,
    years_ago,
)


@given(st.dates(min_value=dt.date(1900, 1, 1)), st.dates(min_value=dt.date(1900, 1, 1)), st.integers(0, 100))
def test_whoever_is_born_on_or_before_years_ago_is_at_least_that_old(born, today, years):
    if born > today or today.year - years < 1:
        return
    assert (born <= years_ago(years, today)) == (age_on(born, today) >= years)


def test_a_leap_day_falls_back_to_the_28th():
    assert years_ago(1, dt.date(2024, 2, 29)) == dt.date(2023, 2, 28)
    assert age_on(dt.date(2000, 2, 29), dt.date(2001, 2, 28)) == 0


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("11/06/1988", dt.date(1988, 6, 11)),
        ("1-6-1988", dt.date(1988, 6, 1)),
        ("11.06.1988", dt.date(1988, 6, 11)),
        ("1988-06-11", dt.date(1988, 6, 11)),
        ("1988-06-11 00:00:00", dt.date(1988, 6, 11)),
        (dt.datetime(1988, 6, 11, 0, 0), dt.date(1988, 6, 11)),
        ("", None),
    ],
)
def test_it_reads_dates_as_people_write_them(written, day):
    assert parse_written_date(written) == day


def test_it_tells_a_wrong_format_from_a_day_that_does_not_exist():
    with pytest.raises(NotInCalendar):
        parse_written_date("31/02/2024")
    with pytest.raises(UnknownDateFormat):
        parse_written_date("11 Juni 1988")


def test_a_missing_or_broken_iso_date_gives_the_default():
    today = dt.date(2026, 12, 6)
    assert parse_iso_date("2026-12-01", default=today) == dt.date(2026, 12, 1)
    assert parse_iso_date("kemarin", default=today) == today
    assert parse_iso_date(None) is None
    assert monday_of(dt.date(2026, 12, 6)) == dt.date(2026, 11, 30)
