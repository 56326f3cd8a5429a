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
    assert safe_cell(value).startswith("'")


@pytest.mark.parametrize("value", ["Siti Aminah", "Jl. Lintas, No. 3", "RT 01; RW 02", "1.5 ha", "a - b"])
def test_it_leaves_ordinary_text_alone(value):
    assert safe_cell(value) == value


def test_it_quotes_every_csv_cell():
    text = b"".join(csv_stream(["a", "b"], [["x;y", 3]])).decode("utf-8-sig")
    assert text.splitlines()[1] == '"x;y","3"'
