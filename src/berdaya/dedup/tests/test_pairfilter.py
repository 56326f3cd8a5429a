"""The name filter answered in Python (pairfilter) keeps exactly the pairs the filter's DuckDB statement keeps."""

from __future__ import annotations

import random

import duckdb
import pytest

from berdaya.dedup import incremental, linkage, pairfilter
from berdaya.dedup.intake import _IDENTIFYING

WORDS = ["Siti", "Aminah", "Amina", "Budi", "Budiman", "Santoso", "Santosa", "Ahmad", "Achmad", "Rahman", "Nur",
         "Hayati", "Wawan", "Hermawan", "Warga", "Caricata", "Lepimece", "Muhammad", "Moh.", "Yusuf", "Yoesoef"]  # fmt: skip


def _name(rng: random.Random) -> str | None:
    if rng.random() < 0.05:
        return rng.choice([None, "", "  ", "H.", "123"])
    words = rng.sample(WORDS, rng.randint(1, 3))
    if rng.random() < 0.3:  # a typo: a letter dropped or changed
        i = rng.randrange(len(words))
        w = words[i]
        j = rng.randrange(len(w))
        words[i] = w[:j] + rng.choice(["", "a", "i", "k"]) + w[j + 1 :]
    if rng.random() < 0.3:
        words += [rng.choice(["bin", "binti"]), rng.choice(WORDS)]
    return " ".join(words)


def _rows(rng: random.Random, ids: range) -> list[list]:
    niks = ["1502010703800011", "1502 0107 0380 0011", "1502017112850002", "15O2O1", "", " "]
    phones = ["081234567890", "0812-3456-7890", "+6281234567890", "", None]
    rows = []
    for i in ids:
        row: list = [None] * len(linkage.RAW_COLUMNS)
        row[0] = i
        row[1] = _name(rng)
        row[7] = rng.choice([*niks, None, None, None])
        row[9] = rng.choice([*phones, None, None])
        rows.append(row)
    return rows


def _statement(con, model, pairs, rows):
    """The filter's DuckDB statement alone (pairfilter not consulted)."""
    con.register("_t", incremental._raw(rows))
    try:
        original = pairfilter.plan
        pairfilter.plan = lambda conditions: None  # type: ignore[assignment]
        try:
            return incremental._related(con, model, pairs, _IDENTIFYING, rows=rows, table=lambda: "_t")
        finally:
            pairfilter.plan = original  # type: ignore[assignment]
    finally:
        con.unregister("_t")


@pytest.mark.parametrize("seed", range(4))
def test_python_keeps_exactly_the_pairs_the_statement_keeps(seed, monkeypatch):
    rng = random.Random(seed)
    rows = _rows(rng, range(-8, 0)) + _rows(rng, range(1, 121))
    pairs = [(left, right) for left in range(-8, 0) for right in rng.sample(range(1, 121), 60)]
    model = linkage.default_model()
    con = duckdb.connect()
    expected = _statement(con, model, pairs, rows)
    assert expected is not None and 0 < len(expected) < len(pairs)
    calls = []
    execute = con.execute

    def counted(*args, **kwargs):
        calls.append(args[0])
        return execute(*args, **kwargs)

    con = type("Counted", (), {"execute": staticmethod(counted)})()
    python = incremental._related(con, model, pairs, _IDENTIFYING, rows=rows, table=lambda: pytest.fail("no table"))
    assert python == expected
    # Every similarity sent to DuckDB (none bounded in Python): the same pairs again.
    monkeypatch.setattr(pairfilter, "jw_at_most", lambda a, b: 1.0)
    assert incremental._related(con, model, pairs, _IDENTIFYING, rows=rows, table=lambda: "") == expected
    # Similar names (a typo) are kept through DuckDB's similarity, bounded names never reach it.
    assert len(calls) == 2 and all("jaro_winkler_similarity" in sql for sql in calls)


def test_names_that_share_nothing_need_no_statement():
    blank = [None] * (len(linkage.RAW_COLUMNS) - 2)
    rows = [[-1, "Caricata Bin Lepi", *blank], *[[i, f"Warga {i}", *blank] for i in range(1, 40)]]
    con = duckdb.connect()
    con.execute("CREATE VIEW forbidden AS SELECT 1")  # any statement would work; none must run
    sent = []

    class Watch:
        def execute(self, *args, **kwargs):
            sent.append(args)
            return con.execute(*args, **kwargs)

    pairs = [(-1, i) for i in range(1, 40)]
    model = linkage.default_model()
    assert incremental._related(Watch(), model, pairs, _IDENTIFYING, rows=rows, table=lambda: "") == set()
    assert sent == []
    assert _statement(con, model, pairs, rows) == set()


def test_the_similarity_bound_is_never_below_duckdbs_similarity():
    rng = random.Random(3)
    con = duckdb.connect()
    a, b = [], []
    for _ in range(3000):
        x = "".join(rng.choice("ABIKMNRSTU ") for _ in range(rng.randint(1, 14))).strip() or "A"
        y = list(x)
        for _ in range(rng.randint(0, 4)):  # near and far strings: letters changed, dropped, swapped, added
            y = y or ["B"]
            j = rng.randrange(len(y))
            y[j : j + 1] = rng.choice([[rng.choice("ABIKMNRSTU")], [], [y[j], "A"], y[j : j + 2][::-1]])
        y = "".join(y).strip() or "B"
        a.append(x)
        b.append(y if rng.random() < 0.8 else "".join(rng.sample(x, len(x))))
    values = con.execute(
        "SELECT list_transform(list_zip(?::VARCHAR[], ?::VARCHAR[]), lambda p: jaro_winkler_similarity(p[1], p[2]))",
        [a, b],
    ).fetchone()[0]
    assert max(values) == 1.0 and min(values) < 0.5
    assert all(pairfilter.jw_at_most(x, y) >= v - 1e-12 for x, y, v in zip(a, b, values, strict=True))


def test_the_default_models_conditions_are_read_and_others_are_left_to_the_statement():
    model = linkage.default_model()
    names = [lv["sql_condition"] for c in model["comparisons"] if c["output_column_name"] == "name"
             for lv in c["comparison_levels"] if lv.get("sql_condition", "ELSE") != "ELSE"]  # fmt: skip
    atoms = pairfilter.plan(tuple(names))
    assert atoms is not None and {kind for kind, _c, _t in atoms} == {"null", "eq", "all", "jw"}
    assert pairfilter.plan(("name_sorted_l = name_sorted_r", "birth_date_l = birth_date_r")) is None
    assert pairfilter.plan(("name_sorted_l = name_sorted_r AND sex_l = sex_r",)) is None
    assert pairfilter.plan(("levenshtein(name_sorted_l, name_sorted_r) <= 1",)) is None
    rows = [[-1, "Budi", *[None] * 9, "KTP 1"], [1, "Budi", *[None] * 9, "ktp 1"]]
    other = pairfilter.plan(("other_id_l = other_id_r",))
    assert other is not None and pairfilter.related(duckdb.connect(), other, [(-1, 1)], rows) is None
