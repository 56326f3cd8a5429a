# SQL here is assembled from table and column names defined in the tests.
# ruff: noqa: S608
"""The likely-duplicate check's shortcuts keep its answers: the prepared columns selected for the name filter are
`linkage.prepare`'s own, the filter keeps exactly the pairs the form would hold, and the candidates' rows are
`dbio.read_people`'s."""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import pytest

from berdaya.dedup import dbio, incremental, linkage
from berdaya.dedup.incremental import likely_matches
from berdaya.dedup.intake import _IDENTIFYING, _names_share_nothing
from berdaya.registry import choices as c
from berdaya.registry.identity import make_nik
from berdaya.testing import factories

# (full_name, birth_date, sex, village_id, district_id, address, nik, kk_number, phone, parent_name, other_id,
# birth_place): blanks, spaces, bin/binti, NIKs of men and women, valid and not, villages of every shape, birth places
# written with their kind, upper-cased, with punctuation.
RAW = [
    ("Ahmad bin Djamaluddin", "1980-03-07", "m", "15.02.01.2001", None, " Jl. Lintas 3 ", "1502010703800011",
     "1502011506180001", "0812-3456-7890", None, None, "Kab. Merangin"),
    ("Aminah Binti Yusuf", "1985-12-31", "F", "15.02.01.2001", "", "", "1502017112850002", "", "", "Yusuf", "ktp 9",
     " BANGKO "),
    ("  H. Moch. Wawan, S.Pd. ", "", " ", "15.02", "15.02.09", None, "15O2O1", "15-02", "+62 812", "", "", ""),
    ("", None, None, "", None, None, "", None, None, "Siti Aminah binti Ali", None, None),
    (None, "2001-01-01", "M", None, None, "RT 3", "1502014101019999", None, "081", None, "x", "Desa  Pulau Tengah"),
    ("Ni Luh Putu Ayu", "1999-02-30", "F", "15.02.01.2002", None, None, "9999999999999999", "1502011506180002",
     None, "I Made Ayu", None, "KOTA JAMBI"),
    ("Abd. Rahman Yoesoef", "2010-07-01", "M", "a.b.c.d", None, None, None, None, None, "Abd. Rahman", None,
     "Sungai-Penuh"),
]  # fmt: skip


def _raw_table(con: duckdb.DuckDBPyConnection) -> list[list]:
    rows = [[i + 1, *values] for i, values in enumerate(RAW)]
    rows.append([-1, *RAW[0][:6], None, None, None, None, None, None])  # nik ... birth place all NULL
    con.register("raw_arrow", incremental._raw(rows))  # the names made canonical too: source and parts
    return rows


def test_the_prepared_columns_the_filter_reads_are_prepares_own():
    con = duckdb.connect()
    _raw_table(con)
    linkage.prepare(con, source="raw_arrow", target="whole", parts="raw_arrow")
    every = list(linkage.prepared_columns())
    assert every == [d[0] for d in con.execute("SELECT * FROM whole LIMIT 0").description]
    for columns in (every, ["name_sorted", "first_name", "nik", "phone"], ["district_id", "nik_district"]):
        selected = con.execute(
            f"SELECT * FROM ({linkage.prepared_select('raw_arrow', 'raw_arrow', columns)}) ORDER BY unique_id"
        ).fetchall()
        read = ", ".join(dict.fromkeys(["unique_id", *columns]))
        whole = con.execute(f"SELECT {read} FROM whole ORDER BY unique_id").fetchall()
        assert selected == whole
    # Columns with no value at all (present_columns leaves them out of prepare) prepare to NULL all the same.
    con.register("blank_arrow", incremental._raw([[1, *[None] * 12], [2, "Budi", *[""] * 11]]))
    linkage.prepare(con, source="blank_arrow", target="blank", parts="blank_arrow")
    assert (
        con.execute(
            f"SELECT * FROM ({linkage.prepared_select('blank_arrow', 'blank_arrow', every)}) ORDER BY unique_id"
        ).fetchall()
        == con.execute("SELECT * FROM blank ORDER BY unique_id").fetchall()
    )


@pytest.mark.django_db
def test_the_name_filter_keeps_exactly_the_pairs_the_form_would_hold_and_builds_no_table_otherwise(areas):
    # People born on a few days in one district, with names drawn from a few words, some with a NIK or a phone; new
    # records drawn the same way. Scored whole (no filter, every score), the pairs the form would not hold are those
    # whose names share nothing and that agree on no exact identifier; with the filter, exactly the others remain,
    # with the same scores and explanations.
    rng = random.Random(7)
    words = ["Siti", "Aminah", "Budi", "Santoso", "Ahmad", "Rahman", "Nur", "Hayati", "Wawan", "Hermawan"]
    days = [dt.date(1980, 3, 7), dt.date(1980, 7, 3), dt.date(1981, 3, 7)]
    phones = ["081234567890", "081298765432"]
    people = []
    for i in range(24):
        born, sex = rng.choice(days), rng.choice(["M", "F"])
        nik = make_nik(district_code="15.02.01", birth_date=born, sex=sex, serial=100 + i) if i % 3 == 0 else None
        hh = factories.household(village=rng.choice(["15.02.01.2001", "15.02.01.2002"]))
        people.append(
            factories.person(
                hh=hh, name=" ".join(rng.sample(words, rng.randint(1, 3))), sex=sex, birth_date=born,
                with_nik=False, nik=nik, phone="+62" + rng.choice(phones)[1:] if i % 4 == 0 else "",
            )
        )  # fmt: skip
    records = []
    for _ in range(12):
        born = rng.choice(days)
        twin = rng.choice(people)
        records.append(
            {
                "full_name": " ".join(rng.sample(words, rng.randint(1, 2))), "birth_date": born, "sex": "M",
                "village_id": "15.02.01.2001", "phone": rng.choice([*phones, None, None]),
                "nik": twin.nik if rng.random() < 0.3 else None,
            }
        )  # fmt: skip
    whole = likely_matches(records, threshold=0.0, limit=1000)
    filtered = likely_matches(records, threshold=0.0, limit=1000, unless_names_differ=_IDENTIFYING)
    assert sum(map(len, whole)) > sum(map(len, filtered)) > 0
    assert filtered == [[m for m in ms if not _names_share_nothing(m.explanation)] for ms in whole]

    # When no candidate passes, no table is built: the records are not prepared whole.
    con, _scoring = incremental._scorer(incremental._model())
    con.execute("DROP TABLE IF EXISTS inc_all")
    stranger = {"full_name": "Zulkarnain", "birth_date": days[0], "sex": "M", "village_id": "15.02.01.2001"}
    assert likely_matches([stranger], unless_names_differ=_IDENTIFYING) == [[]]
    assert not con.execute("SELECT * FROM duckdb_tables() WHERE table_name = 'inc_all'").fetchall()
    assert likely_matches([stranger], threshold=0.0)[0]  # scored whole, it has candidates
    assert con.execute("SELECT * FROM duckdb_tables() WHERE table_name = 'inc_all'").fetchall()


@pytest.mark.django_db
@pytest.mark.parametrize("direct", [True, False])
def test_the_candidates_rows_are_read_peoples_table(areas, monkeypatch, direct):
    ids = []
    for i in range(5):
        hh = factories.household(kk_number="" if i % 2 else f"150201150618{i:04d}")
        head = factories.person(hh=hh, name=f"Kepala {i}, Jr.", phone="" if i % 2 else "+6281234567890")
        child = factories.person(hh=hh, name=f"Anak {i}", relationship=c.Relationship.CHILD, with_nik=bool(i % 2))
        ids += [head.pk, child.pk]
    if not direct:
        monkeypatch.setattr(dbio, "FETCH_DIRECT", 3)
    duck = duckdb.connect()
    dbio.read_people(duck, table="people", person_ids=ids)
    table = duck.execute("SELECT * FROM people").fetchall()
    rows = dbio.people_rows(duck, ids)
    assert sorted(rows) == sorted(table)
    assert any(r[6] is None for r in rows) and any(r[8] for r in rows)  # a blank KK is NULL; a child's parent
    assert not duck.execute("SELECT * FROM duckdb_tables() WHERE table_name = '_people_rows'").fetchall()
