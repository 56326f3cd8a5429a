"""Inclusion's part of the disability flag, contributed from InclusionConfig.ready(): a recorded disability profile.

A disability card (KPD) is an official finding of disability even when WG-SS was not asked, and a profile is only
recorded for a person at the WG-SS cut-off or holding a KPD (services.disability_profile_save). So a person with a
disability, everywhere (lists, dashboard, coverage gaps, target groups, targeting and its quotas), is one at the
WG-SS cut-off (berdaya.registry.flags) or with a recorded profile.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext as _

from berdaya.registry.models import Person
from berdaya.registry.vulnerability import Alternative, Fact, Facts, contribute

from . import choices as c
from .models import DisabilityProfile


def recorded_profile_q(today: dt.date) -> Q:
    return Q(Exists(DisabilityProfile.objects.filter(person=OuterRef("pk"))))


def recorded_profile_fast_q(today: dt.date) -> Q:
    return Q(pk__in=DisabilityProfile.objects.values("person_id"))


def _profile_types(people: list[Person]) -> dict[int, str]:
    return dict(
        DisabilityProfile.objects.filter(person__in=[p.pk for p in people]).values_list("person_id", "disability_type")
    )


PROFILE_TYPE = Fact("disability_profile_type", _profile_types)


def _py(facts: Facts, today: dt.date) -> bool:
    return facts[PROFILE_TYPE.name] is not None


def _reason(person, today: dt.date) -> str:
    kind = person.recorded_disability_type
    if not kind:
        return ""
    return _("data disabilitas: %(type)s") % {"type": str(c.DisabilityType(kind).label).lower()}


def register_flags() -> None:
    contribute(
        "disability",
        Alternative(
            q=recorded_profile_q,
            fast_q=recorded_profile_fast_q,
            py=_py,
            reason=_reason,
            annotations=lambda: {"recorded_disability_type": F("disability_profile__disability_type")},
            facts=(PROFILE_TYPE,),
            owner="inclusion",
        ),
    )
