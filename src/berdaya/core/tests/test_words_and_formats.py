"""The Indonesian interface writes dates one way, and the scanner of English words, raw codes and other date formats
sees what it must (the scan of every page each demo role reaches is in berdaya/tests/test_demo_walks.py)."""

from __future__ import annotations

from django.utils import translation
from django.utils.formats import date_format

from berdaya.testing.words import problems


def test_the_formats_are_one_date_and_one_datetime():
    import datetime as dt

    moment = dt.datetime(2026, 12, 6, 7, 15)
    with translation.override("id"):
        assert date_format(moment.date()) == "6 Des 2026"
        assert date_format(moment.date(), "SHORT_DATE_FORMAT") == "6 Des 2026"
        assert date_format(moment, "DATETIME_FORMAT") == "6 Des 2026, 07.15"
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "6 Des 2026, 07.15"
    with translation.override("en"):
        assert date_format(moment, "DATETIME_FORMAT") == "6 Dec 2026, 07:15"


def test_the_scanner_sees_what_it_must():
    assert len(problems("<td>disability</td><td>RT #382</td><td>06-12-2026</td><td>6 Des. 2026</td><td>F</td>")) == 5
    assert not problems('<td>6 Des 2026, 07.15</td><option value="disability">Penyandang disabilitas</option>')
