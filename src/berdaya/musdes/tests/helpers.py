"""A small known world for the village consultation: a run over 8 farmers in village 15.02.01.2001 (and 4 in
another village), everyone in decile order, so the selected list is predictable."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from berdaya.areas.models import Village
from berdaya.registry import choices as rc
from berdaya.targeting import services as tservices
from berdaya.targeting.models import HouseholdWelfare
from berdaya.testing import factories as f

from .. import services
from ..models import Meeting

VILLAGE = "15.02.01.2001"
OTHER = "15.02.01.2002"
POOR_FARMERS = {"op": "and", "items": [{"type": "flag", "value": "smallholder"}, {"type": "decile", "max": 4}]}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def farmers() -> dict[str, list]:
    """8 farmers in VILLAGE (deciles 1..8: the first four are poor), 4 in OTHER (deciles 1..4)."""
    people: dict[str, list] = {VILLAGE: [], OTHER: []}
    for village, n in ((VILLAGE, 8), (OTHER, 4)):
        for i in range(n):
            hh = f.household(
                village=village,
                land_ha="0.8",
                address=f"Dusun Sungai Tebal {i}",
                rt="001",
                rw="002",
                kk_number=f.kk_number(),
            )
            HouseholdWelfare.objects.create(household=hh, local_decile=i + 1)
            people[village].append(
                f.person(
                    hh=hh,
                    name=f"Petani {village[-4:]}-{i}",
                    sex=rc.Sex.FEMALE if i % 2 else rc.Sex.MALE,
                    birth_date=dt.date(1970 + i, 1, 1),
                    occupation="farmer",
                )
            )
    return people


def run_for(officer):
    version = tservices.ruleset_save(actor=officer, name="Bantuan petani miskin", rules_tree=POOR_FARMERS)
    run = tservices.run_create(actor=officer, ruleset=version.ruleset)
    tservices.run_execute(run=run)
    run.refresh_from_db()
    return run


def meeting_for(officer, run, village: str = VILLAGE) -> Meeting:
    return services.meeting_plan(
        actor=officer,
        run=run,
        village=Village.objects.get(pk=village),
        date=dt.date(2026, 3, 10),
        place="Balai Desa",
        minutes_number="BA/03/2026",
    )


def held(officer, meeting: Meeting) -> Meeting:
    """Record attendance and the minutes: the meeting can then be applied."""
    services.meeting_record(
        actor=officer,
        meeting=meeting,
        date=meeting.date,
        place=meeting.place,
        men=20,
        women=18,
        men_disability=2,
        women_disability=1,
        objection_until=meeting.date + dt.timedelta(days=7),
        minutes_number="BA/03/2026",
    )
    services.meeting_add_minutes(
        actor=officer, meeting=meeting, upload=SimpleUploadedFile("ba.pdf", PDF, "application/pdf"), title="BA"
    )
    return meeting
