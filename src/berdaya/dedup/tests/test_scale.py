# SQL here is assembled from the rules defined in code and column names; values travel as parameters.
# ruff: noqa: S608
"""What keeps a run at a million people within its time and memory: narrow blocking (one definition of "birth dates
that could be one date", its SQL checked against it), EM on a bounded sample of pairs, the comparisons counted
exactly, and DuckDB's memory bounded by a setting."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random

import duckdb
import pytest
from django.test import override_settings

from berdaya.core.conf import conf
from berdaya.dedup import linkage, services
from berdaya.demo.linkage import labelled_people


def near_date(a: str | None, b: str | None) -> bool:
    """The rule in words (linkage.NEAR_DATE is its SQL): within 31 days, the same day and month, the same year and
    day, day and month swapped within a year, or either date a placeholder of an unknown day."""
    if a is None or b is None:
        return False
    da, db = dt.date.fromisoformat(a), dt.date.fromisoformat(b)
    placeholders = {(1, 1), (7, 1), (12, 31)}
    return (
        abs((da - db).days) <= 31
        or (da.month, da.day) == (db.month, db.day)
        or (da.year == db.year and (da.day == db.day or (da.month == db.day and da.day == db.month)))
        or (da.month, da.day) in placeholders
        or (db.month, db.day) in placeholders
    )


def _people(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    con.execute("CREATE TABLE raw (" + ", ".join(f"{c} {t}" for c, t in linkage.RAW_COLUMNS.items()) + ")")
    for r in rows:
        con.execute(
            f"INSERT INTO raw ({', '.join(r)}) VALUES ({', '.join('?' * len(r))})",
            list(r.values()),
        )
    linkage.prepare(con)


def _blocked_pairs(con: duckdb.DuckDBPyConnection) -> set[tuple[int, int]]:
    """The pairs the blocking rules the data supports admit, over the `people` table."""
    rules = linkage.blocking_for(linkage.present_columns(con))
    union = " UNION ".join(
        f"SELECT l.unique_id AS a, r.unique_id AS b FROM people l JOIN people r ON ({rule}) "
        "AND l.unique_id < r.unique_id"
        for rule in rules
    )
    return set(con.execute(union).fetchall())


def test_the_sql_of_near_dates_is_the_rule():
    rng = random.Random(7)
    base = dt.date(1980, 1, 1)
    dates = [base + dt.timedelta(days=rng.randint(0, 365 * 30)) for _ in range(60)]
    # the cases the rule names, and their edges
    for d in list(dates[:20]):
        dates += [
            d + dt.timedelta(days=31),
            d + dt.timedelta(days=32),
            d.replace(year=d.year + 3),
            dt.date(d.year, d.day, d.month) if d.day <= 12 else d,
            dt.date(d.year, 1, 1),
            dt.date(d.year + 1, 7, 1),
        ]
    iso = sorted({d.isoformat() for d in dates})
    con = duckdb.connect()
    _people(con, [{"unique_id": i, "full_name": "Ani", "birth_date": d} for i, d in enumerate(iso)])
    got = {
        (a, b)
        for a, b in con.execute(
            f"SELECT l.unique_id, r.unique_id FROM people l JOIN people r ON l.unique_id < r.unique_id AND {linkage.NEAR_DATE}"
        ).fetchall()
    }
    want = {(i, j) for i, j in itertools.combinations(range(len(iso)), 2) if near_date(iso[i], iso[j])}
    assert got == want
    assert len(want) > 100  # the draw exercises the rule


def test_blocking_admits_every_date_corruption_of_the_labelled_set_and_leaves_out_family():
    """Two records of one person whose date was swapped or moved by days (the labelled set's corruptions), names
    otherwise the same, are compared; a parent and child on one card with other names and years are not."""
    rows = [
        {"unique_id": 1, "full_name": "Siti Aminah", "birth_date": "1985-03-07", "village_id": "15.02.01.2001"},
        {"unique_id": 2, "full_name": "Siti Aminah", "birth_date": "1985-07-03", "village_id": "15.02.02.2004"},
        {"unique_id": 3, "full_name": "Siti Aminah", "birth_date": "1985-03-17", "village_id": "15.02.02.2004"},
        {"unique_id": 4, "full_name": "Siti Aminah", "birth_date": "1985-02-25", "village_id": "15.02.02.2004"},
        # family on one card: other names, decades apart
        {"unique_id": 5, "full_name": "Ahmad Yani", "birth_date": "1950-05-20", "kk_number": "1502011234567890"},
        {"unique_id": 6, "full_name": "Rina Yani", "birth_date": "1979-11-02", "kk_number": "1502011234567890"},
        # a common name in one district, other years and days: different people
        {"unique_id": 7, "full_name": "Siti Aminah", "birth_date": "1962-10-14", "village_id": "15.02.01.2001"},
    ]
    con = duckdb.connect()
    _people(con, rows)
    pairs = _blocked_pairs(con)
    assert {(1, 2), (1, 3), (1, 4)} <= pairs
    assert (5, 6) not in pairs
    assert (1, 7) not in pairs


def test_blocking_admits_a_typo_in_the_first_name_with_a_birth_date_off_by_days_in_one_village():
    """Neither the name nor the date agrees, so no name or date key holds the pair: in one village, the birth year
    with the sex and the initial (or the last name) does. The same initial in another year, or in another village, is
    not compared."""
    village, other = "15.02.01.2001", "15.02.05.2003"
    rows = [
        {"unique_id": 1, "full_name": "Suparmi", "birth_date": "1980-05-10", "sex": "F", "village_id": village},
        {"unique_id": 2, "full_name": "Supatmi", "birth_date": "1980-05-20", "sex": "F", "village_id": village},
        {"unique_id": 3, "full_name": "Budi Santoso", "birth_date": "1975-08-02", "sex": "M", "village_id": village},
        {"unique_id": 4, "full_name": "Ahmad Santoso", "birth_date": "1975-08-12", "sex": "M", "village_id": village},
        # the same initial and sex, another year; the same initial and year, another village
        {"unique_id": 5, "full_name": "Sumiati", "birth_date": "1981-05-10", "sex": "F", "village_id": village},
        {"unique_id": 6, "full_name": "Supatmi", "birth_date": "1980-05-11", "sex": "F", "village_id": other},
    ]
    con = duckdb.connect()
    _people(con, rows)
    pairs = _blocked_pairs(con)
    assert {(1, 2), (3, 4)} <= pairs
    assert (1, 5) not in pairs and (1, 6) not in pairs


def test_a_nik_on_one_record_only_weighs_for_one_person_and_two_far_apart_nik_against():
    """NIK is unique, so a second registration of a person carries no NIK or a different one: learnt from the data
    (EM), a NIK on one record only is evidence for one person and two NIKs further apart than a typo evidence for
    two; two records without a NIK say nothing."""
    recs = list(labelled_people(3000, seed=5))
    con = duckdb.connect()
    cols = [c for c in linkage.RAW_COLUMNS if c in recs[0]]
    con.execute("CREATE TABLE raw (" + ", ".join(f"{c} {linkage.RAW_COLUMNS[c]}" for c in cols) + ")")
    con.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * len(cols))})", [[r.get(c) for c in cols] for r in recs])
    lk = linkage.Linkage(con=con, columns=linkage.prepare(con))
    lk.build()
    lk.train()
    assert lk.model is not None
    nik = next(c for c in lk.model["comparisons"] if c["output_column_name"] == "nik")
    levels = {lv.get("label_for_charts"): lv for lv in nik["comparison_levels"]}

    def weight(label: str) -> float:
        import math

        return math.log2(levels[label]["m_probability"] / levels[label]["u_probability"])

    assert levels["Tidak ada data"].get("is_null_level")
    assert "nik_l IS NULL AND nik_r IS NULL" in levels["Tidak ada data"]["sql_condition"]
    assert weight("NIK hanya di satu catatan") > 0.5
    assert weight("NIK berbeda") < -0.5
    assert weight("NIK beda satu angka") > weight("NIK hanya di satu catatan")
    # Two cards whose district or birth date differ: far stronger against than a serial apart.
    assert weight("NIK berbeda, wilayah atau tanggal lahir di dalamnya lain") < weight("NIK berbeda") - 3


def test_two_niks_are_told_apart_by_what_their_first_twelve_digits_hold():
    """The level of a pair of NIKs (_gamma_sql, the SQL every backend scores with): another serial alone is the
    else level; another birth date or district in them as well is the level against; one digit apart is a typo
    wherever it is; a malformed NIK is never read for a date."""
    nik = linkage.FIELDS[[f.name for f in linkage.FIELDS].index("nik")]
    labels = [label for _sql, label, _tf in nik.levels] + [nik.other]
    a = "1502012505800001"  # Merangin's district 01, born 25 May 1980, serial 0001
    cases = {
        (a, "1502012505800040"): "NIK berbeda",  # the serial mistyped
        (a, "1502012605800002"): "NIK berbeda, wilayah atau tanggal lahir di dalamnya lain",  # a namesake born a day on
        (a, "1502022505800007"): "NIK berbeda, wilayah atau tanggal lahir di dalamnya lain",  # another district
        (a, "1502012505800011"): "NIK beda satu angka",
        (a, "1502012605800001"): "NIK beda satu angka",
        (a, "ABC99"): "NIK berbeda",
        (a, None): "NIK hanya di satu catatan",
    }
    con = duckdb.connect()
    con.execute("CREATE TABLE raw (unique_id BIGINT, nik VARCHAR)")
    rows = []
    for i, (left, right) in enumerate(cases):
        rows += [(2 * i, left), (2 * i + 1, right)]
    con.executemany("INSERT INTO raw VALUES (?, ?)", rows)
    linkage.prepare(con)
    gamma = linkage._gamma_sql(nik, linkage._functions("duckdb"))
    got = con.execute(
        f"""SELECT l.unique_id, {gamma} FROM (
              SELECT l.unique_id, l.nik AS nik_l, r.nik AS nik_r, l.nik12 AS nik12_l, r.nik12 AS nik12_r,
                     l.nik_birth AS nik_birth_l, r.nik_birth AS nik_birth_r
              FROM people l JOIN people r ON r.unique_id = l.unique_id + 1 WHERE l.unique_id % 2 = 0) l
            ORDER BY 1"""
    ).fetchall()
    assert [labels[g] for _i, g in got] == list(cases.values())


def test_a_model_trained_by_an_older_definition_is_explained_by_its_own_labels():
    """A run's stored model keeps scoring new records after the levels change (incremental.py uses the latest run's
    model): the labels of its explanations come from the model, not from today's FIELDS."""
    old_nik = {
        "output_column_name": "nik",
        "comparison_levels": [
            {
                "sql_condition": "nik_l IS NULL OR nik_r IS NULL",
                "label_for_charts": "Tidak ada data",
                "is_null_level": True,
            },
            {"sql_condition": "nik_l = nik_r", "label_for_charts": "NIK sama"},
            {"sql_condition": "ELSE", "label_for_charts": "NIK berbeda"},
        ],
    }
    assert linkage.model_labels(old_nik) == {1: "NIK sama", 0: "NIK berbeda", -1: ""}
    con = duckdb.connect()
    con.execute("CREATE TABLE scored AS SELECT 1 AS gamma_nik, 20.0 AS mw_nik UNION ALL SELECT 0, -1.5")
    got = [
        r[0]
        for r in con.execute(f"SELECT {linkage.explanation_sql({'comparisons': [old_nik]})} FROM scored").fetchall()
    ]
    assert [json.loads(g)[0]["label"] for g in got] == ["NIK sama", "NIK berbeda"]


def test_an_em_step_whose_m_underflows_keeps_training(monkeypatch):
    """Splink 5 refuses an m below 1e-300, and EM's m step produced 3.7e-320 for a level the matches never show (at a
    million people): the whole session ended and its comparisons stayed untrained. Each step's proportions are
    floored instead, in the function EM calls."""
    from splink.internals import expectation_maximisation as em

    step = [
        {"output_column_name": "household", "comparison_vector_value": 3, "m_probability": 3.663e-320, "u_probability": 0.2},
        {"output_column_name": "household", "comparison_vector_value": 0, "m_probability": 1.0, "u_probability": 0.0},
        {"output_column_name": "_probability_two_random_records_match", "comparison_vector_value": 0,
         "m_probability": 1e-9, "u_probability": 1.0},
    ]  # fmt: skip
    monkeypatch.setattr(em, "compute_proportions_for_new_parameters", lambda df: [dict(r) for r in step])
    linkage._floor_em_steps()
    got = em.compute_proportions_for_new_parameters(None)
    assert got[0]["m_probability"] == linkage.EM_FLOOR and got[0]["u_probability"] == 0.2
    assert got[1]["u_probability"] == linkage.EM_FLOOR and got[1]["m_probability"] == 1.0
    assert got[2]["m_probability"] == 1e-9  # the prior is EM's, not a level's
    # Splink accepts the floored value where it refused the raw one.
    from splink.internals.comparison_level import _validate_m_u_probability

    with pytest.raises(ValueError):
        _validate_m_u_probability(step[0]["m_probability"], "m_probability", "level not observed")
    _validate_m_u_probability(got[0]["m_probability"], "m_probability", "level not observed")
    linkage._floor_em_steps()  # once only
    assert em.compute_proportions_for_new_parameters(None)[0]["m_probability"] == linkage.EM_FLOOR


def test_comparisons_are_counted_once_per_pair():
    recs = list(labelled_people(400, seed=3))
    con = duckdb.connect()
    cols = [c for c in linkage.RAW_COLUMNS if c in recs[0]]
    con.execute("CREATE TABLE raw (" + ", ".join(f"{c} {linkage.RAW_COLUMNS[c]}" for c in cols) + ")")
    con.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * len(cols))})", [[r.get(c) for c in cols] for r in recs])
    lk = linkage.Linkage(con=con, columns=linkage.prepare(con), model=linkage.default_model())
    lk.build()
    rules = linkage.blocking_for(lk.columns)
    people = con.execute("SELECT count(*) FROM people").fetchall()[0][0]
    assert people > 300
    for rule in rules:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _r AS SELECT l.unique_id a, r.unique_id b FROM people l, people r "
            f"WHERE {rule} AND l.unique_id < r.unique_id"
        )
        con.execute("CREATE TABLE IF NOT EXISTS _all (a BIGINT, b BIGINT)")
        con.execute("INSERT INTO _all SELECT * FROM _r")
    brute = con.execute("SELECT count(*) FROM (SELECT DISTINCT a, b FROM _all)").fetchall()[0][0]
    overlap = con.execute("SELECT count(*) FROM _all").fetchall()[0][0]
    assert overlap > brute > 0  # some pairs are found by more than one rule
    assert lk._count_blocked() == brute


def test_em_is_trained_on_a_bounded_sample_of_pairs(monkeypatch):
    """Splink 5 samples EM's pairs only when max_pairs is given: without it, EM at a million people scored every pair
    born the same day and every pair with the same name and sex."""
    seen = []

    class Training:
        def estimate_u_using_random_sampling(self, **kwargs):
            pass

        def estimate_parameters_using_expectation_maximisation(self, rule, **kwargs):
            seen.append((rule, kwargs.get("max_pairs")))

    class FakeLinker:
        training = Training()

    linkage.train_model(FakeLinker(), {"full_name", "birth_date", "sex"}, 1_000_000)
    assert [cap for _rule, cap in seen] == [linkage.EM_MAX_PAIRS, linkage.EM_MAX_PAIRS]
    assert linkage.EM_MAX_PAIRS <= 2_000_000


def test_a_runs_duckdb_memory_is_bounded_by_the_setting():
    from django.conf import settings

    try:
        with override_settings(BERDAYA={**settings.BERDAYA, "DEDUP_MEMORY_LIMIT": "700MB"}):
            conf.cache_clear()
            con = services.connect()
            limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
            con.close()
        # DuckDB reports it in its own units (700MB is 667.5 MiB)
        assert limit.replace(" ", "") in {"667.5MiB", "700.0MB", "667.5MB"}
        with override_settings(BERDAYA={**settings.BERDAYA, "DEDUP_MEMORY_LIMIT": "a lot"}):
            conf.cache_clear()
            with pytest.raises(ValueError, match="DEDUP_MEMORY_LIMIT"):
                conf()
    finally:
        conf.cache_clear()


def _keyed_namesakes(hh, name: str, name_key: str, count: int) -> list:
    """`count` people of one name in `hh`, born on different days, with their match keys: a crowded name key."""
    from berdaya.dedup.models import PersonKey
    from berdaya.registry.models import Person

    people = Person.objects.bulk_create(
        Person(
            household=hh,
            full_name=name,
            sex="F",
            birth_date=dt.date(1960, 1, 1) + dt.timedelta(i),
            relationship="other_relative",
            nik_missing_reason="unknown",
        )
        for i in range(count)
    )
    PersonKey.objects.bulk_create(
        PersonKey(person=p, name_key=name_key, first_token="SITI", birth_date=p.birth_date) for p in people
    )
    return people


@pytest.mark.django_db
def test_a_common_name_does_not_crowd_the_narrow_keys_out_of_the_candidates(areas):
    """At a million people a canonical name is shared by thousands: the person with the same first name and birth
    date is still a candidate, whatever order the database returns the namesakes in."""
    from berdaya.dedup.incremental import CANDIDATES_PER_RECORD, candidates
    from berdaya.dedup.models import PersonKey
    from berdaya.testing import factories

    hh = factories.household()
    _keyed_namesakes(hh, "Siti Aminah", "AMINAH SITI", CANDIDATES_PER_RECORD * 2 + 10)
    same = factories.person(hh=hh, name="Siti Aminah", birth_date=dt.date(1991, 5, 17))
    PersonKey.objects.create(
        person=same, name_key="AMINAH SITI", first_token="SITI", birth_date=same.birth_date, district_code=""
    )
    found = candidates({"full_name": "Siti Aminah", "birth_date": "1991-05-17"})
    assert same.pk in found
    assert len(found) == CANDIDATES_PER_RECORD  # the rest are namesakes, up to the limit


@pytest.mark.django_db
def test_the_person_with_the_records_nik_is_always_a_candidate(areas):
    """Found in review: the NIK's person was looked up last and cut off by the limit when a name filled it."""
    from berdaya.dedup.incremental import CANDIDATES_PER_RECORD, candidates
    from berdaya.dedup.models import PersonKey
    from berdaya.testing import factories

    hh = factories.household()
    namesakes = _keyed_namesakes(hh, "Siti", "SITI", CANDIDATES_PER_RECORD + 50)
    owner = factories.person(hh=hh, name="Rahmawati", birth_date=dt.date(1950, 3, 3))
    PersonKey.objects.create(person=owner, name_key="RAHMAWATI", first_token="RAHMAWATI", birth_date=owner.birth_date)
    found = candidates({"full_name": "Siti", "nik": owner.nik, "birth_date": "1950-03-03"})
    assert found[0] == owner.pk
    assert len(found) == CANDIDATES_PER_RECORD
    # the people to leave out (the record itself, when editing) are left out before the limit, not after it
    again = candidates({"full_name": "Siti", "nik": owner.nik}, exclude=[owner.pk, namesakes[0].pk])
    assert owner.pk not in again and namesakes[0].pk not in again
    assert len(again) == CANDIDATES_PER_RECORD


@pytest.mark.django_db
def test_the_newest_keyed_person_is_read_once_for_all_the_records(areas):
    """People registered since the keys were built are found above the newest keyed id: read once per check, not once
    per record (a household's members, an import's rows), and still found."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from berdaya.dedup.incremental import likely_matches
    from berdaya.dedup.models import PersonKey
    from berdaya.testing import factories

    hh = factories.household()
    keyed = factories.person(hh=hh, name="Rahmawati", birth_date=dt.date(1950, 3, 3))
    PersonKey.objects.create(person=keyed, name_key="RAHMAWATI", first_token="RAHMAWATI", birth_date=keyed.birth_date)
    fresh = factories.person(hh=hh, name="Siti Aminah", birth_date=dt.date(1991, 5, 17))  # no keys yet
    records = [
        {"full_name": f"Orang {i}", "birth_date": dt.date(1980, 1, i + 1), "village_id": hh.village_id}
        for i in range(3)
    ] + [{"full_name": "Siti Aminah", "birth_date": fresh.birth_date, "village_id": hh.village_id, "sex": "F"}]

    with CaptureQueriesContext(connection) as queries:
        found = likely_matches(records)

    newest = [q["sql"] for q in queries.captured_queries if 'MAX("dedup_personkey"."person_id")' in q["sql"]]
    assert len(newest) == 1  # before: one per record
    assert [m.person_id for m in found[3]] == [fresh.pk]


def test_the_levels_added_after_training_keep_the_else_levels_weight_and_score_in_splink():
    """with_after_training_levels: the NIK level "another district or birth date in them" goes in before the else
    level, 5.6 bits (log2 0.02) below it; the else level and every other level keep their weights; m still sums to
    one; a model that has it already is left as it is; and Splink scores with the result (a pair of namesakes whose
    NIKs hold two birth dates falls in the new level and weighs against)."""
    import math

    new = "NIK berbeda, wilayah atau tanggal lahir di dalamnya lain"
    # The shipped model as training leaves it (it was trained with the level): the level's m back in the else's.
    model = linkage.default_model()
    nik_levels = next(c for c in model["comparisons"] if c["output_column_name"] == "nik")["comparison_levels"]
    added = next(lv for lv in nik_levels if lv["label_for_charts"] == new)
    nik_levels.remove(added)
    nik_levels[-1]["m_probability"] += added["m_probability"]
    before = {
        (c["output_column_name"], lv["label_for_charts"]): math.log2(lv["m_probability"] / lv["u_probability"])
        for c in model["comparisons"]
        for lv in c["comparison_levels"]
        if not lv.get("is_null_level")
    }
    kept = json.dumps(model, sort_keys=True)
    out = linkage.with_after_training_levels(model)
    assert linkage.with_after_training_levels(out) == out
    assert json.dumps(model, sort_keys=True) == kept  # not changed in place
    nik = next(c for c in out["comparisons"] if c["output_column_name"] == "nik")
    assert [lv["label_for_charts"] for lv in nik["comparison_levels"]] == [
        "Tidak ada data", "NIK sama", "NIK beda satu angka", "NIK hanya di satu catatan", new, "NIK berbeda",
    ]  # fmt: skip
    after = {
        (c["output_column_name"], lv["label_for_charts"]): math.log2(lv["m_probability"] / lv["u_probability"])
        for c in out["comparisons"]
        for lv in c["comparison_levels"]
        if not lv.get("is_null_level")
    }
    after_new = after.pop(("nik", new))
    assert after_new == pytest.approx(before[("nik", "NIK berbeda")] + math.log2(0.02))
    assert after == pytest.approx(before)
    assert sum(lv.get("m_probability", 0) for lv in nik["comparison_levels"]) == pytest.approx(1)

    con = duckdb.connect()
    base = {"full_name": "Ahmad Fauzi", "sex": "M", "village_id": "15.02.01.2001"}
    rows = [
        {**base, "unique_id": 1, "birth_date": "1980-05-25", "nik": "1502012505800001"},
        {**base, "unique_id": 2, "birth_date": "1980-05-26", "nik": "1502012605800002"},  # a namesake born a day on
        {**base, "unique_id": 3, "birth_date": "1980-05-25", "nik": "1502012505800040"},  # the serial mistyped
    ]
    _people(con, rows)
    lk = linkage.Linkage(con=con, columns=linkage.prepare(con), model=out, blocking=["l.name_sorted = r.name_sorted"])
    lk.build()
    scored = lk.linker.inference.predict().physical_name
    got = {
        (a, b): (g, w)
        for a, b, g, w in con.execute(f"SELECT unique_id_l, unique_id_r, gamma_nik, mw_nik FROM {scored}").fetchall()
    }
    # Splink numbers the levels from the else level (0) up: the new level is 1, the serial-only else level 0.
    assert got[(1, 2)] == (1, pytest.approx(after_new)) and got[(2, 3)][0] == 1
    assert got[(1, 3)] == (0, pytest.approx(before[("nik", "NIK berbeda")]))
