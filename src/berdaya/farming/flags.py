"""The smallholder flags (petani kecil, petani gurem), registered with the registry's vulnerability profile from
FarmingConfig.ready(): farming owns the plots that decide them.

The rule (../shared/domain.md): a person who farms (farmer or farm labourer) in a household that operates more than
0 ha and at most SMALLHOLDER_MAX_HA (gurem: under GUREM_MAX_HA). The land a household operates is the total area of
its members' active plots when it has any, else the land it declared (Household.land_operated_ha): written once here,
in SQL (`operated_area_expr`, and `operated_area_in_fast_q` for a scan of a million people) and in Python
(`operated_area`). Targeting's land condition and its "less land first" priority read the same definition; the
property tests in berdaya.targeting hold the forms against each other with plots of every kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.db.models import Case, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan, LessThan, LessThanOrEqual
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from berdaya.core.conf import conf
from berdaya.registry import choices as rc
from berdaya.registry.models import Person
from berdaya.registry.vulnerability import Alternative, Fact, Facts, register

from .models import Plot

AREA: DecimalField[Decimal, Decimal] = DecimalField(max_digits=12, decimal_places=3)


def _limit(code: str) -> Decimal:
    return conf().smallholder_max_ha if code == "smallholder" else conf().gurem_max_ha


# The comparison with the limit: "at most" for smallholders, "under" for gurem.
UPPER = {"smallholder": "lte", "gurem": "lt"}


def _within(code: str, area: Decimal) -> bool:
    return area <= _limit(code) if code == "smallholder" else area < _limit(code)


# --- SQL --------------------------------------------------------------------------------------------------------------


def operated_area_expr() -> Coalesce:
    """The land a person's household operates, in ha: the total area of its members' active plots when it has any,
    else the household's declared land_operated_ha. One SQL expression (a correlated Subquery inside Coalesce), so
    the flags stay set-based."""
    plots = (
        Plot.objects.filter(farmer__household=OuterRef("household"), is_active=True)
        .order_by()
        .values("farmer__household")
        .annotate(total=Sum("area_ha"))
        .values("total")[:1]
    )
    return Coalesce(Subquery(plots, output_field=AREA), F("household__land_operated_ha"), output_field=AREA)


def operated_area_fast_expr():
    """operated_area_expr for a scan of many people: the plots are summed (correlated) only for the households that
    have active plots, found with one uncorrelated IN (hashed once per query); the others read the declared land."""
    with_plots = Plot.objects.filter(is_active=True).values("farmer__household")
    return Case(
        When(Q(household_id__in=with_plots), then=operated_area_expr()),
        default=F("household__land_operated_ha"),
        output_field=AREA,
    )


def operated_area_q(code: str) -> Q:
    area = operated_area_expr()
    upper = LessThanOrEqual if code == "smallholder" else LessThan
    return (
        Q(occupation__in=rc.FARMING_OCCUPATIONS)
        & Q(GreaterThan(area, Value(Decimal(0))))
        & Q(upper(area, Value(_limit(code))))
    )


def operated_area_in_fast_q(**lookups: Decimal) -> Q:
    """People whose household's operated area meets every lookup ("gt", "gte", "lt", "lte": a bound), as
    operated_area_expr would compute it, written with uncorrelated IN subqueries over the plots (hashed once per
    query) instead of a correlated SUM per person: what a scan of a million people uses. Two-valued (no NULL), so
    NOT of it is exact. Targeting's land condition uses it too."""
    sums = Plot.objects.filter(is_active=True).order_by().values("farmer__household").annotate(total=Sum("area_ha"))
    in_range = sums.filter(**{f"total__{op}": bound for op, bound in lookups.items()}).values("farmer__household")
    declared = Q(**{f"household__land_operated_ha__{op}": bound for op, bound in lookups.items()})
    return Q(household_id__in=in_range) | (~Q(household_id__in=sums.values("farmer__household")) & declared)


def operated_area_fast_q(code: str) -> Q:
    """The same people as operated_area_q, in the set-based form (operated_area_in_fast_q)."""
    area = operated_area_in_fast_q(gt=Decimal(0), **{UPPER[code]: _limit(code)})
    return Q(occupation__in=rc.FARMING_OCCUPATIONS) & area


# --- Python -----------------------------------------------------------------------------------------------------------


def _plot_area(people: list[Person]) -> dict[int, Decimal]:
    """Each person's household's total area of active plots (people whose household has none are left out)."""
    households = {p.household_id for p in people}
    totals: dict[int, Decimal] = {}
    for household_id, area, active in Plot.objects.filter(farmer__household_id__in=households).values_list(
        "farmer__household_id", "area_ha", "is_active"
    ):
        if active:
            totals[household_id] = totals.get(household_id, Decimal(0)) + area
    return {p.pk: totals[p.household_id] for p in people if p.household_id in totals}


PLOT_AREA = Fact("plot_area", _plot_area)


def operated_area(facts: Facts) -> Decimal:
    plots = facts[PLOT_AREA.name]
    return Decimal(facts.household.land_operated_ha) if plots is None else plots


def _py(code: str) -> Callable[[Facts, dt.date], bool]:
    def py(facts: Facts, today: dt.date) -> bool:
        area = operated_area(facts)
        return facts.person.occupation in rc.FARMING_OCCUPATIONS and area > 0 and _within(code, area)

    return py


def _q(code: str, *, fast: bool = False) -> Callable[[dt.date], Q]:
    def q(today: dt.date) -> Q:
        return operated_area_fast_q(code) if fast else operated_area_q(code)

    return q


def _reason(code: str) -> Callable[[Person, dt.date], str]:
    def reason(person, today: dt.date) -> str:
        return _("lahan %(ha)s ha %(sign)s %(max)s ha") % {
            "ha": number_format(person.operated_ha, 2),
            "sign": "≤" if code == "smallholder" else "<",
            "max": number_format(_limit(code), 1),
        }

    return reason


def register_flags() -> None:
    for code, label, order in (
        ("smallholder", gettext_lazy("Petani kecil"), 50),
        ("gurem", gettext_lazy("Petani gurem"), 60),
    ):
        register(
            code,
            label,
            order=order,
            alternative=Alternative(
                q=_q(code),
                fast_q=_q(code, fast=True),
                py=_py(code),
                reason=_reason(code),
                annotations=lambda: {"operated_ha": operated_area_expr()},
                facts=(PLOT_AREA,),
                owner="farming",
            ),
        )
