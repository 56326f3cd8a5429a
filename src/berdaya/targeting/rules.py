"""Eligibility rules as data: the JSON schema, a validator with Indonesian messages, a compiler to one SQL WHERE
clause (a Django Q over Person, user values always as parameters) and a plain-Python reference evaluator that the
property test compares the SQL against.

A rule tree is a group or a condition; any node may carry `"not": true`:

    {"op": "and", "items": [
        {"type": "flag", "value": "smallholder"},
        {"type": "decile", "max": 4},
        {"op": "or", "not": true, "items": [{"type": "sex", "value": "M"}, {"type": "age", "max": 17}]}
    ]}

Condition types live in a registry (`CONDITIONS`); a type that needs another app registers only when that app is
installed (`register_optional_conditions`), so programmes plugs in "not enrolled" and "no assistance of kind K".

Every leaf compiles to a two-valued SQL condition (nullable values go through COALESCE, multi-valued relations
through an uncorrelated IN), so NOT means exactly "not" on every database, as in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import jsonschema
from django.apps import apps
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    Exists,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce, ExtractYear, Replace
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThanOrEqual
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from berdaya.core.conf import conf
from berdaya.core.dates import years_ago as _years_ago
from berdaya.registry import choices as rc
from berdaya.registry.vulnerability import FLAG_BY_CODE, FLAGS

MAX_DEPTH = 4
MAX_CONDITIONS = 60

RULES_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$ref": "#/$defs/group",
    "$defs": {
        "group": {
            "type": "object",
            "required": ["op", "items"],
            "additionalProperties": False,
            "properties": {
                "op": {"enum": ["and", "or"]},
                "not": {"type": "boolean"},
                "items": {"type": "array", "items": {"$ref": "#/$defs/node"}},
            },
        },
        "condition": {
            "type": "object",
            "required": ["type"],
            "additionalProperties": False,
            "properties": {
                "type": {"type": "string", "minLength": 1, "maxLength": 40},
                "not": {"type": "boolean"},
                "value": {"type": ["string", "integer"]},
                "min": {"type": ["number", "null"]},
                "max": {"type": ["number", "null"]},
                "months": {"type": "integer", "minimum": 1, "maximum": 240},
            },
        },
        "node": {
            "if": {"type": "object", "required": ["op"]},
            "then": {"$ref": "#/$defs/group"},
            "else": {"$ref": "#/$defs/condition"},
        },
    },
}


def is_group(node: dict) -> bool:
    return "op" in node


class Cat(Func):
    """`a || b || c`: plain SQL concatenation of parts that are never NULL (Django's Concat wraps every part in
    COALESCE, which costs a million times over in a run)."""

    template = "(%(expressions)s)"
    arg_joiner = " || "
    output_field = TextField()


def text(value: str) -> Expression:
    return Cast(Value(value), TextField())


def concat(*parts: Expression) -> Expression:
    parts = tuple(p for p in parts if p is not None)
    if len(parts) == 1:
        return parts[0]
    return Cat(*parts)


def num_text(expr: Expression) -> Expression:
    """A number as text with a decimal comma (Indonesian), the same way on SQLite and PostgreSQL."""
    return Replace(Cast(Cast(expr, FloatField()), CharField()), text("."), text(","))


def fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return str(value)
    return number_format(Decimal(str(value)), use_l10n=True).rstrip("0").rstrip(",") or "0"


def effective_decile(prefix: str = "household__") -> Coalesce:
    """Verified, else official, else local decile: one SQL expression (NULL when none is known)."""
    w = f"{prefix}welfare__"
    return Coalesce(
        F(f"{w}verified_decile"),
        F(f"{w}official_decile"),
        F(f"{w}local_decile"),
        output_field=IntegerField(),
    )


@dataclass
class Context:
    """What a compilation needs besides the tree: the reference date for ages and look-back periods."""

    as_of: dt.date
    # Correlated EXISTS instead of uncorrelated IN for conditions on other tables: cheaper when only a few rows are
    # evaluated (the near-miss list), where building a hash of the whole other table would dominate.
    correlated: bool = False

    def age_expr(self) -> Expression:
        """Full years at `as_of`, in SQL, for reasons ("umur 45 tahun")."""
        from django.db.models import Case, When

        later = Q(birth_date__month__gt=self.as_of.month) | Q(
            birth_date__month=self.as_of.month, birth_date__day__gt=self.as_of.day
        )
        return (
            Value(self.as_of.year)
            - ExtractYear("birth_date")
            - Case(When(later, then=Value(1)), default=Value(0), output_field=IntegerField())
        )


# --- Facts for the Python reference evaluator -----------------------------------------------------------------


@dataclass
class Facts:
    """Everything the reference evaluator knows about one person, gathered with plain Python."""

    person: Any
    household: Any
    household_members: list
    decile: int | None
    group_memberships: list[tuple[int, str]] = field(default_factory=list)  # active: (group id, group kind)
    enrolments: list[tuple[int, str]] = field(default_factory=list)  # (programme id, status)
    assistance: list[tuple[str, str, dt.date]] = field(default_factory=list)  # (kind, status, date)


def months_ago(as_of: dt.date, months: int) -> dt.date:
    year, month = divmod(as_of.year * 12 + as_of.month - 1 - months, 12)
    month += 1
    day = as_of.day
    while True:
        try:
            return dt.date(year, month, day)
        except ValueError:
            day -= 1


# --- Condition types --------------------------------------------------------------------------------------------


MIN_LABEL = gettext_lazy("minimal")
MAX_LABEL = gettext_lazy("maksimal")


@dataclass(frozen=True)
class Param:
    """Which generic parameters a condition type uses, for the validator and the form builder."""

    value: bool = False
    minmax: bool = False
    months: bool = False
    integer: bool = True
    lower: float | None = None
    upper: float | None = None
    min_label: Any = MIN_LABEL
    max_label: Any = MAX_LABEL


class ConditionType:
    code: str = ""
    label: Any = ""
    params = Param()
    unit = ""

    def choices(self) -> list[tuple[str, str]]:
        """The allowed `value`s with their labels (empty when any value goes)."""
        return []

    def validate(self, node: dict) -> list[str]:
        errors = []
        if self.params.value:
            if "value" not in node or node["value"] in ("", None):
                errors.append(_("%(c)s: pilih nilainya.") % {"c": self.label})
            elif self.choices() and str(node["value"]) not in {str(v) for v, _l in self.choices()}:
                errors.append(_("%(c)s: nilai tidak dikenal (%(v)s).") % {"c": self.label, "v": node["value"]})
        if self.params.minmax:
            low, high = node.get("min"), node.get("max")
            if low is None and high is None:
                errors.append(_("%(c)s: isi batas minimal atau maksimal.") % {"c": self.label})
            for bound in (low, high):
                if bound is None:
                    continue
                if self.params.integer and int(bound) != bound:
                    errors.append(_("%(c)s: batas harus bilangan bulat.") % {"c": self.label})
                if (self.params.lower is not None and bound < self.params.lower) or (
                    self.params.upper is not None and bound > self.params.upper
                ):
                    errors.append(
                        _("%(c)s: batas %(b)s di luar rentang %(lo)s–%(hi)s.")
                        % {"c": self.label, "b": fmt(bound), "lo": fmt(self.params.lower), "hi": fmt(self.params.upper)}
                    )
            if low is not None and high is not None and low > high:
                errors.append(_("%(c)s: batas minimal lebih besar dari maksimal.") % {"c": self.label})
        if self.params.months and not node.get("months"):
            errors.append(_("%(c)s: isi jumlah bulan.") % {"c": self.label})
        return errors

    # Compilation ---------------------------------------------------------------------------------------------
    def q(self, node: dict, ctx: Context) -> Q:
        raise NotImplementedError

    def value_text(self, node: dict, ctx: Context) -> Expression | None:
        """The person's own value as text, shown beside the condition ("lahan 0,8 ha")."""
        return None

    # Explanation ---------------------------------------------------------------------------------------------
    def describe(self, node: dict) -> str:
        """The condition in plain Indonesian, without the person's value."""
        return str(self.label)

    def range_text(self, node: dict) -> str:
        low, high = node.get("min"), node.get("max")
        unit = f" {self.unit}" if self.unit else ""
        if low is not None and high is not None:
            return f"{fmt(low)}–{fmt(high)}{unit}"
        if low is not None:
            return f"≥ {fmt(low)}{unit}"
        return f"≤ {fmt(high)}{unit}"

    # Reference -----------------------------------------------------------------------------------------------
    def py(self, node: dict, facts: Facts, ctx: Context) -> bool:
        raise NotImplementedError

    @staticmethod
    def in_range(value, node: dict) -> bool:
        low, high = node.get("min"), node.get("max")
        if value is None:
            return False
        if low is not None and value < Decimal(str(low)):
            return False
        return not (high is not None and value > Decimal(str(high)))


def _range_q(expr: Expression, node: dict) -> Q:
    q = Q()
    if node.get("min") is not None:
        q &= Q(GreaterThanOrEqual(expr, Value(node["min"])))
    if node.get("max") is not None:
        q &= Q(LessThanOrEqual(expr, Value(node["max"])))
    return q


# Facts about the household from its living members (models.HouseholdFacts, a view). On PostgreSQL the view is joined
# once per query (one hash aggregate), so every mention of them in a rule, its reasons and its priority reads the
# same joined row; COALESCE keeps them two-valued. SQLite materialises the view and builds an automatic index on it
# for each query, which costs more there than an uncorrelated IN subquery per mention, so SQLite keeps those.
FACTS = "household__targeting_facts__"


def facts_joined() -> bool:
    return connection.vendor == "postgresql"


def household_size() -> Expression:
    return Coalesce(F(f"{FACTS}size"), Value(0), output_field=IntegerField())


# Flags: the vulnerability profile of berdaya.registry. The SQL reuses its Q objects, except where a form that
# scans a million rows faster is needed (female-headed: the household facts instead of a correlated EXISTS).
def _female_headed_q(today: dt.date) -> Q:
    if facts_joined():
        return Q(Exact(Coalesce(F(f"{FACTS}female_head"), Value(0), output_field=IntegerField()), Value(1)))
    from berdaya.registry.models import Person

    heads = Person.objects.filter(
        relationship=rc.Relationship.HEAD, sex=rc.Sex.FEMALE, status=rc.PersonStatus.ACTIVE
    ).values("household_id")
    return Q(household_id__in=heads)


def _operated_area_q(upper: str) -> Q:
    """Smallholder / gurem with the meaning of registry.vulnerability.operated_area_expr (the total area of the
    household members' active plots when it has any, else its declared land), written with uncorrelated IN
    subqueries over the plots (hashed once per query) instead of a correlated SUM per person. The test
    test_fast_flags checks that both forms select the same people."""
    from berdaya.farming.models import Plot

    limit = {"lte": conf().smallholder_max_ha, "lt": conf().gurem_max_ha}[upper]
    limit = Decimal(str(limit))
    sums = Plot.objects.filter(is_active=True).order_by().values("farmer__household").annotate(total=Sum("area_ha"))
    in_range = sums.filter(**{"total__gt": 0, f"total__{upper}": limit}).values("farmer__household")
    declared = Q(**{"household__land_operated_ha__gt": 0, f"household__land_operated_ha__{upper}": limit})
    area = Q(household_id__in=in_range) | (~Q(household_id__in=sums.values("farmer__household")) & declared)
    return Q(occupation__in=rc.FARMING_OCCUPATIONS) & area


FAST_FLAG_Q: dict[str, Callable[[dt.date], Q]] = {
    "female_headed": _female_headed_q,
    "smallholder": lambda today: _operated_area_q("lte"),
    "gurem": lambda today: _operated_area_q("lt"),
}


def flag_sql_q(code: str, as_of: dt.date, correlated: bool = False) -> Q:
    if correlated:
        return FLAG_BY_CODE[code].q(as_of)
    return FAST_FLAG_Q.get(code, FLAG_BY_CODE[code].q)(as_of)


def _flag_py(code: str, facts: Facts, ctx: Context) -> bool:
    p, h = facts.person, facts.household
    farming = p.occupation in rc.FARMING_OCCUPATIONS
    land = Decimal(h.land_operated_ha)
    if code == "disability":
        return any((getattr(p, f) or 0) >= rc.WGSSAnswer.A_LOT for f, _l in rc.WGSS_DOMAINS)
    if code == "elderly":
        return p.birth_date <= _years_ago(conf().elderly_age, ctx.as_of)
    if code == "child":
        return p.birth_date > _years_ago(conf().child_age, ctx.as_of)
    if code == "female_headed":
        return any(
            m.relationship == rc.Relationship.HEAD and m.sex == rc.Sex.FEMALE and m.status == rc.PersonStatus.ACTIVE
            for m in facts.household_members
        )
    if code == "smallholder":
        return farming and Decimal(0) < land <= Decimal(str(conf().smallholder_max_ha))
    if code == "gurem":
        return farming and Decimal(0) < land < Decimal(str(conf().gurem_max_ha))
    if code == "no_nik":
        return p.nik is None
    if code == "poor":
        return facts.decile is not None and facts.decile <= conf().poor_max_decile
    raise NotImplementedError(code)


def _land_text() -> Expression:
    # The same area the flag uses (plots when the household has any, else declared land), so that the reason a
    # person reads matches the rule that selected them. Only evaluated for the rows that get a reason.
    from berdaya.registry.vulnerability import operated_area_expr

    return concat(text(_("lahan ")), num_text(operated_area_expr()), text(" ha"))


class FlagCondition(ConditionType):
    code = "flag"
    label = gettext_lazy("Kelompok rentan")
    params = Param(value=True)

    def choices(self):
        return [(f.code, str(f.label)) for f in FLAGS]

    def q(self, node, ctx):
        return flag_sql_q(node["value"], ctx.as_of, ctx.correlated)

    def describe(self, node):
        return str(FLAG_BY_CODE[node["value"]].label).lower() if node.get("value") in FLAG_BY_CODE else "?"

    def value_text(self, node, ctx):
        code = node["value"]
        if code == "smallholder":
            return concat(_land_text(), text(f" ≤ {fmt(conf().smallholder_max_ha)} ha"))
        if code == "gurem":
            return concat(_land_text(), text(f" < {fmt(conf().gurem_max_ha)} ha"))
        if code in {"elderly", "child"}:
            return concat(text(_("umur ")), Cast(ctx.age_expr(), CharField()), text(_(" tahun")))
        if code == "poor":
            return concat(text(_("desil kesejahteraan ")), Coalesce(Cast(effective_decile(), CharField()), text("-")))
        return None

    def py(self, node, facts, ctx):
        return _flag_py(node["value"], facts, ctx)


class AgeCondition(ConditionType):
    code = "age"
    label = gettext_lazy("Umur")
    params = Param(minmax=True, lower=0, upper=130)
    unit = "tahun"

    def q(self, node, ctx):
        q = Q()
        if node.get("min") is not None:
            q &= Q(birth_date__lte=_years_ago(int(node["min"]), ctx.as_of))
        if node.get("max") is not None:
            q &= Q(birth_date__gt=_years_ago(int(node["max"]) + 1, ctx.as_of))
        return q

    def describe(self, node):
        return _("umur %(r)s") % {"r": self.range_text(node)}

    def value_text(self, node, ctx):
        return concat(text(_("umur ")), Cast(ctx.age_expr(), CharField()), text(_(" tahun")))

    def py(self, node, facts, ctx):
        bd = facts.person.birth_date
        if node.get("min") is not None and not bd <= _years_ago(int(node["min"]), ctx.as_of):
            return False
        return not (node.get("max") is not None and not bd > _years_ago(int(node["max"]) + 1, ctx.as_of))


class SexCondition(ConditionType):
    code = "sex"
    label = gettext_lazy("Jenis kelamin")
    params = Param(value=True)

    def choices(self):
        return [(v, str(label)) for v, label in rc.Sex.choices]

    def q(self, node, ctx):
        return Q(sex=node["value"])

    def describe(self, node):
        return str(dict(rc.Sex.choices).get(node.get("value"), "?")).lower()

    def py(self, node, facts, ctx):
        return facts.person.sex == node["value"]


class DistrictCondition(ConditionType):
    code = "district"
    label = gettext_lazy("Kecamatan")
    params = Param(value=True)

    def choices(self):
        from berdaya.areas.models import District

        regency = conf().default_regency
        return [(d.code, d.name) for d in District.objects.filter(regency_id=regency).order_by("code")]

    def q(self, node, ctx):
        return Q(household__village__district_id=node["value"])

    def describe(self, node):
        name = dict(self.choices()).get(node.get("value"), node.get("value"))
        return _("Kecamatan %(n)s") % {"n": name}

    def py(self, node, facts, ctx):
        return facts.household.village_id.startswith(f"{node['value']}.")


class VillageCondition(ConditionType):
    code = "village"
    label = gettext_lazy("Desa/kelurahan")
    params = Param(value=True)

    def choices(self):
        from berdaya.areas.models import Village

        regency = conf().default_regency
        return [
            (v.code, f"{v.name} ({v.district.name})")
            for v in Village.objects.filter(district__regency_id=regency).select_related("district").order_by("code")
        ]

    def q(self, node, ctx):
        return Q(household__village_id=node["value"])

    def describe(self, node):
        from berdaya.areas.models import Village

        village = Village.objects.filter(pk=node.get("value")).first()
        return str(village) if village else str(node.get("value"))

    def py(self, node, facts, ctx):
        return facts.household.village_id == node["value"]


class LandCondition(ConditionType):
    code = "land"
    label = gettext_lazy("Luas lahan dikelola (ha)")
    params = Param(minmax=True, integer=False, lower=0, upper=10000)
    unit = "ha"

    def q(self, node, ctx):
        return _range_q(F("household__land_operated_ha"), node)

    def describe(self, node):
        return _("lahan %(r)s") % {"r": self.range_text(node)}

    def value_text(self, node, ctx):
        return _land_text()

    def py(self, node, facts, ctx):
        return self.in_range(Decimal(facts.household.land_operated_ha), node)


class DecileCondition(ConditionType):
    code = "decile"
    label = gettext_lazy("Desil kesejahteraan")
    params = Param(minmax=True, lower=1, upper=10)

    def q(self, node, ctx):
        # Unknown decile counts as 0 below and 99 above: never NULL, so NOT stays exact.
        q = Q()
        if node.get("min") is not None:
            q &= Q(GreaterThanOrEqual(Coalesce(effective_decile(), Value(0)), Value(int(node["min"]))))
        if node.get("max") is not None:
            q &= Q(LessThanOrEqual(Coalesce(effective_decile(), Value(99)), Value(int(node["max"]))))
        return q

    def describe(self, node):
        return _("desil kesejahteraan %(r)s") % {"r": self.range_text(node)}

    def value_text(self, node, ctx):
        return concat(text(_("desil ")), Coalesce(Cast(effective_decile(), CharField()), text("-")))

    def py(self, node, facts, ctx):
        d = facts.decile
        if d is None:
            return False
        return self.in_range(Decimal(d), node)


class WGSSCondition(ConditionType):
    code = "wgss"
    label = gettext_lazy("Kesulitan fungsional (WG-SS)")
    params = Param(value=True, minmax=True, lower=2, upper=4)
    min_default = rc.WGSSAnswer.A_LOT

    def choices(self):
        return [(f, str(label)) for f, label in rc.WGSS_DOMAINS]

    def validate(self, node):
        node = {**node}
        if node.get("min") is None and node.get("max") is None:
            node["min"] = self.min_default
        return super().validate(node)

    def _level(self, node) -> int:
        return int(node.get("min") or self.min_default)

    def q(self, node, ctx):
        return Q(GreaterThanOrEqual(Coalesce(F(node["value"]), Value(0)), Value(self._level(node))))

    def describe(self, node):
        domain = dict(rc.WGSS_DOMAINS).get(node.get("value"), "?")
        level = rc.WGSSAnswer(self._level(node)).label.lower()
        return _("kesulitan %(d)s: %(l)s atau lebih berat") % {"d": domain, "l": level}

    def py(self, node, facts, ctx):
        return (getattr(facts.person, node["value"]) or 0) >= self._level(node)


class GroupKindCondition(ConditionType):
    code = "group_kind"
    label = gettext_lazy("Anggota kelompok jenis")
    params = Param(value=True)

    def choices(self):
        return [(v, str(label)) for v, label in rc.GroupKind.choices]

    def q(self, node, ctx):
        from berdaya.registry.models import GroupMembership

        members = GroupMembership.objects.filter(left_on__isnull=True, group__kind=node["value"])
        if ctx.correlated:
            return Q(Exists(members.filter(person_id=OuterRef("pk"))))
        return Q(pk__in=members.values("person_id"))

    def describe(self, node):
        return _("anggota %(k)s") % {"k": dict(rc.GroupKind.choices).get(node.get("value"), "?")}

    def py(self, node, facts, ctx):
        return any(kind == node["value"] for _gid, kind in facts.group_memberships)


class GroupCondition(ConditionType):
    code = "group"
    label = gettext_lazy("Anggota kelompok tertentu")
    params = Param(value=True)

    def choices(self):
        from berdaya.registry.models import Group

        return [(str(g.pk), str(g)) for g in Group.objects.order_by("name")[:2000]]

    def validate(self, node):
        from berdaya.registry.models import Group

        if node.get("value") in ("", None):
            return [_("%(c)s: pilih kelompoknya.") % {"c": self.label}]
        if not str(node["value"]).isdigit() or not Group.objects.filter(pk=int(node["value"])).exists():
            return [_("Kelompok tidak dikenal: %(v)s.") % {"v": node["value"]}]
        return []

    def q(self, node, ctx):
        from berdaya.registry.models import GroupMembership

        members = GroupMembership.objects.filter(left_on__isnull=True, group_id=int(node["value"]))
        if ctx.correlated:
            return Q(Exists(members.filter(person_id=OuterRef("pk"))))
        return Q(pk__in=members.values("person_id"))

    def describe(self, node):
        from berdaya.registry.models import Group

        group = Group.objects.filter(pk=node.get("value")).first() if str(node.get("value")).isdigit() else None
        return _("anggota %(g)s") % {"g": group.name if group else node.get("value")}

    def py(self, node, facts, ctx):
        return any(gid == int(node["value"]) for gid, _kind in facts.group_memberships)


class HouseholdSizeCondition(ConditionType):
    code = "household_size"
    label = gettext_lazy("Jumlah anggota rumah tangga")
    params = Param(minmax=True, lower=1, upper=50)
    unit = "orang"

    def q(self, node, ctx):
        from berdaya.registry.models import Person

        if ctx.correlated:
            size = Subquery(
                Person.objects.filter(household_id=OuterRef("household_id"), status=rc.PersonStatus.ACTIVE)
                .order_by()
                .values("household_id")
                .annotate(n=Count("id"))
                .values("n")[:1],
                output_field=IntegerField(),
            )
            return _range_q(Coalesce(size, Value(0)), node)
        if facts_joined():
            return _range_q(household_size(), node)
        sizes = (
            Person.objects.filter(status=rc.PersonStatus.ACTIVE)
            .order_by()
            .values("household_id")
            .annotate(n=Count("id"))
        )
        if node.get("min") is not None:
            sizes = sizes.filter(n__gte=node["min"])
        if node.get("max") is not None:
            sizes = sizes.filter(n__lte=node["max"])
        return Q(household_id__in=sizes.values("household_id"))

    def describe(self, node):
        return _("rumah tangga %(r)s") % {"r": self.range_text(node)}

    def py(self, node, facts, ctx):
        n = sum(1 for m in facts.household_members if m.status == rc.PersonStatus.ACTIVE)
        return self.in_range(Decimal(n), node)


# Conditions on programmes: registered only when berdaya.programmes is installed.
class NoAssistanceCondition(ConditionType):
    code = "no_assistance"
    label = gettext_lazy("Belum menerima bantuan jenis ini dalam N bulan terakhir")
    params = Param(value=True, months=True)

    def choices(self):
        from berdaya.programmes import choices as pc

        return [(v, str(label)) for v, label in pc.AssistanceKind.choices]

    def q(self, node, ctx):
        from berdaya.programmes import choices as pc
        from berdaya.programmes.models import Assistance

        since = months_ago(ctx.as_of, int(node["months"]))
        received = Assistance.objects.filter(
            kind=node["value"], status__in=list(pc.COMMITTED_STATUSES), date__gte=since, date__lte=ctx.as_of
        )
        if ctx.correlated:
            return ~Q(Exists(received.filter(person_id=OuterRef("pk"))))
        return ~Q(pk__in=received.values("person_id"))

    def describe(self, node):
        from berdaya.programmes import choices as pc

        kind = dict(pc.AssistanceKind.choices).get(node.get("value"), "?")
        return _("belum menerima %(k)s dalam %(m)s bulan terakhir") % {"k": str(kind).lower(), "m": node.get("months")}

    def py(self, node, facts, ctx):
        from berdaya.programmes import choices as pc

        since = months_ago(ctx.as_of, int(node["months"]))
        return not any(
            kind == node["value"] and status in pc.COMMITTED_STATUSES and since <= date <= ctx.as_of
            for kind, status, date in facts.assistance
        )


class NotEnrolledCondition(ConditionType):
    code = "not_enrolled"
    label = gettext_lazy("Tidak terdaftar di program")
    params = Param(value=True)

    def choices(self):
        from berdaya.programmes.models import Programme

        return [(str(p.pk), p.name) for p in Programme.objects.order_by("-start_date", "name")[:500]]

    def validate(self, node):
        from berdaya.programmes.models import Programme

        if node.get("value") in ("", None):
            return [_("%(c)s: pilih programnya.") % {"c": self.label}]
        if not str(node["value"]).isdigit() or not Programme.objects.filter(pk=int(node["value"])).exists():
            return [_("Program tidak dikenal: %(v)s.") % {"v": node["value"]}]
        return []

    def q(self, node, ctx):
        from berdaya.programmes import choices as pc
        from berdaya.programmes.models import Enrolment

        enrolled = Enrolment.objects.filter(programme_id=int(node["value"]), status__in=list(pc.OPEN_STATUSES))
        if ctx.correlated:
            return ~Q(Exists(enrolled.filter(person_id=OuterRef("pk"))))
        return ~Q(pk__in=enrolled.values("person_id"))

    def describe(self, node):
        from berdaya.programmes.models import Programme

        programme = Programme.objects.filter(pk=node.get("value")).first() if str(node.get("value")).isdigit() else None
        return _("tidak terdaftar di %(p)s") % {"p": programme.name if programme else node.get("value")}

    def py(self, node, facts, ctx):
        from berdaya.programmes import choices as pc

        return not any(pid == int(node["value"]) and st in pc.OPEN_STATUSES for pid, st in facts.enrolments)


CONDITIONS: dict[str, ConditionType] = {}


def register(condition: ConditionType) -> None:
    CONDITIONS[condition.code] = condition


for _condition in (
    FlagCondition(),
    AgeCondition(),
    SexCondition(),
    DistrictCondition(),
    VillageCondition(),
    LandCondition(),
    DecileCondition(),
    WGSSCondition(),
    GroupKindCondition(),
    GroupCondition(),
    HouseholdSizeCondition(),
):
    register(_condition)


def programmes_installed() -> bool:
    return apps.is_installed("berdaya.programmes")


def register_optional_conditions() -> None:
    if programmes_installed():
        register(NoAssistanceCondition())
        register(NotEnrolledCondition())


def condition_choices() -> list[tuple[str, str]]:
    return [(code, str(cond.label)) for code, cond in CONDITIONS.items()]


# --- Validation -----------------------------------------------------------------------------------------------


def leaves(node: dict) -> Iterable[dict]:
    if is_group(node):
        for item in node.get("items", []):
            yield from leaves(item)
    else:
        yield node


def is_empty(tree: dict) -> bool:
    return not list(leaves(tree))


def rule_errors(tree: Any, *, allow_empty: bool = False) -> list[str]:
    """Every problem with a rule tree, in Indonesian; empty when it is valid."""
    validator = jsonschema.Draft202012Validator(RULES_SCHEMA)
    schema_errors = list(validator.iter_errors(tree))
    if schema_errors:
        messages = []
        for error in schema_errors[:5]:
            where = "/".join(str(p) for p in error.absolute_path) or _("akar")
            messages.append(_("Struktur aturan tidak sah di %(w)s: %(m)s") % {"w": where, "m": error.message})
        return messages
    errors: list[str] = []

    def walk(node: dict, depth: int) -> None:
        if depth > MAX_DEPTH:
            errors.append(_("Aturan terlalu bertingkat (maksimal %(n)s tingkat).") % {"n": MAX_DEPTH})
            return
        if is_group(node):
            if depth > 0 and not node["items"]:
                errors.append(_("Ada kelompok syarat yang kosong."))
            for item in node["items"]:
                walk(item, depth + 1)
            return
        condition = CONDITIONS.get(node["type"])
        if condition is None:
            errors.append(_("Kriteria tidak dikenal: '%(t)s'.") % {"t": node["type"]})
            return
        errors.extend(condition.validate(node))

    walk(tree, 0)
    count = len(list(leaves(tree)))
    if count > MAX_CONDITIONS:
        errors.append(_("Terlalu banyak syarat (%(n)s; maksimal %(m)s).") % {"n": count, "m": MAX_CONDITIONS})
    if not errors and count == 0 and not allow_empty:
        errors.append(
            _("Aturan tanpa syarat akan memilih semua penduduk. Centang konfirmasi bila memang itu yang dimaksud.")
        )
    return errors


# --- Compilation ------------------------------------------------------------------------------------------------


def compile_q(node: dict, ctx: Context) -> Q:
    """The rule tree as one Q over Person (a single WHERE clause; values are query parameters)."""
    if is_group(node):
        parts = [compile_q(item, ctx) for item in node["items"]]
        if not parts:
            q = Q() if node["op"] == "and" else Q(pk__in=[])
        else:
            q = parts[0]
            for part in parts[1:]:
                q = (q & part) if node["op"] == "and" else (q | part)
            # Q() alone means "everything": keep it explicit so that NOT works.
            if q == Q():
                q = Q(pk__isnull=False)
    else:
        q = CONDITIONS[node["type"]].q(node, ctx)
        if q == Q():
            q = Q(pk__isnull=False)
    return ~q if node.get("not") else q


def describe(node: dict) -> str:
    if is_group(node):
        joiner = _(" dan ") if node["op"] == "and" else _(" atau ")
        inner = joiner.join(describe(item) for item in node["items"]) or _("tanpa syarat")
        body = f"({inner})" if len(node["items"]) > 1 else inner
    else:
        condition = CONDITIONS.get(node["type"])
        body = condition.describe(node) if condition else f"? {node['type']}"
    return _("bukan %(x)s") % {"x": body} if node.get("not") else body


def reason_expr(node: dict, ctx: Context) -> Expression:
    """Text that says why a person meets `node` (call only for rows that meet it), e.g.
    "petani kecil: lahan 0,8 ha ≤ 2 ha". Parts end with "; "."""
    from django.db.models import Case, When

    if node.get("not") or not is_group(node):
        value = None if node.get("not") else CONDITIONS[node["type"]].value_text(node, ctx)
        if value is None:
            return text(describe(node) + "; ")
        return concat(text(describe(node) + ": "), value, text("; "))
    if node["op"] == "and":
        return concat(*[reason_expr(item, ctx) for item in node["items"]])
    # OR: only the branches the person meets.
    return concat(
        *[
            Case(When(compile_q(item, ctx), then=reason_expr(item, ctx)), default=text(""), output_field=TextField())
            for item in node["items"]
        ]
    )


def failed_expr(node: dict, ctx: Context) -> Expression:
    """Text naming an unmet condition with the person's own value, e.g. "desil kesejahteraan ≤ 4 (desil 6)"."""
    if node.get("not") or is_group(node):
        return text(_("tidak memenuhi: %(d)s") % {"d": describe(node)})
    value = CONDITIONS[node["type"]].value_text(node, ctx)
    if value is None:
        return text(_("tidak memenuhi: %(d)s") % {"d": describe(node)})
    return concat(text(_("tidak memenuhi: %(d)s (") % {"d": describe(node)}), value, text(")"))


def uses_condition(tree: dict, code: str) -> bool:
    return any(leaf.get("type") == code for leaf in leaves(tree))


# --- Python reference evaluator ---------------------------------------------------------------------------------


def evaluate(node: dict, facts: Facts, ctx: Context) -> bool:
    """The plain-Python meaning of a rule tree for one person. Slow on purpose: it is the specification."""
    if is_group(node):
        results = [evaluate(item, facts, ctx) for item in node["items"]]
        value = all(results) if node["op"] == "and" else any(results)
    else:
        value = CONDITIONS[node["type"]].py(node, facts, ctx)
    return (not value) if node.get("not") else value


def gather_facts(people: Iterable) -> list[Facts]:
    """Facts for each person (small sets only: tests and single-person explanations)."""
    from berdaya.registry.models import GroupMembership, Person

    people = list(people)
    household_ids = {p.household_id for p in people}
    members: dict[int, list] = {}
    for m in Person.objects.filter(household_id__in=household_ids):
        members.setdefault(m.household_id, []).append(m)
    groups: dict[int, list] = {}
    for gm in GroupMembership.objects.filter(person__in=people, left_on__isnull=True).select_related("group"):
        groups.setdefault(gm.person_id, []).append((gm.group_id, gm.group.kind))
    enrolments: dict[int, list] = {}
    assistance: dict[int, list] = {}
    if programmes_installed():
        from berdaya.programmes.models import Assistance, Enrolment

        for e in Enrolment.objects.filter(person__in=people):
            enrolments.setdefault(e.person_id, []).append((e.programme_id, e.status))
        for a in Assistance.objects.filter(person__in=people):
            assistance.setdefault(a.person_id, []).append((a.kind, a.status, a.date))
    from .models import HouseholdWelfare

    welfare = {w.household_id: w for w in HouseholdWelfare.objects.filter(household_id__in=household_ids)}
    result = []
    for p in people:
        w = welfare.get(p.household_id)
        result.append(
            Facts(
                person=p,
                household=p.household,
                household_members=members.get(p.household_id, []),
                decile=w.effective_decile if w else None,
                group_memberships=groups.get(p.pk, []),
                enrolments=enrolments.get(p.pk, []),
                assistance=assistance.get(p.pk, []),
            )
        )
    return result


def base_people():
    """The people a rule is evaluated over: living members who still live in an active household."""
    from berdaya.registry.models import Person

    return Person.objects.filter(status=rc.PersonStatus.ACTIVE, household__status=rc.HouseholdStatus.ACTIVE)


def matching_people(tree: dict, as_of: dt.date):
    return base_people().filter(compile_q(tree, Context(as_of)))


def evaluate_python(tree: dict, as_of: dt.date) -> set[int]:
    """Ids of the people the reference evaluator selects (for tests)."""
    ctx = Context(as_of)
    people = base_people().select_related("household")
    return {f.person.pk for f in gather_facts(people) if evaluate(tree, f, ctx)}
