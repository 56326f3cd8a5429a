"""The programmes section of the registry's person and household pages (registered from apps.ProgrammesConfig)."""

from __future__ import annotations

from berdaya.accounts.models import User
from berdaya.registry.panels import HOUSEHOLD, PERSON, register_panel

from .selectors import household_programmes, person_programmes

TEMPLATE = "programmes/_person_programmes.html"


def _person(*, actor: User, obj) -> dict:
    return {"programmes": person_programmes(actor=actor, person=obj)}


def _household(*, actor: User, obj) -> dict:
    return {"programmes": household_programmes(actor=actor, household=obj)}


def register() -> None:
    register_panel(PERSON, "programmes", template=TEMPLATE, order=40, context=_person)
    register_panel(HOUSEHOLD, "programmes", template=TEMPLATE, order=40, context=_household)
