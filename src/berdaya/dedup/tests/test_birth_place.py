# SQL here is assembled from column names defined in code; values travel as parameters.
# ruff: noqa: S608
"""The birth place: in the labelled set (a stream of its own), normalised by prepare, and compared after training,
weighed within one village and between villages apart, with m learnt from the near-certain pairs and u from random
pairs and term frequencies (no labels)."""

from __future__ import annotations

import json
import math
import random
from collections import Counter

import duckdb
import pytest

from berdaya.dedup import linkage
from berdaya.demo import linkage as labelled
from berdaya.demo.linkage import BirthPlaces, area_names, labelled_people


def test_birth_places_are_drawn_from_their_own_stream_and_copies_write_them_as_second_registrations_do():
    villages = [f"15.02.{d:02d}.{2000 + v}" for d in range(1, 25) for v in range(1, 10)]
    recs = list(labelled_people(4000, seed=3, villages=villages))

    # Every other value is the same whatever the birth places draw: replace the stream by constants.
    class Fixed(BirthPlaces):
        def original(self, village):
            return "X", ("X", "", "X")

        def copy(self, place):
            return None

    real = labelled.BirthPlaces
    labelled.BirthPlaces = Fixed  # type: ignore[misc]
    try:
        fixed = list(labelled_people(4000, seed=3, villages=villages))
    finally:
        labelled.BirthPlaces = real  # type: ignore[misc]
    assert [{**r, "birth_place": None} for r in recs] == [{**r, "birth_place": None} for r in fixed]
    assert {r["birth_place"] for r in fixed} == {"X", None}

    names, districts = area_names(villages)
    assert names["15.02.01.2001"] == "Renah Kemumu"  # a real code keeps its real name
    assert districts["15.02.02"] == "Bangko"
    originals = [r for r in recs if r["truth"] == r["unique_id"]]
    copies = [r for r in recs if r["truth"] != r["unique_id"]]
    home = sum(r["birth_place"].casefold() == names[r["village_id"]].casefold() for r in originals)
    assert 0.6 < home / len(originals) < 0.8
    assert Counter(r["birth_place"] for r in originals).most_common(1)[0][0] == "Bangko"  # the regency's town
    by_id = {r["unique_id"]: r for r in originals}
    missing = sum(r["birth_place"] is None for r in copies)
    assert 0.25 < missing / len(copies) < 0.45
    same = sum(r["birth_place"] == by_id[r["truth"]]["birth_place"] for r in copies)
    assert 0.2 < same / len(copies) < 0.6


def _prepared(rows: list[dict]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE raw (" + ", ".join(f"{c} {t}" for c, t in linkage.RAW_COLUMNS.items()) + ")")
    for r in rows:
        con.execute(f"INSERT INTO raw ({', '.join(r)}) VALUES ({', '.join('?' * len(r))})", list(r.values()))
    linkage.prepare(con)
    return con


def test_prepare_normalises_the_birth_place():
    written = ["Kab. Merangin", "KABUPATEN  MERANGIN", " BANGKO ", "Desa Pulau Tengah", "KOTA JAMBI", "Sungai-Penuh",
               "Kota", "", "  "]  # fmt: skip
    con = _prepared([{"unique_id": i, "birth_place": w} for i, w in enumerate(written)])
    got = [r[0] for r in con.execute("SELECT birth_place FROM people ORDER BY unique_id").fetchall()]
    assert got == ["merangin", "merangin", "bangko", "pulau tengah", "jambi", "sungai penuh", "kota", None, None]


def test_term_frequencies_count_people_of_other_villages_and_of_the_village():
    # "pulau tengah": 9 people of village A and 1 of village B; "bangko": 5 of A, 5 of B.
    rows = [{"unique_id": i, "village_id": "A", "birth_place": "Pulau Tengah"} for i in range(9)]
    rows += [{"unique_id": 9, "village_id": "B", "birth_place": "Pulau Tengah"}]
    rows += [{"unique_id": 10 + i, "village_id": "AB"[i % 2], "birth_place": "Bangko"} for i in range(10)]
    con = _prepared(rows)
    linkage.birth_place_tf(con, "people")
    tf = dict(con.execute("SELECT birth_place, tf_birth_place FROM _tf_birth_place").fetchall())
    # Between villages, (n² - Σ n_d²) / (n N): (100 - 82) / (10 · 20) and (100 - 50) / (10 · 20); halved (two strata)
    assert tf["pulau tengah"] == pytest.approx(18 / 200 / 2)
    assert tf["bangko"] == pytest.approx(50 / 200 / 2)
    within = dict(con.execute("SELECT * FROM _tf_birth_place_village").fetchall())
    # Within a village, the share of its people: A has 9 + 5, B 1 + 5; halved
    assert within["A pulau tengah"] == pytest.approx(9 / 14 / 2)
    assert within["A bangko"] == pytest.approx(5 / 14 / 2)
    assert within["B pulau tengah"] == pytest.approx(1 / 6 / 2)


def _labelled_linkage(people: int, seed: int) -> linkage.Linkage:
    recs = list(labelled_people(people, seed=seed))
    con = duckdb.connect()
    cols = [c for c in linkage.RAW_COLUMNS if c in recs[0]]
    con.execute("CREATE TABLE raw (" + ", ".join(f"{c} {linkage.RAW_COLUMNS[c]}" for c in cols) + ")")
    con.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * len(cols))})", [[r.get(c) for c in cols] for r in recs])
    lk = linkage.Linkage(con=con, columns=linkage.prepare(con))
    lk.build()
    return lk


def test_the_birth_place_is_learnt_after_training_in_two_strata_and_explained(monkeypatch):
    lk = _labelled_linkage(4000, seed=5)
    monkeypatch.setattr(linkage, "COMPARE_BIRTH_PLACE", False)
    lk.train()
    assert lk.model is not None
    without = {c["output_column_name"]: c for c in lk.model["comparisons"]}
    assert "birth_place" not in without
    assert lk.add_birth_place()
    comparisons = {c["output_column_name"]: c for c in lk.model["comparisons"]}
    # The other comparisons are the trained ones, untouched (EM does not see the birth place).
    assert {k: v for k, v in comparisons.items() if k != "birth_place"} == without
    assert lk.birth_place_sure >= linkage.BIRTH_PLACE_MIN_SURE
    null, *levels = comparisons["birth_place"]["comparison_levels"]
    assert null["is_null_level"] and "village" not in null["sql_condition"]
    # Within one village, then between villages; each stratum's m and u sum to one half.
    labels = ["Tempat lahir sama", "Tempat lahir beda satu huruf", "Tempat lahir berbeda"]
    assert [lv["label_for_charts"] for lv in levels] == labels * 2
    assert [lv.get("tf_adjustment_column") for lv in levels] == [
        "birth_place_village",
        None,
        None,
        "birth_place",
        None,
        None,
    ]
    for stratum in linkage.BIRTH_PLACE_STRATA:
        for key in ("m_probability", "u_probability"):
            assert sum(levels[i][key] for i in stratum) == pytest.approx(0.5, abs=0.01)
    weight = [math.log2(lv["m_probability"] / lv["u_probability"]) for lv in levels]
    assert weight[1] > 2 and weight[2] < -1  # within one village: one letter apart, another place
    assert weight[3] > 2 and weight[4] > 2 and weight[5] < -1  # between villages
    assert weight[3] > weight[0] + 2  # a shared place says more between villages than within one

    # A shared home village says more between villages than a shared town, which most villages hold; within its
    # own village it says little.
    tf = dict(lk.con.execute("SELECT birth_place, tf_birth_place FROM _tf_birth_place").fetchall())
    villages = [v for v in tf if v not in {"bangko", "jambi", "merangin"}]
    assert tf["bangko"] > 5 * max(tf[v] for v in random.Random(1).sample(villages, 20))
    within = lk.con.execute(
        """SELECT p.birth_place = 'bangko', t.tf_birth_place_village, p.village_id
           FROM people p JOIN _tf_birth_place_village t USING (birth_place_village)"""
    ).fetchall()
    top: dict[str, float] = {}
    for _town, tf_village, village in within:
        top[village] = max(top.get(village, 0.0), tf_village)
    assert sorted(top.values())[len(top) // 2] > 0.25  # most of a village were born in it (halved: > 1/2)
    towns = sorted(t for town, t, _v in within if town)
    assert towns[len(towns) // 2] < 0.1  # the regency's town: a few in most villages
    # Scored: the explanation names the birth place in Indonesian; a shared place weighs for one person between
    # villages, another place against within one.
    lk.predict(threshold=0.5)
    lk.cluster(0.5)
    lk.con.execute(f"CREATE TABLE explained AS {lk.explained_pairs_sql()}")
    rows = lk.con.execute(
        """SELECT s.village_id_l = s.village_id_r, s.birth_place_l = s.birth_place_r, e.explanation
           FROM explained e JOIN scored s ON s.unique_id_l = e.person_low AND s.unique_id_r = e.person_high
           WHERE s.birth_place_l IS NOT NULL AND s.birth_place_r IS NOT NULL"""
    ).fetchall()
    seen: Counter[str] = Counter()
    for same_village, same_place, explanation in rows:
        items = [i for i in json.loads(explanation) if i["field"] == "birth_place"]
        if same_place:
            assert [i["label"] for i in items] == ["Tempat lahir sama"]
            if not same_village:
                assert items[0]["weight"] > 0
                seen["sama"] += 1
        elif same_village:
            assert len(items) == 1 and items[0]["label"] in labels[1:] and items[0]["weight"] < 10
            seen["desa sama"] += 1
    assert seen["sama"] > 10 and seen["desa sama"] > 10


def test_without_near_certain_pairs_the_birth_place_is_left_out(monkeypatch):
    lk = _labelled_linkage(4000, seed=5)
    monkeypatch.setattr(linkage, "COMPARE_BIRTH_PLACE", False)
    lk.train()
    monkeypatch.setattr(linkage, "BIRTH_PLACE_MIN_SURE", 10**9)  # more near-certain pairs than there are
    assert not lk.add_birth_place()
    assert lk.model is not None
    assert "birth_place" not in {c["output_column_name"] for c in lk.model["comparisons"]}
