# SQL here is assembled from fixed, whitelisted column names and %s placeholders only; every value is a parameter.
# ruff: noqa: S608
"""The set-based targeting run: one INSERT ... SELECT writes the whole candidate list.

Inside, from the inside out:
1. the people who meet the rules, plus near misses (people failing exactly one top-level condition of an AND rule),
   with their priority keys, their reasons and the failed condition: one scan of person ⋈ household ⋈ welfare,
   compiled by Django from the rule tree (all user values are parameters);
2. ROW_NUMBER() per district and per village to apply area caps;
3. ROW_NUMBER() per minimum group (e.g. women) to reserve the best-ranked seats that guarantee each minimum share;
4. ROW_NUMBER() over reserved-first priority to apply the capacity.
The order always ends with the person id, so the same data and rule version give the same list.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, F, IntegerField, Q, TextField, Value, When
from django.db.models.functions import Coalesce, Substr
from django.utils.translation import gettext as _

from berdaya.registry import choices as rc

from . import choices as c
from . import rules

# The priority keys (choices.PriorityKey) as ORDER BY terms over the columns of step 1. Whitelisted: never user text.
PRIORITY_SQL = {
    "disability": "t_dis DESC",
    "female_headed": "t_fhh DESC",
    "female": "t_female DESC",
    "older": "t_bd ASC",
    "less_land": "t_land ASC",
    "lower_score": "t_score ASC",
}
GROUP_COLUMN = {"women": "t_female", "disability": "t_dis", "female_headed": "t_fhh", "elderly": "t_eld"}


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


DJANGO_ORDER = {
    "disability": "-t_dis",
    "female_headed": "-t_fhh",
    "female": "-t_female",
    "older": "t_bd",
    "less_land": "t_land",
    "lower_score": "t_score",
}


def _annotations(*, as_of: dt.date, needed: set[str], nfail, reasons, failed) -> dict:
    return {
        "t_pid": F("id"),
        "t_hid": F("household_id"),
        "t_vid": F("household__village_id"),
        "t_did": Substr("household__village_id", 1, 8),
        "t_nfail": nfail,
        "t_decile": rules.effective_decile(),
        "t_decile_sort": Coalesce(rules.effective_decile(), Value(11), output_field=IntegerField()),
        "t_female": _flag01(Q(sex=rc.Sex.FEMALE)) if needed & {"female", "women"} else Value(0),
        "t_dis": _flag01(rules.flag_sql_q("disability", as_of)) if "disability" in needed else Value(0),
        "t_fhh": _flag01(rules.flag_sql_q("female_headed", as_of)) if "female_headed" in needed else Value(0),
        "t_eld": _flag01(rules.flag_sql_q("elderly", as_of)) if "elderly" in needed else Value(0),
        "t_bd": F("birth_date"),
        "t_land": F("household__land_operated_ha"),
        "t_score": Coalesce(F("household__welfare__score"), Value(1_000_000), output_field=IntegerField()),
        "t_reasons": reasons,
        "t_failed": failed,
    }


def _with_decile(tree: dict, reasons):
    if rules.uses_condition(tree, "decile"):
        return reasons
    return rules.concat(
        reasons,
        rules.text(_("desil kesejahteraan ")),
        Coalesce(rules.Cast(rules.effective_decile(), rules.CharField()), rules.text(_("belum dihitung"))),
    )


INSERT_COLUMNS = (
    "INSERT INTO targeting_candidate (run_id, person_id, household_id, village_id, district_code, status, rank, "
    "decile, reasons, failed, review, review_reason) "
)


def _near_miss_statement(*, version, run_id: int, ctx: rules.Context, needed: set[str]) -> tuple[str, list]:
    """Near misses: people failing exactly one top-level condition of an AND rule, best priority first, at most
    `near_miss_limit`. The reasons are written only for those few rows (a top-N sort picks them first)."""
    tree = version.rules
    items = tree["items"]
    fails = [_flag01(~rules.compile_q(item, ctx)) for item in items]
    n_failed = fails[0]
    for term in fails[1:]:
        n_failed = n_failed + term
    sort_keys = _annotations(as_of=ctx.as_of, needed=needed, nfail=Value(1), reasons=Value(""), failed=Value(""))
    sort_keys = {
        k: v
        for k, v in sort_keys.items()
        if k in {"t_decile_sort", "t_dis", "t_fhh", "t_female", "t_bd", "t_land", "t_score"}
    }
    order = ["t_decile_sort", *[DJANGO_ORDER[k] for k in version.priority or [] if k in DJANGO_ORDER], "id"]
    ids = (
        rules.base_people()
        .alias(t_nfail_w=n_failed, **sort_keys)
        .filter(t_nfail_w=1)
        .order_by(*order)
        .values("pk")[: int(version.near_miss_limit)]
    )
    # Only `near_miss_limit` rows get reasons: evaluate their conditions row by row (correlated), not by hashing
    # whole tables again.
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
    annotations = _annotations(
        as_of=ctx.as_of, needed=needed, nfail=Value(1), reasons=_with_decile(tree, reasons), failed=failed
    )
    inner = rules.base_people().filter(pk__in=ids).order_by().annotate(**annotations).values_list(*annotations)
    inner_sql, inner_params = inner.query.sql_with_params()
    sql = (
        INSERT_COLUMNS + "SELECT %s, t_pid, t_hid, t_vid, t_did, %s, "
        f"ROW_NUMBER() OVER (ORDER BY {order_by_sql(version.priority or [])}), t_decile, RTRIM(t_reasons, '; '), "
        f"t_failed, '', '' FROM ({inner_sql}) q"
    )
    return sql, [run_id, c.CandidateStatus.NEAR_MISS.value, *inner_params]


def build(*, version, run_id: int, as_of: dt.date) -> Plan:
    """The INSERT ... SELECT statements for one run of `version`: the eligible list, then the near misses."""
    ctx = rules.Context(as_of)
    tree = version.rules
    quotas = version.quotas or {}
    minimums = {g: p for g, p in (quotas.get("minimums") or {}).items() if p}
    capacity = version.capacity
    items = tree.get("items", []) if rules.is_group(tree) else []
    near = (
        rules.is_group(tree)
        and tree["op"] == "and"
        and not tree.get("not")
        and len(items) >= 2
        and version.near_miss_limit > 0
    )
    needed = set(version.priority or []) | set(minimums)
    reasons = rules.reason_expr(tree, ctx) if not rules.is_empty(tree) else rules.text("")
    annotations = _annotations(
        as_of=as_of,
        needed=needed,
        nfail=Value(0, output_field=IntegerField()),
        reasons=_with_decile(tree, reasons),
        failed=rules.text(""),
    )
    qs = rules.base_people().filter(rules.compile_q(tree, ctx))
    inner = qs.order_by().annotate(**annotations).values_list(*annotations.keys())
    inner_sql, inner_params = inner.query.sql_with_params()

    order = order_by_sql(version.priority or [])
    district_cap = quotas.get("per_district_max")
    if quotas.get("per_district_max_pct") and capacity:
        pct_cap = math.ceil(capacity * float(quotas["per_district_max_pct"]) / 100)
        district_cap = min(district_cap, pct_cap) if district_cap else pct_cap
    village_cap = quotas.get("per_village_max")

    # Step 2: rank overall (for near misses and display), per district and per village.
    l1 = (
        f"SELECT q.*, ROW_NUMBER() OVER (PARTITION BY t_nfail ORDER BY {order}) AS rn_all, "
        f"ROW_NUMBER() OVER (PARTITION BY t_nfail, t_did ORDER BY {order}) AS rn_d, "
        f"ROW_NUMBER() OVER (PARTITION BY t_nfail, t_vid ORDER BY {order}) AS rn_v "
        f"FROM ({inner_sql}) q"
    )
    in_area = "(CASE WHEN rn_d <= %s AND rn_v <= %s THEN 1 ELSE 0 END)"
    in_area_params = [int(district_cap or 2**31 - 1), int(village_cap or 2**31 - 1)]

    # Step 3: rank within each minimum group among those inside the area caps.
    seats = reserved_seats(capacity, minimums)
    group_windows = ""
    group_params: list = []
    for i, group in enumerate(sorted(seats)):
        col = GROUP_COLUMN[group]
        group_windows += f", ROW_NUMBER() OVER (PARTITION BY t_nfail, {in_area}, {col} ORDER BY {order}) AS rn_g{i}"
        group_params += in_area_params
    l2 = f"SELECT l1.*, {in_area} AS in_area{group_windows} FROM ({l1}) l1"
    l2_params = [*in_area_params, *group_params]

    reserved_terms = []
    reserved_params: list = []
    for i, group in enumerate(sorted(seats)):
        reserved_terms.append(f"({GROUP_COLUMN[group]} = 1 AND rn_g{i} <= %s)")
        reserved_params.append(seats[group])
    reserved = (
        f"(CASE WHEN t_nfail = 0 AND in_area = 1 AND ({' OR '.join(reserved_terms)}) THEN 1 ELSE 0 END)"
        if reserved_terms
        else "0"
    )
    # Step 4: capacity over reserved-first priority.
    l3 = (
        f"SELECT l2.*, ROW_NUMBER() OVER (PARTITION BY t_nfail, in_area ORDER BY {reserved} DESC, {order}) AS rn_cap "
        f"FROM ({l2}) l2"
    )
    cap = int(capacity) if capacity else 2**31 - 1
    full_area = _("kuota kecamatan/desa sudah penuh")
    full_capacity = _("kapasitas program sudah penuh")
    sql = (
        INSERT_COLUMNS + "SELECT %s, t_pid, t_hid, t_vid, t_did, "
        "CASE WHEN t_nfail > 0 THEN %s WHEN in_area = 1 AND rn_cap <= %s THEN %s ELSE %s END, "
        "rn_all, t_decile, RTRIM(t_reasons, '; '), "
        "CASE WHEN t_nfail > 0 THEN t_failed WHEN in_area = 0 THEN %s WHEN rn_cap > %s THEN %s ELSE '' END, "
        "'', '' "
        f"FROM ({l3}) l3"
    )
    # The parameter order follows the text: the outer SELECT's, then l3's reserved CASE (inside l3's own SELECT,
    # which precedes l2), then l2's, then the inner query's, then the final WHERE.
    params = [
        run_id,
        c.CandidateStatus.NEAR_MISS.value,
        cap,
        c.CandidateStatus.SELECTED.value,
        c.CandidateStatus.RESERVE.value,
        full_area,
        cap,
        full_capacity,
        *reserved_params,
        *l2_params,
        *inner_params,
    ]
    statements = [(sql, params)]
    if near:
        statements.append(_near_miss_statement(version=version, run_id=run_id, ctx=ctx, needed=needed))
    return Plan(statements=statements, near_misses=near)


def execute(plan: Plan) -> int:
    written = 0
    with connection.cursor() as cursor:
        for sql, params in plan.statements:
            cursor.execute(sql, params)
            written += cursor.rowcount
    return written
