"""The candidate list's SQL (area caps, reserved seats for minimum shares, capacity) gives exactly the statuses and
ranks of a plain-Python reference of the same rules.

Hypothesis draws a small pool (the table the engine's first statement writes) and random quotas, and the list
statement runs on it on whichever database the suite runs on (SQLite, or PostgreSQL with DATABASE_URL).
"""

# The pool's name is a module constant, never user text.
# ruff: noqa: S608
from __future__ import annotations

import datetime as dt
import math
from types import SimpleNamespace

from django.db import connection, transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from berdaya.targeting import choices as c
from berdaya.targeting import engine
from berdaya.targeting.models import Candidate

# The list is a snapshot without database-level references (see Candidate), so the statement needs no run row; the
# reads below drop the model's ordering, which would join the (absent) run.
RUN_ID = 424242
VILLAGES = ["15.02.01.2001", "15.02.01.2002", "15.02.02.2001", "15.02.03.2001"]
PRIORITY_KEYS = ["disability", "female_headed", "female", "older", "less_land", "lower_score"]

row_st = st.fixed_dictionaries(
    {
        "village": st.sampled_from(VILLAGES),
        "decile": st.one_of(st.none(), st.integers(1, 10)),
        "female": st.integers(0, 1),
        "dis": st.integers(0, 1),
        "fhh": st.integers(0, 1),
        "eld": st.integers(0, 1),
        "birth": st.dates(dt.date(1950, 1, 1), dt.date(1955, 1, 1)),
        "land": st.sampled_from(["0", "0.5", "1.25", "2"]),
        "score": st.integers(0, 3),
        "qualifies": st.booleans(),
    }
)
PERSON = {
    "village": VILLAGES[0],
    "decile": 2,
    "female": 0,
    "dis": 0,
    "fhh": 0,
    "eld": 0,
    "birth": dt.date(1950, 1, 1),
    "land": "0",
    "score": 0,
    "qualifies": True,
}
NO_QUOTAS = {
    "capacity": None,
    "per_district_max": None,
    "per_district_max_pct": None,
    "per_village_max": None,
    "minimums": {},
    "priority": [],
}
pct_st = st.sampled_from([None, 0, 10, 30, 50, 80, 100])
quotas_st = st.fixed_dictionaries(
    {
        "capacity": st.one_of(st.integers(1, 12), st.none()),
        "per_district_max": st.one_of(st.none(), st.integers(1, 8)),
        "per_district_max_pct": st.one_of(st.none(), st.sampled_from([10, 34, 50, 100])),
        "per_village_max": st.one_of(st.none(), st.integers(1, 6)),
        "minimums": st.fixed_dictionaries(dict.fromkeys(engine.GROUP_COLUMN, pct_st)),
        "priority": st.lists(st.sampled_from(PRIORITY_KEYS), unique=True, max_size=3),
    }
)


def reference(rows: list[dict], q: dict) -> dict[int, tuple[str, int, str]]:
    """Person id → (status, rank, failed) by the rules written out plainly, one person at a time."""
    direction = {
        "disability": lambda r: -r["dis"],
        "female_headed": lambda r: -r["fhh"],
        "female": lambda r: -r["female"],
        "older": lambda r: r["birth"],
        "less_land": lambda r: float(r["land"]),
        "lower_score": lambda r: r["score"],
    }
    keys = [direction[k] for k in q["priority"]]
    ranked = sorted(
        (r for r in rows if r["qualifies"]),
        key=lambda r: (r["decile"] or 11, *[k(r) for k in keys], r["pid"]),
    )
    capacity = q["capacity"]
    district_cap = q["per_district_max"]
    if q["per_district_max_pct"] and capacity:
        pct_cap = math.ceil(capacity * q["per_district_max_pct"] / 100)
        district_cap = min(district_cap, pct_cap) if district_cap else pct_cap
    village_cap = q["per_village_max"]
    seats = {g: math.ceil(capacity * p / 100) for g, p in q["minimums"].items() if p} if capacity else {}
    taken_d: dict[str, int] = {}
    taken_v: dict[str, int] = {}
    in_area, outside = [], []
    for r in ranked:
        d, v = r["village"][:8], r["village"]
        taken_d[d] = taken_d.get(d, 0) + 1
        taken_v[v] = taken_v.get(v, 0) + 1
        inside = (not district_cap or taken_d[d] <= district_cap) and (not village_cap or taken_v[v] <= village_cap)
        (in_area if inside else outside).append(r)
    # Reserved: the best-ranked members of each minimum group, as many as its seats, among those inside the caps.
    reserved = set()
    for group, n in seats.items():
        column = {"women": "female", "disability": "dis", "female_headed": "fhh", "elderly": "eld"}[group]
        reserved |= {r["pid"] for r in [r for r in in_area if r[column]][:n]}
    in_order = [r for r in in_area if r["pid"] in reserved] + [r for r in in_area if r["pid"] not in reserved]
    result = {}
    for rank, r in enumerate(ranked, start=1):
        r["rank"] = rank
    for place, r in enumerate(in_order, start=1):
        if capacity and place > capacity:
            result[r["pid"]] = ("reserve", r["rank"], "kapasitas program sudah penuh")
        else:
            result[r["pid"]] = ("selected", r["rank"], "")
    for r in outside:
        result[r["pid"]] = ("reserve", r["rank"], "kuota kecamatan/desa sudah penuh")
    return result


def _write_pool(rows: list[dict]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {engine.POOL}")
        cursor.execute(
            f"CREATE TEMP TABLE {engine.POOL} (t_pid bigint, t_hid bigint, t_vid varchar(13), t_did varchar(8), "
            "t_decile integer, t_decile_sort integer, t_female integer, t_dis integer, t_fhh integer, t_eld integer, "
            "t_bd date, t_land decimal(8, 2), t_score integer, t_reasons text)"
        )
        cursor.executemany(
            f"INSERT INTO {engine.POOL} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    r["pid"],
                    r["pid"] // 2,
                    r["village"],
                    r["village"][:8],
                    r["decile"],
                    r["decile"] or 11,
                    r["female"],
                    r["dis"],
                    r["fhh"],
                    r["eld"],
                    r["birth"],
                    r["land"],
                    r["score"],
                    f"alasan {r['pid']}; " if r["qualifies"] else None,
                )
                for r in rows
            ],
        )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row_st, max_size=30), q=quotas_st)
@example(  # a reserved woman ranked last still takes a seat, so the capacity leaves out a man ranked above her
    rows=[{**PERSON, "female": 0}, {**PERSON, "female": 0}, {**PERSON, "female": 1}],
    q={**NO_QUOTAS, "capacity": 2, "minimums": {"women": 50}},
)
def test_the_list_applies_caps_seats_and_capacity_like_the_reference(db, rows, q):
    rows = [{**r, "pid": (len(rows) - i) * 7} for i, r in enumerate(rows)]  # ids not in list order
    quotas = {k: q[k] for k in ("per_district_max", "per_district_max_pct", "per_village_max") if q[k]}
    quotas["minimums"] = {g: p for g, p in q["minimums"].items() if p is not None}
    version = SimpleNamespace(quotas=quotas, capacity=q["capacity"])
    with transaction.atomic():
        _write_pool(rows)
        sql, params = engine._list_statement(version=version, run_id=RUN_ID, order=engine.order_by_sql(q["priority"]))
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.execute(f"DROP TABLE {engine.POOL}")
        got = {
            pid: (status, rank, failed)
            for pid, status, rank, failed in Candidate.objects.filter(run_id=RUN_ID)
            .order_by()
            .values_list("person_id", "status", "rank", "failed")
        }
        reasons = dict(Candidate.objects.filter(run_id=RUN_ID).order_by().values_list("person_id", "reasons"))
        transaction.set_rollback(True)
    assert got == reference(rows, q)
    # The reasons travel with their own person, trimmed of the trailing separator.
    assert all(text == f"alasan {pid}" for pid, text in reasons.items())
    if q["capacity"]:
        assert sum(1 for s, _r, _f in got.values() if s == c.CandidateStatus.SELECTED) <= q["capacity"]
