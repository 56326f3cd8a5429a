"""Builders for outcome tests: enrolments and surveys written directly (the services are tested on their own)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from berdaya.outcomes import choices as c
from berdaya.outcomes.models import OutcomeSurvey
from berdaya.programmes import choices as pc
from berdaya.programmes.models import Enrolment


def enrolment(programme, person, actor, *, status: str = pc.EnrolmentStatus.ACTIVE, on: dt.date | None = None):
    ended = status in (pc.EnrolmentStatus.DROPPED_OUT, pc.EnrolmentStatus.REJECTED)
    return Enrolment.objects.create(
        programme=programme,
        person=person,
        status=status,
        enrolled_on=on or dt.date(2025, 1, 10),
        ended_on=dt.date(2025, 3, 1) if ended else None,
        reason="Pindah kerja" if ended else "",
        created_by=actor,
    )


def survey(person, actor, *, programme=None, round: str = c.Round.BASELINE, month: int = 0, **fields: Any):
    values: dict[str, Any] = {
        "interview_date": dt.date(2025, 1, 15),
        "household_size": 4,
        "income_farming": 1_000_000,
        "wellbeing": 5,
    }
    values.update(fields)
    return OutcomeSurvey.objects.create(
        person=person,
        household_id=person.household_id,
        programme=programme,
        round=round,
        round_month=month,
        entered_by=actor,
        **values,
    )
