# SQL here is assembled from fixed, whitelisted column names and %s placeholders only; every value is a parameter.
# ruff: noqa: S608, S611
"""The set-based targeting run: one scan of the registry into a pool, then one INSERT ... SELECT per list.

1. The pool: one `CREATE TEMP TABLE ... AS SELECT` over person ⋈ household ⋈ welfare ⋈ household facts, compiled
   by Django from the rule tree (all user values are parameters). It holds the people who meet the rules and, for
   an AND rule, the near misses (people failing exactly one top-level condition), with their priority keys and,
   for those who meet the rules, the reasons. CREATE TABLE AS may use parallel workers where INSERT ... SELECT may
   not, and the registry is read once for both lists.
2. The candidate list, from the pool: one rank over the list's order; ROW_NUMBER() per district and per village to
   apply area caps (only the caps the rule set has); then, in one more sort, running counts that reserve the
   best-ranked seats of each minimum group (e.g. women) and apply the capacity over reserved-first priority.
3. The near misses, from the pool: the best `near_miss_limit` by priority; only those rows are explained (which
   condition failed), row by row.
The order always ends with the person id, so the same data and rule version give the same list.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, Expression, F, IntegerField, Q, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Substr
from django.utils.translation import gettext as _

from berdaya.farming import flags as farming_flags
from berdaya.registry import choices as rc

from . import choices as c
from . import rules

POOL = "targeting_pool"  # a temporary table: private to the connection, dropped at the end of the run

# The priority keys (choices.PriorityKey) as ORDER BY terms over the pool's columns. Whitelisted: never user text.
PRIORITY_SQL = {
    "disability": "t_dis DESC",
    "female_headed": "t_fhh DESC",
    "female": "t_female DESC",
    "older": "t_bd ASC",
    "less_land": "t_land ASC",
    "lower_score": "t_score ASC",
}
GROUP_COLUMN = {"women": "t_female", "disability": "t_dis", "female_headed": "t_fhh", "elderly": "t_eld"}
MAX_INT = 2**31 - 1


@dataclass
class Plan:
    statements: list[tuple[str, list]]
    near_misses: bool


def _flag01(q: Q) -> Case:
    return Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())


def order_by_sql(priority: list[str]) -> str:
    terms = ["t_decile_sort ASC"] + [PRIORITY_SQL[key] for key in priority if key in PRIORITY_SQL]
    return ", ".join([*terms, "t_pid ASC"])


def reserved_seats(capacity: int | None, minimums: dict[str, float]) -> dict[str, int]:
    if not capacity:
        return {}
    return {group: math.ceil(capacity * float(pct) / 100) for group, pct in minimums.items() if pct}


def _with_decile(tree: dict, reasons):
    if rules.uses_condition(tree, "decile"):
        return reasons
    return rules.concat(
        reasons,
        rules.text(_("desil kesejahteraan ")),
        Coalesce(rules.int_text(rules.effective_decile()), rules.text(_("belum dihitung"))),
    )


INSERT_COLUMNS = (
    "INSERT INTO targeting_candidate (run_id, person_id, household_id, village_id, district_code, status, rank, "
    "decile, reasons, failed, review, review_reason) "
)


def _pool_statement(
    *, tree: dict, items: list, near: bool, ctx: rules.Context, needed: set[str], scope: Q | None = None
) -> tuple[str, list]:
    """CREATE TEMP TABLE pool AS: everyone who meets the rules (with their reasons, never NULL) and, when `near`,
    everyone failing exactly one top-level condition (reasons NULL). With a `scope` (a condition on Person), only
    the people in it: a run started by a partner covers the people that partner may see, and nobody else.

    Whether a row qualifies is read from its reasons: the conditions are evaluated once in WHERE (how many fail)
    and once more, short-circuited, to choose the reasons; a separate "how many failed" column would evaluate
    every condition a third time for every row kept."""
    matches = rules.compile_q(tree, ctx)
    reasons = _with_decile(tree, rules.reason_expr(tree, ctx) if not rules.is_empty(tree) else rules.text(""))
    qs = rules.base_people()
    if scope is not None:
        qs = qs.filter(scope)
    if near:
        # Each top-level condition is evaluated as a 0/1 term; conditions on the household's members read the joined
        # household facts (rules.FACTS), so repeating a condition costs a comparison, not another scan.
        n_failed: Expression = Value(len(items), output_field=IntegerField())
        for item in items:
            n_failed = n_failed - _flag01(rules.compile_q(item, ctx))
        qs = qs.alias(t_nfail_w=n_failed).filter(t_nfail_w__lte=1)
        reasons = Case(
            When(matches, then=Coalesce(reasons, rules.text(""))), default=Value(None), output_field=TextField()
        )
    else:
        qs = qs.filter(matches)
        reasons = Coalesce(reasons, rules.text(""), output_field=TextField())
    columns = {
        "t_pid": F("id"),
        "t_hid": F("household_id"),
        "t_vid": F("household__village_id"),
        "t_did": Substr("household__village_id", 1, 8),
        "t_decile": rules.effective_decile(),
        "t_decile_sort": Coalesce(rules.effective_decile(), Value(11), output_field=IntegerField()),
        "t_female": _flag01(Q(sex=rc.Sex.FEMALE)) if needed & {"female", "women"} else Value(0),
        "t_dis": _flag01(rules.flag_sql_q("disability", ctx.as_of)) if "disability" in needed else Value(0),
        "t_fhh": _flag01(rules.flag_sql_q("female_headed", ctx.as_of)) if "female_headed" in needed else Value(0),
        "t_eld": _flag01(rules.flag_sql_q("elderly", ctx.as_of)) if "elderly" in needed else Value(0),
        "t_bd": F("birth_date"),
        # The land the household operates (berdaya.farming: active plots, else declared), as the land condition and
        # the smallholder flags read it; only when "less land first" orders the list (a correlated sum only for the
        # households with plots).
        "t_land": farming_flags.operated_area_fast_expr() if "less_land" in needed else Value(0),
        "t_score": Coalesce(F("household__welfare__score"), Value(1_000_000), output_field=IntegerField()),
        "t_reasons": reasons,
    }
    inner = qs.order_by().annotate(**columns).values_list(*columns)
    sql, params = inner.query.sql_with_params()
    return f"CREATE TEMP TABLE {POOL} AS {sql}", list(params)


def _list_statement(*, version, run_id: int, order: str) -> tuple[str, list]:
    """The candidate list from the pool's qualifying rows (reasons not NULL): area caps, reserved seats for minimum
    shares, capacity."""
    quotas = version.quotas or {}
    minimums = {g: p for g, p in (quotas.get("minimums") or {}).items() if p}
    capacity = version.capacity
    district_cap = quotas.get("per_district_max")
    if quotas.get("per_district_max_pct") and capacity:
        pct_cap = math.ceil(capacity * float(quotas["per_district_max_pct"]) / 100)
        district_cap = min(district_cap, pct_cap) if district_cap else pct_cap
    village_cap = quotas.get("per_village_max")

    # Step 2: rank overall once with the list's full order; every later window orders by that one integer (rn_all),
    # which sorts faster than repeating the multi-key order. The ranks match because rn_all is a total order (it ends
    # with the person id). Rank per district / per village only where a cap needs it.
    # Partitions by area code only group equal codes, so they compare bytes, not the database's locale (which on
    # PostgreSQL calls strcoll for every comparison of the sort: half the time of the district window).
    binary = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    area_windows: list[str] = []
    area_terms: list[str] = []
    area_params: list = []
    if district_cap:
        area_windows.append(f"ROW_NUMBER() OVER (PARTITION BY t_did{binary} ORDER BY rn_all) AS rn_d")
        area_terms.append("rn_d <= %s")
        area_params.append(int(district_cap))
    if village_cap:
        area_windows.append(f"ROW_NUMBER() OVER (PARTITION BY t_vid{binary} ORDER BY rn_all) AS rn_v")
        area_terms.append("rn_v <= %s")
        area_params.append(int(village_cap))
    # The rows carry what the list writes (the reasons included) through the windows: three sorts of ~200-byte rows
    # cost less than joining a narrow ranking back to the whole pool, near misses and all.
    l0 = (
        "SELECT t_pid, t_did, t_vid, t_female, t_dis, t_fhh, t_eld, t_hid, t_decile, t_reasons, "
        f"ROW_NUMBER() OVER (ORDER BY {order}) AS rn_all FROM {POOL} WHERE t_reasons IS NOT NULL"
    )
    l1 = f"SELECT l0.*{''.join(', ' + w for w in area_windows)} FROM ({l0}) l0"
    in_area = f"(CASE WHEN {' AND '.join(area_terms)} THEN 1 ELSE 0 END)" if area_terms else "1"

    # Step 3: among those inside the area caps, a running count of each minimum group in list order: for a member of
    # the group it is their rank within it, and every group shares one sort (in_area, rn_all).
    seats = reserved_seats(capacity, minimums)
    running = f"OVER (PARTITION BY {in_area} ORDER BY rn_all ROWS UNBOUNDED PRECEDING)"
    group_windows = ""
    group_params: list = []
    for i, group in enumerate(sorted(seats)):
        group_windows += f", SUM({GROUP_COLUMN[group]}) {running} AS rn_g{i}"
        group_params += area_params
    l2 = f"SELECT l1.*, {in_area} AS in_area{group_windows} FROM ({l1}) l1"
    l2_params = [*area_params, *group_params]

    # Step 4: capacity over reserved-first priority. A reserved row's place is its rank among the reserved; any other
    # row comes after all the reserved rows of its partition. Both are running counts in the order l2 is already
    # sorted in, so no further sort.
    reserved_terms = []
    reserved_params: list = []
    for i, group in enumerate(sorted(seats)):
        reserved_terms.append(f"({GROUP_COLUMN[group]} = 1 AND rn_g{i} <= %s)")
        reserved_params.append(seats[group])
    if capacity and reserved_terms:
        l2r = (
            f"SELECT l2.*, (CASE WHEN in_area = 1 AND ({' OR '.join(reserved_terms)}) THEN 1 ELSE 0 END) AS res "
            f"FROM ({l2}) l2"
        )
        l3 = (
            "SELECT l2r.*, CASE WHEN res = 1 THEN SUM(res) OVER w "
            "ELSE SUM(res) OVER (PARTITION BY in_area) + SUM(1 - res) OVER w END AS rn_cap "
            f"FROM ({l2r}) l2r WINDOW w AS (PARTITION BY in_area ORDER BY rn_all ROWS UNBOUNDED PRECEDING)"
        )
    elif capacity:
        l3 = f"SELECT l2.*, ROW_NUMBER() OVER (PARTITION BY in_area ORDER BY rn_all) AS rn_cap FROM ({l2}) l2"
    else:
        reserved_params = []
        l3 = f"SELECT l2.*, 1 AS rn_cap FROM ({l2}) l2"
    cap = int(capacity) if capacity else MAX_INT
    sql = (
        INSERT_COLUMNS + "SELECT %s, l3.t_pid, l3.t_hid, l3.t_vid, l3.t_did, "
        "CASE WHEN l3.in_area = 1 AND l3.rn_cap <= %s THEN %s ELSE %s END, "
        "l3.rn_all, l3.t_decile, RTRIM(l3.t_reasons, '; '), "
        "CASE WHEN l3.in_area = 0 THEN %s WHEN l3.rn_cap > %s THEN %s ELSE '' END, '', '' "
        f"FROM ({l3}) l3"
    )
    # The parameter order follows the text: the outer SELECT's, then the reserved CASE (in l2r's own SELECT, which
    # precedes l2), then l2's.
    params = [
        run_id,
        cap,
        c.CandidateStatus.SELECTED.value,
        c.CandidateStatus.RESERVE.value,
        _("kuota kecamatan/desa sudah penuh"),
        cap,
        _("kapasitas program sudah penuh"),
        *reserved_params,
        *l2_params,
    ]
    return sql, params


def _near_miss_statement(*, version, run_id: int, ctx: rules.Context, order: str) -> tuple[str, list]:
    """Near misses: the pool's rows without reasons, best priority first, at most `near_miss_limit`. Their reasons and
    the failed condition are written only for those few rows, evaluated row by row (correlated), not by hashing
    whole tables again."""
    tree = version.rules
    items = tree["items"]
    ctx = rules.Context(ctx.as_of, correlated=True)
    reasons = rules.concat(
        *[
            Case(
                When(rules.compile_q(item, ctx), then=rules.reason_expr(item, ctx)),
                default=rules.text(""),
                output_field=TextField(),
            )
            for item in items
        ]
    )
    failed = Case(
        *[When(~rules.compile_q(item, ctx), then=rules.failed_expr(item, ctx)) for item in items],
        default=rules.text(""),
        output_field=TextField(),
    )
    best = RawSQL(
        f"SELECT t_pid FROM {POOL} WHERE t_reasons IS NULL ORDER BY {order} LIMIT %s", [version.near_miss_limit]
    )
    detail = (
        rules.base_people()
        .filter(pk__in=best)
        .order_by()
        .annotate(n_pid=F("id"), n_reasons=_with_decile(tree, reasons), n_failed=failed)
        .values_list("n_pid", "n_reasons", "n_failed")
    )
    detail_sql, detail_params = detail.query.sql_with_params()
    sql = (
        INSERT_COLUMNS + "SELECT %s, t_pid, t_hid, t_vid, t_did, %s, "
        f"ROW_NUMBER() OVER (ORDER BY {order}), t_decile, RTRIM(d.n_reasons, '; '), d.n_failed, '', '' "
        f"FROM {POOL} p INNER JOIN ({detail_sql}) d ON d.n_pid = p.t_pid"
    )
    return sql, [run_id, c.CandidateStatus.NEAR_MISS.value, *detail_params]


def build(*, version, run_id: int, as_of: dt.date, scope: Q | None = None) -> Plan:
    """The statements for one run of `version`: the pool, the candidate list, the near misses, then the pool goes.
    `scope` limits the pool (None: the whole registry); the lists and near misses are drawn from the pool only."""
    ctx = rules.Context(as_of)
    tree = version.rules
    quotas = version.quotas or {}
    minimums = {g: p for g, p in (quotas.get("minimums") or {}).items() if p}
    items = tree.get("items", []) if rules.is_group(tree) else []
    near = (
        rules.is_group(tree)
        and tree["op"] == "and"
        and not tree.get("not")
        and len(items) >= 2
        and version.near_miss_limit > 0
    )
    needed = set(version.priority or []) | set(minimums)
    order = order_by_sql(version.priority or [])
    statements = [
        (f"DROP TABLE IF EXISTS {POOL}", []),
        _pool_statement(tree=tree, items=items, near=near, ctx=ctx, needed=needed, scope=scope),
    ]
    if connection.vendor != "postgresql":
        if near:
            # SQLite joins the explained near misses to the pool by nested loops: give it an index.
            statements.append((f"CREATE INDEX {POOL}_pid ON {POOL} (t_pid)", []))
    else:
        # A new temp table has no statistics: the planner would guess the share of near misses and how they join.
        # The row count and the two columns the statements filter and join on suffice (0.1 s at 1M people).
        statements.append((f"ANALYZE {POOL} (t_reasons, t_pid)", []))
    statements.append(_list_statement(version=version, run_id=run_id, order=order))
    if near:
        statements.append(_near_miss_statement(version=version, run_id=run_id, ctx=ctx, order=order))
    statements.append((f"DROP TABLE {POOL}", []))
    return Plan(statements=statements, near_misses=near)


def tune(cursor, *, parallel: bool = True) -> None:
    """Settings for big set-based statements on PostgreSQL, for the current transaction only: no JIT (compiling the
    large CASE expressions of reasons costs more than it saves), enough memory to sort the pool in memory, household
    facts grouped in index order; for a run, parallel workers for the one scan of the registry, and for the live
    count none (each worker would group the household facts again)."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SET LOCAL work_mem = '64MB'")
    # The household facts (size, female head) are a GROUP BY over a million people. The planner prefers hashing
    # them; reading them in household order from the covering (household, relationship) INCLUDE (sex, status) index
    # and grouping as they stream is about twice as fast, and keeps the live count well under 2 s at 1M people.
    cursor.execute("SET LOCAL enable_hashagg = off")
    if not parallel:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    else:
        # The pool's scan joins a million people once and writes a few hundred thousand rows: the default costs
        # (set for many small queries) keep it serial, while two workers take it from 4.5 s to 2.9 s on two cores.
        cursor.execute("SET LOCAL parallel_setup_cost = 100")
        cursor.execute("SET LOCAL parallel_tuple_cost = 0.01")


def execute(plan: Plan) -> int:
    written = 0
    with connection.cursor() as cursor:
        tune(cursor)
        for sql, params in plan.statements:
            cursor.execute(sql, params)
            if sql.startswith("INSERT"):
                written += cursor.rowcount
    return written
