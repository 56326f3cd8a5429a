"""The poverty flag, registered with the registry's vulnerability profile from TargetingConfig.ready(): targeting owns
the welfare deciles (HouseholdWelfare) that decide it.

Poor: the household's effective welfare decile (verified, else official, else local) is at most POOR_MAX_DECILE
(PKH uses deciles 1-4, ../shared/domain.md). An unknown decile is not poor.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from berdaya.core.conf import conf
from berdaya.registry.models import Person
from berdaya.registry.vulnerability import Alternative, Fact, Facts, register

from .models import HouseholdWelfare
from .rules.sql import effective_decile


def poor_q(today: dt.date) -> Q:
    # Unknown is 99, so the condition is never NULL (and NOT stays exact).
    return Q(LessThanOrEqual(Coalesce(effective_decile(), Value(99)), Value(conf().poor_max_decile)))


def _deciles(people: list[Person]) -> dict[int, int | None]:
    welfare = {
        w.household_id: w.effective_decile
        for w in HouseholdWelfare.objects.filter(household_id__in={p.household_id for p in people})
    }
    return {p.pk: welfare.get(p.household_id) for p in people}


DECILE = Fact("decile", _deciles)


def _py(facts: Facts, today: dt.date) -> bool:
    decile = facts[DECILE.name]
    return decile is not None and decile <= conf().poor_max_decile


def _reason(person, today: dt.date) -> str:
    return _("desil kesejahteraan %(d)s") % {"d": person.poor_decile or "-"}


def register_flags() -> None:
    register(
        "poor",
        gettext_lazy("Miskin (desil 1-4)"),
        order=80,
        alternative=Alternative(
            q=poor_q,
            py=_py,
            reason=_reason,
            annotations=lambda: {"poor_decile": effective_decile()},
            facts=(DECILE,),
            owner="targeting",
        ),
    )
