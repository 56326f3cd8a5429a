# SQL here is assembled from table names defined in the tests.
# ruff: noqa: S608
"""The registry's people into DuckDB: a few (a registration's candidates) by one fetch, the same table as the CSV
file's way gives."""

from __future__ import annotations

import datetime as dt
import tempfile

import duckdb
import pytest

from berdaya.dedup import dbio
from berdaya.registry import choices as c
from berdaya.testing import factories

pytestmark = pytest.mark.django_db

AWKWARD_NAMES = [
    "Siti, Aminah",
    'Budi "Gondrong" Santoso',
    " Rina  Wati ",
    "Nur\nHayati",
    "Ni Luh Putu Ayu Sriwahyuni",
    "Ahmad Bin Abdul Ḥamid",
    "O'Brien",
]


def _people() -> list[int]:
    ids = []
    for i, name in enumerate(AWKWARD_NAMES):
        hh = factories.household(kk_number="" if i % 2 else f"150201150618{i:04d}")
        head = factories.person(
            hh=hh, name=f"Kepala {i}", with_nik=bool(i % 3), phone="" if i % 2 else "+6281234567890"
        )
        child = factories.person(
            hh=hh,
            name=name,
            birth_date=dt.date(2010, 1, i + 1),
            relationship=c.Relationship.CHILD,
            with_nik=not i % 3,
        )
        ids += [head.pk, child.pk]
    return ids


def _table(duck: duckdb.DuckDBPyConnection, name: str) -> list[tuple]:
    return duck.execute(f"SELECT * FROM {name} ORDER BY unique_id").fetchall()


def test_a_few_people_by_one_fetch_are_the_same_table_as_through_the_csv_file(areas):
    ids = _people()
    where = "WHERE p.id IN ({})".format(",".join(map(str, ids)))
    select = dbio.PEOPLE_SQL.format(where=where)
    duck = duckdb.connect()

    assert dbio.pull(duck, "by_csv", dbio.PEOPLE_COLUMNS, select) == len(ids)
    assert dbio.pull_direct(duck, "by_fetch", dbio.PEOPLE_COLUMNS, select) == len(ids)

    assert _table(duck, "by_fetch") == _table(duck, "by_csv")
    assert duck.execute("DESCRIBE by_fetch").fetchall() == duck.execute("DESCRIBE by_csv").fetchall()
    rows = _table(duck, "by_fetch")
    assert {r[1] for r in rows} >= set(AWKWARD_NAMES)  # names kept as written, commas, quotes and newlines too
    assert any(r[6] is None for r in rows) and any(r[6] for r in rows)  # a blank KK number is NULL, as in the CSV


def test_a_registrations_candidates_are_read_without_a_file(areas, monkeypatch):
    ids = _people()

    def no_file(*args, **kwargs):
        raise AssertionError("a temporary file for a few rows")

    monkeypatch.setattr(tempfile, "mkstemp", no_file)
    duck = duckdb.connect()
    assert dbio.read_people(duck, table="cand", person_ids=ids[:5]) == 5
    assert sorted(r[0] for r in _table(duck, "cand")) == sorted(ids[:5])
