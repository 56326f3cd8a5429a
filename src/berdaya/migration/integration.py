"""The boundary with berdaya.programmes: reintegration matching and what a returned worker received.

Migration sits above programmes in the layers and imports it directly; everything it uses of programmes goes
through here, so when programmes changes its selectors, this is the one file to adjust.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from berdaya.accounts.models import User
from berdaya.programmes.selectors import person_programmes, suggestions_for_person

# Programme kinds that help a returned worker re-establish a livelihood (UU 18/2017: reintegration, entrepreneurship
# training and access to capital), ranked first among the suggestions.
REINTEGRATION_KINDS = ("protection", "capital", "skills_training", "market_access")


@dataclass
class Reintegration:
    suggestions: list = field(default_factory=list)
    enrolments: list = field(default_factory=list)
    assistance: list = field(default_factory=list)


def reintegration_for(*, actor: User, person, since: dt.date | None = None) -> Reintegration:
    """Reintegration programmes suggested for a returned worker (the programmes matching, reused as is, keeping the
    reintegration kinds and programmes aimed at migrant workers) and the enrolments and assistance received since
    `since` (the return date)."""
    suggestions = [
        s
        for s in suggestions_for_person(actor=actor, person=person, limit=50)
        if s.programme.kind in REINTEGRATION_KINDS or "migrant" in (s.programme.target_groups or [])
    ]
    summary = person_programmes(actor=actor, person=person)

    def after(day) -> bool:
        return since is None or day is None or day >= since

    # created_at is stored in UTC: compare the local day, the one people see on the page.
    enrolments = [e for e in summary.enrolments if after(timezone.localdate(e.created_at))]
    assistance = [a for a in summary.assistance if after(a.date)]
    return Reintegration(suggestions=suggestions[:10], enrolments=enrolments, assistance=assistance)
