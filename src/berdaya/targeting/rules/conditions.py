"""The condition types of a rule, in a registry (`CONDITIONS`): for each, its parameters and validation, its SQL
(`q`, a Q over Person), the text of the person's own value for reasons, its description, and its plain-Python
meaning (`py`, over reference.Facts) that the property tests compare the SQL against.

Every condition compiles to a two-valued SQL condition (nullable values go through COALESCE, multi-valued relations
through an uncorrelated IN), so NOT means exactly "not" on every database, as in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, Expression, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from berdaya.areas.models import District, Village
from berdaya.core.conf import conf
from berdaya.core.dates import years_ago as _years_ago
from berdaya.farming.flags import operated_area, operated_area_expr, operated_area_in_fast_q
from berdaya.programmes import choices as pc
from berdaya.programmes.models import Assistance, Enrolment, Programme
from berdaya.registry import choices as rc
from berdaya.registry.models import Group, GroupMembership, Person
from berdaya.registry.vulnerability import FLAG_BY_CODE, FLAGS

from .sql import (
    Context,
    concat,
    effective_decile,
    facts_joined,
    flag_sql_q,
    fmt,
    household_size,
    int_text,
    num_text,
    range_q,
    text,
)

if TYPE_CHECKING:
    from .reference import Facts


def months_ago(as_of: dt.date, months: int) -> dt.date:
    year, month = divmod(as_of.year * 12 + as_of.month - 1 - months, 12)
    month += 1
    day = as_of.day
    while True:
        try:
            return dt.date(year, month, day)
        except ValueError:
            day -= 1


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
    # Counted from the person's household members rather than read from the person or the household's own record
    # (the household's size): not for a role that may miss some members (targeting.access.criteria_withheld).
    from_members = False

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


def _land_text() -> Expression:
    # The same area the flag uses (plots when the household has any, else declared land), so that the reason a
    # person reads matches the rule that selected them. Only evaluated for the rows that get a reason.
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
            return concat(text(_("umur ")), int_text(ctx.age_expr()), text(_(" tahun")))
        if code == "poor":
            return concat(text(_("desil kesejahteraan ")), Coalesce(int_text(effective_decile()), text("-")))
        return None

    def py(self, node, facts, ctx):
        # The flag's own Python definition (berdaya.registry.vulnerability), over the facts it loads.
        return FLAG_BY_CODE[node["value"]].py(facts, ctx.as_of)


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
        return concat(text(_("umur ")), int_text(ctx.age_expr()), text(_(" tahun")))

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
        regency = conf().default_regency
        return [
            (v.code, f"{v.name} ({v.district.name})")
            for v in Village.objects.filter(district__regency_id=regency).select_related("district").order_by("code")
        ]

    def q(self, node, ctx):
        return Q(household__village_id=node["value"])

    def describe(self, node):
        village = Village.objects.filter(pk=node.get("value")).first()
        return str(village) if village else str(node.get("value"))

    def py(self, node, facts, ctx):
        return facts.household.village_id == node["value"]


class LandCondition(ConditionType):
    code = "land"
    label = gettext_lazy("Luas lahan dikelola (ha)")
    params = Param(minmax=True, integer=False, lower=0, upper=10000)
    unit = "ha"

    # The land the household operates as berdaya.farming defines it (its members' active plots when it has any, else
    # the declared land), as the smallholder flags and the reason text read it: its correlated form for the few rows
    # of a near-miss explanation, else its set-based form, which scans a million people faster.
    @staticmethod
    def _bounds(node) -> dict[str, Decimal]:
        bounds = {}
        if node.get("min") is not None:
            bounds["gte"] = Decimal(str(node["min"]))
        if node.get("max") is not None:
            bounds["lte"] = Decimal(str(node["max"]))
        return bounds

    def q(self, node, ctx):
        if ctx.correlated:
            return range_q(operated_area_expr(), node)
        return operated_area_in_fast_q(**self._bounds(node))

    def describe(self, node):
        return _("lahan %(r)s") % {"r": self.range_text(node)}

    def value_text(self, node, ctx):
        return _land_text()

    def py(self, node, facts, ctx):
        return self.in_range(operated_area(facts), node)


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
        return concat(text(_("desil ")), Coalesce(int_text(effective_decile()), text("-")))

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
        return [(str(g.pk), str(g)) for g in Group.objects.order_by("name")[:2000]]

    def validate(self, node):
        if node.get("value") in ("", None):
            return [_("%(c)s: pilih kelompoknya.") % {"c": self.label}]
        if not str(node["value"]).isdigit() or not Group.objects.filter(pk=int(node["value"])).exists():
            return [_("Kelompok tidak dikenal: %(v)s.") % {"v": node["value"]}]
        return []

    def q(self, node, ctx):
        members = GroupMembership.objects.filter(left_on__isnull=True, group_id=int(node["value"]))
        if ctx.correlated:
            return Q(Exists(members.filter(person_id=OuterRef("pk"))))
        return Q(pk__in=members.values("person_id"))

    def describe(self, node):
        group = Group.objects.filter(pk=node.get("value")).first() if str(node.get("value")).isdigit() else None
        return _("anggota %(g)s") % {"g": group.name if group else node.get("value")}

    def py(self, node, facts, ctx):
        return any(gid == int(node["value"]) for gid, _kind in facts.group_memberships)


class HouseholdSizeCondition(ConditionType):
    code = "household_size"
    label = gettext_lazy("Jumlah anggota rumah tangga")
    params = Param(minmax=True, lower=1, upper=50)
    unit = "orang"
    from_members = True

    def q(self, node, ctx):
        if ctx.correlated:
            size = Subquery(
                Person.objects.filter(household_id=OuterRef("household_id"), status=rc.PersonStatus.ACTIVE)
                .order_by()
                .values("household_id")
                .annotate(n=Count("id"))
                .values("n")[:1],
                output_field=IntegerField(),
            )
            return range_q(Coalesce(size, Value(0)), node)
        if facts_joined():
            return range_q(household_size(), node)
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


# Conditions on programmes (berdaya.programmes sits below targeting).
class NoAssistanceCondition(ConditionType):
    code = "no_assistance"
    label = gettext_lazy("Belum menerima bantuan jenis ini dalam N bulan terakhir")
    params = Param(value=True, months=True)

    def choices(self):
        return [(v, str(label)) for v, label in pc.AssistanceKind.choices]

    def q(self, node, ctx):
        since = months_ago(ctx.as_of, int(node["months"]))
        received = Assistance.objects.filter(
            kind=node["value"], status__in=list(pc.COMMITTED_STATUSES), date__gte=since, date__lte=ctx.as_of
        )
        if ctx.correlated:
            return ~Q(Exists(received.filter(person_id=OuterRef("pk"))))
        return ~Q(pk__in=received.values("person_id"))

    def describe(self, node):
        kind = dict(pc.AssistanceKind.choices).get(node.get("value"), "?")
        return _("belum menerima %(k)s dalam %(m)s bulan terakhir") % {"k": str(kind).lower(), "m": node.get("months")}

    def py(self, node, facts, ctx):
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
        return [(str(p.pk), p.name) for p in Programme.objects.order_by("-start_date", "name")[:500]]

    def validate(self, node):
        if node.get("value") in ("", None):
            return [_("%(c)s: pilih programnya.") % {"c": self.label}]
        if not str(node["value"]).isdigit() or not Programme.objects.filter(pk=int(node["value"])).exists():
            return [_("Program tidak dikenal: %(v)s.") % {"v": node["value"]}]
        return []

    def q(self, node, ctx):
        enrolled = Enrolment.objects.filter(programme_id=int(node["value"]), status__in=list(pc.OPEN_STATUSES))
        if ctx.correlated:
            return ~Q(Exists(enrolled.filter(person_id=OuterRef("pk"))))
        return ~Q(pk__in=enrolled.values("person_id"))

    def describe(self, node):
        programme = Programme.objects.filter(pk=node.get("value")).first() if str(node.get("value")).isdigit() else None
        return _("tidak terdaftar di %(p)s") % {"p": programme.name if programme else node.get("value")}

    def py(self, node, facts, ctx):
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
    NoAssistanceCondition(),
    NotEnrolledCondition(),
):
    register(_condition)


def condition_choices() -> list[tuple[str, str]]:
    return [(code, str(cond.label)) for code, cond in CONDITIONS.items()]
