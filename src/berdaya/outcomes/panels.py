"""Outcome sections of the registry's pages (registered from apps.OutcomesConfig): a person's surveys, and on the
home page the follow-ups due this month for the signed-in facilitator."""

from __future__ import annotations

from berdaya.accounts.models import User
from berdaya.core.access import capabilities
from berdaya.core.compiled import CompiledQuery
from berdaya.registry.access import regency_wide_reader, sees_every_person
from berdaya.registry.panels import HOME, PERSON, register_panel

from . import access, selectors

# A regency-wide role's surveys of a person: the same SQL whoever of them asks, compiled once (core.compiled).
_SURVEYS_REGENCY_WIDE = CompiledQuery(
    lambda person: selectors.person_surveys(actor=regency_wide_reader(), person=person)[:20], person=int
)


def _person(*, actor: User, obj) -> dict:
    if sees_every_person(actor):
        surveys = _SURVEYS_REGENCY_WIDE(person=obj.pk)
    else:
        surveys = list(selectors.person_surveys(actor=actor, person=obj)[:20])
    return {
        "outcome_surveys": surveys,
        "outcome_can_record": access.can_record(actor),
    }


def _home(*, actor: User, obj) -> dict:
    if not capabilities(actor).village_scoped:
        return {"outcome_due": None}
    return {"outcome_due": selectors.followups_due(actor=actor)}


def register() -> None:
    register_panel(PERSON, "outcomes", template="outcomes/_person_panel.html", order=45, context=_person)
    register_panel(HOME, "outcomes", template="outcomes/_home_panel.html", order=60, context=_home)
