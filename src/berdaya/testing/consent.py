"""Households as partner staff meet them when a member is hidden from them (registry.access.people_visible_to)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from berdaya.accounts.models import User
from berdaya.registry import choices as c
from berdaya.registry import services
from berdaya.testing import factories


def hidden_and_headless(officer: User, organisation_id: int | None, village: str) -> dict[str, dict[str, Any]]:
    """Two households `organisation_id` registered, alike to its staff: a child they see and no head they see. In
    `hidden` the head withdrew consent to sharing with partners; in `headless` the head died."""
    made: dict[str, dict[str, Any]] = {}
    for key in ("hidden", "headless"):
        hh = factories.household(
            village=village, kk_number=factories.kk_number(), registered_by_organisation_id=organisation_id
        )
        head = factories.person(hh=hh, name=f"Kepala {key}", sex=c.Sex.MALE, birth_date=dt.date(1970, 1, 5))
        child = factories.person(
            hh=hh, name=f"Anak {key}", relationship=c.Relationship.CHILD, birth_date=dt.date(2000, 4, 2)
        )
        made[key] = {"hh": hh, "head": head, "child": child}
    on = dt.date.today() - dt.timedelta(days=10)
    services.consent_withdraw(actor=officer, person=made["hidden"]["head"], purpose=c.ConsentPurpose.SHARING, on=on)
    services.person_record_death(actor=officer, person=made["headless"]["head"], date=on)
    return made
