"""Targeting quality: how well a rule set (or a run's final list) reaches the poor, measured against a reference
decile that is not the rule itself, and how that changes when one of the rule's thresholds moves (what-if).

- Inclusion error: a person the rule includes whose household is not poor by the reference (decile above
  `poor_max`), as a share of the included people whose household has a reference decile.
- Exclusion error: a person whose household is poor by the reference and whom the rule does not include, as a share
  of the poor.
- Coverage of each vulnerable group (berdaya.registry.vulnerability): the share of the group the rule includes.

The reference is a decile source other than Berdaya's own local score: the field verification recorded on a
household, the official (DTSEN) decile that musdes imports into HouseholdWelfare, or the first of the two. Both live
in this app (HouseholdWelfare), so the registry of references below needs no upper app; another source can register
itself from its AppConfig.ready(). People whose household has no reference decile are counted apart ("unknown"):
they are neither errors nor correct.

Every figure is one aggregate over the registry (conditional counts in one scan) with the same compiled WHERE the
runs use (rules.compile_q), limited to the people the viewer may see (access.pool_scope: the registry's person
scope). The what-if compiles the rule once per cut-off and counts every cut-off in the same scan. Partner staff get
no figure of a rule that reads criteria withheld from them, and no coverage of the flags withheld from them
(access.criteria_withheld, registry.access.flags_withheld_from).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Expression, ExpressionWrapper, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from berdaya.accounts.models import User
from berdaya.core.conf import conf
from berdaya.registry.access import flags_withheld_from
from berdaya.registry.models import Person
from berdaya.registry.vulnerability import FLAGS

from . import engine, rules
from .access import criteria_withheld, criteria_withheld_message, pool_scope

MAX_CUTOFFS = 12


# --- the registry of reference deciles ------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """A decile source to judge a rule against: `expr` is the household's decile under it as an expression over
    Person (NULL when that source has none)."""

    code: str
    label: Any
    expr: Callable[[], Expression]


REFERENCES: dict[str, Reference] = {}


def register_reference(code: str, label: Any, expr: Callable[[], Expression]) -> None:
    REFERENCES[code] = Reference(code, label, expr)


def _welfare(column: str) -> Expression:
    return ExpressionWrapper(F(f"household__welfare__{column}"), output_field=IntegerField())


register_reference(
    "verified_official",
    gettext_lazy("Verifikasi lapangan, bila tidak ada desil resmi (DTSEN)"),
    lambda: Coalesce(_welfare("verified_decile"), _welfare("official_decile"), output_field=IntegerField()),
)
register_reference("official", gettext_lazy("Desil resmi (DTSEN) saja"), lambda: _welfare("official_decile"))
register_reference("verified", gettext_lazy("Verifikasi lapangan saja"), lambda: _welfare("verified_decile"))
DEFAULT_REFERENCE = "verified_official"


# --- thresholds a what-if can move ----------------------------------------------------------------------------

ADDED_DECILE = "+decile"  # not in the rule: an extra "effective decile at most k" on top of it


@dataclass(frozen=True)
class Threshold:
    """One bound of one condition of a rule tree, addressed by its path ("0.2": item 2 of item 0)."""

    key: str  # "<path>:<min|max>" or ADDED_DECILE
    label: str
    current: float | None
    defaults: tuple[float, ...]


def _node_at(tree: dict, path: str) -> dict:
    node = tree
    for part in path.split(".") if path else []:
        node = node["items"][int(part)]
    return node


def _walk(node: dict, path: str, negated: bool) -> Iterable[tuple[str, dict, bool]]:
    negated = negated ^ bool(node.get("not"))
    if rules.is_group(node):
        for i, item in enumerate(node["items"]):
            yield from _walk(item, f"{path}.{i}" if path else str(i), negated)
    else:
        yield path, node, negated


def _defaults(code: str, current: float) -> tuple[float, ...]:
    condition = rules.CONDITIONS[code]
    low, high = condition.params.lower, condition.params.upper
    if code == "decile":
        return tuple(range(1, 11))
    if code == "land":
        return (0.25, 0.5, 1, 1.5, 2, 3, 4, 5)
    if code == "household_size":
        return tuple(range(1, 11))
    if code == "wgss":
        return (2, 3, 4)
    step = 5 if code == "age" else 1
    values = [current + step * k for k in range(-5, 6)]
    return tuple(v for v in values if (low is None or v >= low) and (high is None or v <= high))


def thresholds(tree: dict) -> list[Threshold]:
    """The numeric bounds of the rule a what-if may move, and always an added decile cap."""
    found = []
    for path, node, negated in _walk(tree, "", False):
        condition = rules.CONDITIONS.get(node.get("type", ""))
        if condition is None or not condition.params.minmax or negated:
            continue
        for bound, word in (("max", _("maksimal")), ("min", _("minimal"))):
            if node.get(bound) is None:
                continue
            current = float(node[bound])
            found.append(
                Threshold(
                    key=f"{path}:{bound}",
                    label=f"{condition.label}: {_('batas')} {word} ({rules.describe(node)})",
                    current=current,
                    defaults=_defaults(node["type"], current),
                )
            )
    found.append(
        Threshold(
            key=ADDED_DECILE,
            label=_("Tambahan syarat: desil kesejahteraan paling tinggi k"),
            current=None,
            defaults=tuple(range(1, 11)),
        )
    )
    return found


def with_threshold(tree: dict, key: str, value: float) -> dict:
    """A copy of `tree` with the bound `key` set to `value` (the original is not touched)."""
    if key == ADDED_DECILE:
        cap = {"type": "decile", "max": int(value)}
        return {"op": "and", "items": [copy.deepcopy(tree), cap]} if not rules.is_empty(tree) else cap
    path, _sep, bound = key.rpartition(":")
    if bound not in {"min", "max"}:
        raise ValueError(key)
    moved = copy.deepcopy(tree)
    node = _node_at(moved, path)
    if rules.is_group(node):
        raise ValueError(key)
    node[bound] = int(value) if rules.CONDITIONS[node["type"]].params.integer else value
    return moved


# Land in m², incomes in Rupiah: no bound of a rule is larger.
MAX_CUTOFF_VALUE = Decimal(10) ** 12


def parse_cutoffs(text: str) -> list[float]:
    """ "1, 2, 3,5" (Indonesian decimal commas after a space-separated list are ambiguous): values separated by
    semicolons or spaces, or by commas followed by a space; a decimal comma within a number is allowed."""
    values: list[float] = []
    for raw in text.replace(";", " ").replace(", ", " ").split():
        try:
            number = Decimal(raw.replace(",", "."))
        except InvalidOperation as exc:
            raise ValueError(_("Nilai batas tidak dikenal: %(v)s") % {"v": raw[:20]}) from exc
        # "nan", "inf" and 1e308 are numbers to Python, not cut-offs of a welfare rule.
        if not number.is_finite() or abs(number) > MAX_CUTOFF_VALUE:
            raise ValueError(_("Nilai batas tidak dikenal: %(v)s") % {"v": raw[:20]})
        values.append(float(number))
    if len(values) > MAX_CUTOFFS:
        raise ValueError(_("Paling banyak %(n)s nilai batas sekaligus.") % {"n": MAX_CUTOFFS})
    return sorted(set(values))


# --- the figures ------------------------------------------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class GroupCoverage:
    code: str
    label: str
    people: int
    included: int
    poor: int
    poor_included: int

    @property
    def coverage(self) -> float | None:
        return _rate(self.included, self.people)

    @property
    def poor_coverage(self) -> float | None:
        return _rate(self.poor_included, self.poor)


@dataclass
class Quality:
    """The figures of one included set against the reference."""

    people: int  # everyone the rule is evaluated over (living, in an active household, in the viewer's scope)
    known: int  # of whom with a reference decile
    poor: int  # of whom poor by the reference
    included: int
    included_known: int
    included_nonpoor: int  # inclusion errors
    poor_excluded: int  # exclusion errors
    groups: list[GroupCoverage] = field(default_factory=list)
    cutoff: float | None = None

    @property
    def included_unknown(self) -> int:
        return self.included - self.included_known

    @property
    def inclusion_error(self) -> float | None:
        return _rate(self.included_nonpoor, self.included_known)

    @property
    def exclusion_error(self) -> float | None:
        return _rate(self.poor_excluded, self.poor)

    @property
    def poor_included(self) -> int:
        return self.poor - self.poor_excluded


def _population(viewer: User) -> QuerySet[Person]:
    scope = pool_scope(viewer)
    people = rules.base_people()
    return people if scope is None else people.filter(scope)


def _flag01(q: Q) -> Case:
    return Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())


def _measure(
    *,
    viewer: User,
    included: dict[str, Q],
    reference: str,
    poor_max: int,
    with_groups: bool,
    as_of: dt.date,
) -> dict[str, Quality]:
    """One scan: for each named included set, the quality figures.

    The inner query gives every person one 0/1 column per condition (reference known, poor, each group, each
    included set), so each condition is evaluated once per person however many figures use it; the outer query only
    sums products of those columns. (Conditional aggregates over the conditions themselves made PostgreSQL evaluate
    each rule and flag once per figure: ten cut-offs by nine groups.)"""
    ref = REFERENCES[reference]
    known_q = Q(t_ref__isnull=False)
    poor_q = Q(t_ref__lte=poor_max)
    withheld = flags_withheld_from(viewer)
    flags = (
        [(flag, rules.flag_sql_q(flag.code, as_of)) for flag in FLAGS if flag.code not in withheld]
        if with_groups
        else []
    )
    columns: dict[str, Any] = {"r_known": _flag01(known_q), "r_poor": _flag01(poor_q)}
    for i, (_flag, flag_q) in enumerate(flags):
        columns[f"g{i}"] = _flag01(flag_q)
    names = list(included)
    for j, name in enumerate(names):
        columns[f"i{j}"] = _flag01(included[name])
    inner = _population(viewer).alias(t_ref=ref.expr()).order_by().annotate(**columns).values_list(*columns)
    inner_sql, params = inner.query.sql_with_params()
    sums: list[str] = ["COUNT(*)", "SUM(r_known)", "SUM(r_poor)"]
    for i in range(len(flags)):
        sums += [f"SUM(g{i})", f"SUM(g{i} * r_poor)"]
    for j in range(len(names)):
        sums += [f"SUM(i{j})", f"SUM(i{j} * r_known)", f"SUM(i{j} * r_known * (1 - r_poor))", f"SUM(i{j} * r_poor)"]
        for i in range(len(flags)):
            sums += [f"SUM(i{j} * g{i})", f"SUM(i{j} * g{i} * r_poor)"]
    # The inner query must stay a subquery: flattened into the aggregate (both databases do it by default), every
    # product below would repeat the CASE expressions of its columns, i.e. evaluate each rule and flag once per
    # figure again. "OFFSET 0" is PostgreSQL's fence; SQLite never flattens a LIMITed subquery into an aggregate.
    fence = "OFFSET 0" if connection.vendor == "postgresql" else "LIMIT -1 OFFSET 0"
    sql = f"SELECT {', '.join(sums)} FROM ({inner_sql} {fence}) t"  # noqa: S608 (fixed column names; parameters)
    with transaction.atomic(), connection.cursor() as cursor:
        engine.tune(cursor, parallel=False)
        cursor.execute(sql, params)
        values = iter([int(v or 0) for v in cursor.fetchone()])
    row: dict[str, int] = {"people": next(values), "known": next(values), "poor": next(values)}
    for flag, _q in flags:
        row[f"g_{flag.code}"], row[f"gp_{flag.code}"] = next(values), next(values)
    for name in names:
        for key in ("inc", "known", "nonpoor", "poorinc"):
            row[f"{name}_{key}"] = next(values)
        for flag, _q in flags:
            row[f"{name}_g_{flag.code}"], row[f"{name}_gp_{flag.code}"] = next(values), next(values)
    result = {}
    for name in included:
        groups = [
            GroupCoverage(
                code=flag.code,
                label=str(flag.label),
                people=row[f"g_{flag.code}"],
                included=row[f"{name}_g_{flag.code}"],
                poor=row[f"gp_{flag.code}"],
                poor_included=row[f"{name}_gp_{flag.code}"],
            )
            for flag, _q in flags
        ]
        result[name] = Quality(
            people=row["people"],
            known=row["known"],
            poor=row["poor"],
            included=row[f"{name}_inc"],
            included_known=row[f"{name}_known"],
            included_nonpoor=row[f"{name}_nonpoor"],
            poor_excluded=row["poor"] - row[f"{name}_poorinc"],
            groups=groups,
        )
    return result


def _check(reference: str, poor_max: int, *, viewer: User, tree: dict) -> None:
    withheld = criteria_withheld(viewer, rules_tree=tree)
    if withheld:
        raise ValueError(criteria_withheld_message(withheld))
    if reference not in REFERENCES:
        raise ValueError(_("Sumber desil acuan tidak dikenal."))
    if not 1 <= int(poor_max) <= 10:
        raise ValueError(_("Batas miskin harus desil 1–10."))


def rule_quality(
    *,
    viewer: User,
    tree: dict,
    reference: str = DEFAULT_REFERENCE,
    poor_max: int | None = None,
    as_of: dt.date | None = None,
    final_list: QuerySet | None = None,
) -> Quality:
    """The quality of the people `tree` includes (or, with `final_list`, a run's final list: a queryset of
    candidates) among the people `viewer` may see."""
    poor_max = poor_max or conf().poor_max_decile
    _check(reference, poor_max, viewer=viewer, tree=tree)
    as_of = as_of or timezone.localdate()
    if final_list is not None:
        inc = Q(pk__in=final_list.values("person_id"))
    else:
        inc = rules.compile_q(tree, rules.Context(as_of))
    return _measure(
        viewer=viewer, included={"r": inc}, reference=reference, poor_max=poor_max, with_groups=True, as_of=as_of
    )["r"]


def what_if(
    *,
    viewer: User,
    tree: dict,
    key: str,
    cutoffs: Iterable[float],
    reference: str = DEFAULT_REFERENCE,
    poor_max: int | None = None,
    as_of: dt.date | None = None,
) -> list[Quality]:
    """For each cut-off, the quality of the rule with the bound `key` moved there, all in one scan."""
    poor_max = poor_max or conf().poor_max_decile
    _check(reference, poor_max, viewer=viewer, tree=tree)
    as_of = as_of or timezone.localdate()
    ctx = rules.Context(as_of)
    values = list(cutoffs)[:MAX_CUTOFFS]
    included = {}
    for i, value in enumerate(values):
        moved = with_threshold(tree, key, value)
        errors = rules.rule_errors(moved, allow_empty=True)
        if errors:
            raise ValueError("; ".join(errors))
        included[f"c{i}"] = rules.compile_q(moved, ctx)
    if not included:
        return []
    measured = _measure(
        viewer=viewer, included=included, reference=reference, poor_max=poor_max, with_groups=True, as_of=as_of
    )
    rows = []
    for i, value in enumerate(values):
        quality = measured[f"c{i}"]
        quality.cutoff = value
        rows.append(quality)
    return rows
