"""The one rule of what a withdrawn consent stops (UU 27/2022 art. 40-41): the person is left out of everything that
serves the purpose withdrawn.

A withdrawal is a ConsentRecord of a purpose kind (`c.ConsentPurpose`) with `withdrawn_at` set, on or before today.
It holds until the person consents again to that purpose (a record of the same kind given after the withdrawal and
not itself withdrawn). A withdrawal of ALL covers every purpose.

Every place that serves a purpose excludes with this rule, so the rule is written once:
- targeting candidate lists (TARGETING): `targeting.services` leaves them out of a run;
- bulletins and messages (MESSAGES): `markets.services.active_subscribers`;
- partners, SIKS-NG proposals and SPDCI answers (SHARING): `registry.access.people_visible_to` for partner staff
  (and through it the members of a household they see: `registry.selectors.household_members`), `musdes` proposal
  rows, `dci` search answers and the members of a household record (`dci.services.members_for`);
- research extracts (RESEARCH): no such extract exists yet; the purpose is recorded so that one built later asks it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from . import choices as c
from .models import ConsentRecord


def _kinds(purpose: str) -> list[str]:
    if purpose not in c.ConsentPurpose.values or purpose in ("", c.ConsentPurpose.ALL):
        raise ValueError(f"unknown consent purpose {purpose!r}")
    return [purpose, c.ConsentPurpose.ALL]


def withdrawn_people(purpose: str, *, today: dt.date | None = None) -> QuerySet[ConsentRecord, Any]:
    """The ids (`person_id` values) of people whose consent for `purpose` stands withdrawn today."""
    today = today or timezone.localdate()
    kinds = _kinds(purpose)
    renewed = ConsentRecord.objects.filter(
        person_id=OuterRef("person_id"),
        purpose_kind__in=kinds,
        withdrawn_at__isnull=True,
        given_at__gt=OuterRef("withdrawn_at"),
        given_at__lte=today,
    )
    return (
        ConsentRecord.objects.filter(purpose_kind__in=kinds, withdrawn_at__isnull=False, withdrawn_at__lte=today)
        .filter(~Exists(renewed))
        .values("person_id")
    )


# The subquery of excluded_for per (purpose, day): building it (a correlated NOT EXISTS) cost about 1.4 ms of CPU,
# on every partner's page and SPDCI search. Only ever used inside a condition, which Django resolves on a copy of
# its query, so the stored queryset is never run nor changed; a new day makes a new one.
_WITHDRAWN: dict[tuple[str, dt.date], QuerySet[ConsentRecord, Any]] = {}


def excluded_for(purpose: str, path: str = "pk", *, today: dt.date | None = None) -> Q:
    """Q matching the rows whose person (reached by `path`: "pk" on Person, "person" on a row pointing at one)
    withdrew consent for `purpose`. Use it with `.exclude(...)`."""
    today = today or timezone.localdate()
    key = (purpose, today)
    withdrawn = _WITHDRAWN.get(key)
    if withdrawn is None:
        if len(_WITHDRAWN) > 16:
            _WITHDRAWN.clear()
        withdrawn = _WITHDRAWN[key] = withdrawn_people(purpose, today=today)
    return Q(**{f"{path}__in": withdrawn})


def is_withdrawn(person_id: int, purpose: str, *, today: dt.date | None = None) -> bool:
    return withdrawn_people(purpose, today=today).filter(person_id=person_id).exists()
