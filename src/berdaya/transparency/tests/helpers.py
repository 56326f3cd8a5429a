"""A known world for the public page: two programmes in Jangkat (15.02.01), one reaching 12 people of village
15.02.01.2001 with assistance to 3 of them, one reaching 6 with assistance to all 6."""

from __future__ import annotations

from django.utils import timezone

from berdaya.programmes import choices as pc
from berdaya.programmes.models import Assistance
from berdaya.testing.programmes import enrol, people, programme

VILLAGE = "15.02.01.2001"


def public_world(officer) -> dict:
    today = timezone.localdate()
    sewing = programme(officer, name="Pelatihan Menjahit Jangkat", capacity=50, villages=[VILLAGE])
    seeds = programme(officer, name="Bantuan Bibit Kopi", capacity=50, districts=["15.02.01"])
    sewers, growers = people(12, village=VILLAGE), people(6, village=VILLAGE)
    for p in sewers:
        enrol(officer, sewing, p)
    for p in growers:
        enrol(officer, seeds, p)
    for prog, recipients in ((sewing, sewers[:3]), (seeds, growers)):
        for p in recipients:
            Assistance.objects.create(
                programme=prog,
                person=p,
                kind=pc.AssistanceKind.CASH_GRANT,
                amount=500_000,
                date=today,
                status=pc.AssistanceStatus.DISBURSED,
                created_by=officer,
            )
    return {"sewing": sewing, "seeds": seeds, "people": sewers + growers}
