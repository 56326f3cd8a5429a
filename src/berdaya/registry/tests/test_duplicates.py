"""The exact duplicate rule: its Python definition and its SQL form agree on every pair (DuckDB, which the import
runs it in, and the test database when it is PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from berdaya.registry.duplicates import (
    SAME_NAME_BIRTH_VILLAGE,
    SAME_NIK,
    Columns,
    Facts,
    exact_reason,
    exact_reason_sql,
    name_key_sql,
)
from berdaya.registry.identity import NAME_SEPARATORS, normalise_name

# Names as they are typed: letters (with the accented ones of Latin-1), digits, every separator of the rule, and a
# few characters that are not separators (an apostrophe is one; a Unicode letter or a symbol outside the class
# is not), so both sides of the class are reached.
NAME_CHARS = st.sampled_from(
    list("SitiAminahMUHAMMADnurÉéüÜ0123") + list(NAME_SEPARATORS) + ["\u00ad", "§", "’", "\x1c"]
)
NAMES = st.text(NAME_CHARS, max_size=14)
BASE_NAMES = st.sampled_from(["Siti Aminah", "SITI  AMINAH.", "siti-aminah", "Siti Aminah ", "Budi", "", " ."])
VILLAGES = st.sampled_from([None, "", "15.02.01.2001", "15.02.01.2002"])
DATES = st.sampled_from([None, dt.date(1980, 5, 17), dt.date(1980, 5, 18), dt.date(2001, 1, 1)])
NIKS = st.sampled_from([None, "", "1502015705800001", "1502015705800002"])


@st.composite
def facts(draw) -> Facts:
    name = draw(st.one_of(NAMES, BASE_NAMES))
    return Facts(full_name=name, birth_date=draw(DATES), village_id=draw(VILLAGES), nik=draw(NIKS))


def _sql_reasons(pairs: list[tuple[Facts, Facts]], run) -> list[str | None]:
    a, b = Columns.of("a"), Columns.of("b")
    rows = []
    for i, (x, y) in enumerate(pairs):
        rows.append((i, x.full_name, x.birth_date, x.village_id, x.nik, y.full_name, y.birth_date, y.village_id, y.nik))
    return run(exact_reason_sql(a, b), rows)


def _duck(expr: str, rows) -> list[str | None]:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t (i INTEGER, an VARCHAR, ab DATE, av VARCHAR, ak VARCHAR, "
        "bn VARCHAR, bb DATE, bv VARCHAR, bk VARCHAR)"
    )
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    sql = (
        "SELECT i, " + expr + " FROM (SELECT i, an AS full_name, ab AS birth_date, av AS village_id, ak AS nik, "  # noqa: S608
        "bn, bb, bv, bk FROM t) a, LATERAL (SELECT bn AS full_name, bb AS birth_date, bv AS village_id, "
        "bk AS nik) b ORDER BY i"
    )
    return [reason for _i, reason in con.execute(sql).fetchall()]


def _postgres(expr: str, rows) -> list[str | None]:
    values = ", ".join(["(%s, %s, %s::date, %s, %s, %s, %s::date, %s, %s)"] * len(rows))
    params = [v for row in rows for v in row]
    sql = (
        f"SELECT t.i, {expr} FROM (VALUES {values}) AS t(i, an, ab, av, ak, bn, bb, bv, bk), "  # noqa: S608
        "LATERAL (SELECT t.an AS full_name, t.ab AS birth_date, t.av AS village_id, t.ak AS nik) a, "
        "LATERAL (SELECT t.bn AS full_name, t.bb AS birth_date, t.bv AS village_id, t.bk AS nik) b ORDER BY t.i"
    )
    with connection.cursor() as cur:
        cur.execute(sql.replace("%", "%%").replace("%%s", "%s"), params)
        return [reason for _i, reason in cur.fetchall()]


PAIRS = st.lists(
    st.one_of(
        st.tuples(facts(), facts()),
        # The same record and a retyped copy: the rule's positive cases, reached often.
        facts().flatmap(
            lambda x: st.tuples(
                st.just(x),
                st.builds(
                    Facts,
                    full_name=st.sampled_from(
                        [x.full_name, x.full_name.upper(), f" {x.full_name}.", x.full_name + "-"]
                    ),
                    birth_date=st.sampled_from([x.birth_date, dt.date(1980, 5, 17)]),
                    village_id=st.sampled_from([x.village_id, "15.02.01.2001"]),
                    nik=st.sampled_from([x.nik, None]),
                ),
            )
        ),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PAIRS)
def test_the_sql_form_agrees_with_the_rule_in_duckdb(pairs):
    assert _sql_reasons(pairs, _duck) == [exact_reason(x, y) for x, y in pairs]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(PAIRS)
def test_the_sql_form_agrees_with_the_rule_in_postgresql(pairs):
    assert _sql_reasons(pairs, _postgres) == [exact_reason(x, y) for x, y in pairs]


@settings(max_examples=200, deadline=None)
@given(NAMES)
def test_the_name_key_is_the_same_in_python_and_duckdb(name):
    assert duckdb.connect().execute(f"SELECT {name_key_sql('?')}", [name]).fetchone()[0] == normalise_name(name)


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("SITI  AMINAH", "siti aminah"),
        ("Siti Aminah.", "siti aminah"),
        ("siti-aminah", "siti aminah"),
        ("Siti\u00a0Aminah", "siti aminah"),
        ("H. Muhammad, S.Pd.", "h muhammad s pd"),
        ("", ""),
    ],
)
def test_it_normalises_case_spaces_and_punctuation(written, key):
    assert normalise_name(written) == key


def test_it_names_the_rule_that_matched():
    one = Facts(full_name="Siti Aminah", birth_date=dt.date(1980, 5, 17), village_id="15.02.01.2001")
    assert exact_reason(one, Facts(full_name="SITI AMINAH.", birth_date=one.birth_date, village_id=one.village_id)) == (
        SAME_NAME_BIRTH_VILLAGE
    )
    assert (
        exact_reason(one, Facts(full_name="Siti Aminah", birth_date=one.birth_date, village_id="15.02.01.2002")) is None
    )
    assert exact_reason(Facts(nik="1502 0157 0580 0001"), Facts(nik="1502015705800001")) == SAME_NIK
    # Nothing known is not a match: two records without NIK, name, date or village are not one person.
    assert exact_reason(Facts(), Facts()) is None
