# Test SQL is built from code-defined expressions; values travel as parameters.
# ruff: noqa: S608
"""The SQL rules (sqlcheck.py) must say exactly what the Python rules say (validate.py, registry.identity).

NIK and KK numbers that are not plain digits are converted by the Python validator itself; test_row_rules.py runs
them, with the rest of a row, through the check SQL."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from berdaya.imports import sqlcheck as q
from berdaya.imports.validate import RowError, RowValidator
from berdaya.registry.identity import check_kk, check_nik

DISTRICTS = ["150201", "150202", "317101"]
TODAY = dt.date(2025, 6, 15)
TODAY_SQL = f"DATE '{TODAY.isoformat()}'"
CON = duckdb.connect()
CON.execute("CREATE TABLE dist AS SELECT unnest($1::VARCHAR[]) AS p", [DISTRICTS])
VALIDATOR = RowValidator(
    mapping={},
    headers=[],
    known_villages=set(),
    allowed_villages=None,
    district_prefixes=set(DISTRICTS),
    today=TODAY,
)

digit = st.sampled_from("0123456789")
two = st.integers(min_value=0, max_value=99).map(lambda n: f"{n:02d}")
plausible = st.builds(
    lambda d, day, month, yy, serial: f"{d}{day}{month}{yy}{serial:04d}",
    st.sampled_from([*DISTRICTS, "999999"]),
    two,
    st.integers(min_value=0, max_value=13).map(lambda n: f"{n:02d}"),
    two,
    st.integers(min_value=0, max_value=9999),
)
numbers = st.one_of(
    plausible,
    st.text(digit, min_size=16, max_size=16),
    st.text(st.sampled_from("0123456789٣"), min_size=16, max_size=16),  # Arabic-Indic digit: \d but not [0-9]
)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)


def _sql(expr: str, **values):
    names = list(values)
    cols = ", ".join(f"${i + 1} AS {name}" for i, name in enumerate(names))
    return CON.execute(f"SELECT {expr} FROM (SELECT {cols})", list(values.values())).fetchone()


def _joined(failures) -> str | None:
    return " ".join(f.message for f in failures) or None


@settings(max_examples=400, deadline=None)
@given(nik=numbers, birth=births, sex=st.sampled_from(["M", "F"]))
def test_sql_nik_check_agrees_with_check_nik(nik, birth, sex):
    known = "substr(n, 1, 6) IN (SELECT p FROM dist)"
    expr = q.nik_failures_sql("n", "CAST(b AS DATE)", "s", known, TODAY_SQL)
    (sql,) = _sql(expr, n=nik, b=birth.isoformat(), s=sex)
    expected = check_nik(nik, birth_date=birth, sex=sex, today=TODAY, district_exists=set(DISTRICTS).__contains__)
    assert sql == _joined(expected)


@settings(max_examples=300, deadline=None)
@given(kk=numbers)
def test_sql_kk_check_agrees_with_check_kk(kk):
    known = "substr(k, 1, 6) IN (SELECT p FROM dist)"
    (sql,) = _sql(q.kk_failures_sql("k", known, TODAY_SQL), k=kk)
    assert sql == _joined(check_kk(kk, today=TODAY, district_exists=set(DISTRICTS).__contains__))


cells = st.one_of(
    st.text(max_size=30),
    st.text(min_size=55, max_size=70),
    st.text(st.sampled_from(" \t\xa0\u202f\u3000'-.+,eE0123456789٣０９\x1f\x0b"), max_size=24),
    numbers.map(lambda n: f" '{n[:8]} {n[8:]} "),
    st.sampled_from(["1,50201E+15", "1502011403850000.0", "0812-3456-7890", "+6281234567890", "81234567890"]),
)


def _python(convert, key, raw):
    try:
        return convert(key, raw), None
    except RowError as err:
        return None, err.message


@settings(max_examples=400, deadline=None)
@given(raw=cells)
def test_sql_cell_rules_agree_with_the_row_validator(raw):
    t = q.pytrim("r")
    (trimmed,) = _sql(t, r=raw)
    assert trimmed == raw.strip()
    phone_value, phone_error = q.phone_sql(t)
    row = _sql(
        f"{phone_error}, CASE WHEN {phone_error} IS NULL THEN {phone_value} END, {q.text_error(t, 60)}",
        r=raw,
    )
    assert (row[1], row[0]) == _python(VALIDATOR._conv_phone, "phone", raw)
    assert row[2] == _python(VALIDATOR._text, "hh_key", raw)[1]  # hh_key: at most 60 characters


@pytest.mark.parametrize("template", ["Baris %(row)s: %(v)s.", "tanpa tempat", "100%% dari %(v)s"])
def test_msg_builds_the_same_text_as_python(template):
    (text,) = _sql(q.msg(template, row="3", v="x"), x="it's")
    assert text == template % {"row": 3, "v": "it's"}
