"""Exported cells never become formulas, whichever separator the spreadsheet splits a CSV on."""

from __future__ import annotations

import csv
import io

import pytest

from berdaya.core.spreadsheet import csv_stream, safe_cell

FORMULA = ("=", "+", "-", "@")


def _cells(text: str, delimiter: str, *, quotes: bool) -> list[str]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quoting=csv.QUOTE_MINIMAL if quotes else csv.QUOTE_NONE)
    return [field for record in reader for field in record]


@pytest.mark.parametrize("value", [";=1+1", ",=1+1", "\t=1+1", "|=1+1", "a;@SUM(A1)", 'x;"=HYPERLINK(1)', "b,+62"])
@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_it_neutralises_a_formula_after_any_separator(value, delimiter):
    text = b"".join(csv_stream(["a"], [[value]])).decode("utf-8-sig")
    # A spreadsheet that honours quotes sees one cell, and that cell starts with the apostrophe.
    for cell in _cells(text, delimiter, quotes=True):
        assert cell[:1] not in FORMULA, (delimiter, cell)
    # A reader that ignores quotes splits the line itself: no piece may start a formula either.
    _assert_no_piece_starts_a_formula(text, delimiter)


def _assert_no_piece_starts_a_formula(text: str, delimiter: str) -> None:
    for line in text.splitlines():
        for piece in line.split(delimiter):
            assert piece.lstrip(' "')[:1] not in FORMULA, (delimiter, line, piece)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        (";=1+1", ";'=1+1"),
        ("Siti,-2+3", "Siti,'-2+3"),
        ('Budi;=HYPERLINK("http://x")', 'Budi;\'=HYPERLINK("http://x")'),
        ('x;"=1', "x;\"'=1"),
        ("=a;=b", "'=a;'=b"),
        ("\t=1", "'\t'=1"),
    ],
)
def test_it_neutralises_once_however_often_it_is_applied(value, expected):
    assert safe_cell(value) == expected
    assert safe_cell(safe_cell(value)) == expected
    # The export path writes cells through csv_stream: one apostrophe per formula start, not two.
    line = b"".join(csv_stream(["a"], [[safe_cell(value)]])).decode("utf-8-sig").splitlines()[1]
    assert "''" not in line.replace('""', "")
    for delimiter in (";", ",", "\t", "|"):
        _assert_no_piece_starts_a_formula(line, delimiter)


@pytest.mark.parametrize("value", ["Siti Aminah", "Jl. Lintas, No. 3", "RT 01; RW 02", "1.5 ha", "a - b"])
def test_it_leaves_ordinary_text_alone(value):
    assert safe_cell(value) == value


def test_it_quotes_every_csv_cell():
    text = b"".join(csv_stream(["a", "b"], [["x;y", 3]])).decode("utf-8-sig")
    assert text.splitlines()[1] == '"x;y","3"'
