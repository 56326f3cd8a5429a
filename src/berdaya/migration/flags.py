"""The migrant-worker flags (UU 18/2017: before, during and after work, and the families left behind), registered
with the registry's vulnerability profile from MigrationConfig.ready(): the migration episodes decide them. Exists
subqueries keep every flag one SQL condition; the reasons come from selectors.flag_reasons, for the flagged people
only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy

from berdaya.registry.models import Person
from berdaya.registry.vulnerability import Alternative, Fact, Facts, register

from . import choices as c
from .models import MigrationEpisode
from .selectors import flag_reasons


def migrant_prospective_q(today: dt.date) -> Q:
    return Q(Exists(MigrationEpisode.objects.filter(person=OuterRef("pk"), stage__in=c.PROSPECTIVE_STAGES)))


def migrant_current_q(today: dt.date) -> Q:
    return Q(Exists(MigrationEpisode.objects.filter(person=OuterRef("pk"), stage=c.Stage.WORKING)))


def migrant_returned_q(today: dt.date) -> Q:
    # Back home and not away again: a returnee who left again is a current migrant worker, not a returned one.
    returned = Q(Exists(MigrationEpisode.objects.filter(person=OuterRef("pk"), stage=c.Stage.RETURNED)))
    return returned & ~migrant_current_q(today)


def migrant_family_q(today: dt.date) -> Q:
    working_elsewhere = MigrationEpisode.objects.filter(
        person__household=OuterRef("household"), stage=c.Stage.WORKING
    ).exclude(person=OuterRef("pk"))
    return Q(Exists(working_elsewhere))


# --- Python -----------------------------------------------------------------------------------------------------------


def _household_episodes(people: list[Person]) -> dict[int, list[tuple[int, str]]]:
    """For each person, the (person id, stage) of every episode of their household's members (their own included)."""
    households = {p.household_id for p in people}
    by_household: dict[int, list[tuple[int, str]]] = {}
    for person_id, household_id, stage in MigrationEpisode.objects.filter(
        person__household_id__in=households
    ).values_list("person_id", "person__household_id", "stage"):
        by_household.setdefault(household_id, []).append((person_id, stage))
    return {p.pk: by_household.get(p.household_id, []) for p in people}


EPISODES = Fact("migration_episodes", _household_episodes, default=())


def _own(facts: Facts) -> list[str]:
    return [stage for person_id, stage in facts[EPISODES.name] if person_id == facts.person.pk]


def _prospective(facts: Facts, today: dt.date) -> bool:
    return any(stage in c.PROSPECTIVE_STAGES for stage in _own(facts))


def _current(facts: Facts, today: dt.date) -> bool:
    return c.Stage.WORKING in _own(facts)


def _returned(facts: Facts, today: dt.date) -> bool:
    return c.Stage.RETURNED in _own(facts) and not _current(facts, today)


def _family(facts: Facts, today: dt.date) -> bool:
    return any(pid != facts.person.pk and stage == c.Stage.WORKING for pid, stage in facts[EPISODES.name])


def _reasons(code: str) -> Callable[[list[int], dt.date], dict[int, str]]:
    def reasons(person_ids: list[int], today: dt.date) -> dict[int, str]:
        return flag_reasons(code, person_ids, today)

    return reasons


def register_flags() -> None:
    for code, label, order, q, py in (
        ("migrant_prospective", gettext_lazy("Calon pekerja migran"), 90, migrant_prospective_q, _prospective),
        ("migrant_current", gettext_lazy("Pekerja migran"), 100, migrant_current_q, _current),
        ("migrant_returned", gettext_lazy("Purna pekerja migran"), 110, migrant_returned_q, _returned),
        ("migrant_family", gettext_lazy("Keluarga pekerja migran"), 120, migrant_family_q, _family),
    ):
        register(
            code,
            label,
            order=order,
            group="migrant",
            alternative=Alternative(q=q, py=py, reasons=_reasons(code), facts=(EPISODES,), owner="migration"),
            # The family flag is another member's migration (its reason names them and where they work).
            from_members=code == "migrant_family",
        )
