"""Demo village consultations (musdes) of the targeting list left in review (run after `berdaya demo_targeting`).

- one meeting held eight days ago in the village with the most people on the list: the officer planned it,
  recorded attendance (by sex and disability) and the decisions (one person removed, one resident added, one kept),
  uploaded the signed minutes and applied it, so the run's final list for that village is the meeting's (review log
  source "musdes:<id>");
- one meeting planned for next week, for the notice board: by the demo facilitator in one of her villages when the
  list reaches them (so that she sees a meeting too), else by the officer in the next village of the list.

Every write goes through berdaya.musdes.services. One `random.Random(seed)` picks the people, the attendance and the
reasons; dates are relative to today.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from berdaya.accounts.models import User
from berdaya.areas.models import Village
from berdaya.demo.grievances import demo_facilitator, demo_officer
from berdaya.demo.partners import DEMO_PDF
from berdaya.musdes import access, services
from berdaya.musdes import choices as c
from berdaya.musdes.models import Meeting
from berdaya.registry.models import Person
from berdaya.targeting import selectors as tsel
from berdaya.targeting.models import TargetingRun

REMOVAL_REASONS = [
    "Peserta musyawarah menyatakan yang bersangkutan sudah pindah ke Kabupaten Sarolangun sejak awal tahun.",
    "Sudah menerima pelatihan pembukuan yang sama dari BUMDes tahun ini; kuota diberikan ke warga lain.",
    "Lahan yang digarap ternyata kebun sawit milik sendiri sekitar 4 ha (keterangan kepala dusun).",
]
ADDITION_REASONS = [
    "Janda petani kopi dengan lahan 0,5 ha dan tiga anak sekolah; belum terdata sebagai petani saat pendataan.",
    "Petani karet penggarap (bagi hasil) tanpa lahan sendiri; diusulkan ketua RT dan disepakati peserta.",
]


class DemoMusdesError(Exception):
    """A prerequisite is missing (no officer)."""


@dataclass
class Result:
    meetings: int = 0
    applied: int = 0
    removed: int = 0
    added: int = 0
    agreed: int = 0
    village: str = ""


def _villages_by_list(run: TargetingRun) -> list[str]:
    """The villages of the run's final list, the most people first."""
    rows = (
        tsel.final_candidates(run)
        .values("village_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "village_id")
        .values_list("village_id", flat=True)
    )
    return list(rows)


@transaction.atomic
def demo_musdes(*, seed: int, today: dt.date | None = None) -> Result:
    rng = random.Random(seed)
    today = today or timezone.localdate()
    officer = demo_officer()
    if officer is None:
        raise DemoMusdesError("Belum ada pengguna petugas/admin. Jalankan dulu: berdaya demo")
    result = Result()
    run = access.runs_for_meetings(officer).order_by("pk").first()
    if run is None:
        return result
    villages = _villages_by_list(run)
    if not villages:
        return result
    # Held where the list is longest (a removal, an addition and agreements to show); the next one planned by the
    # demo facilitator in her village when the list reaches one, so that she sees a meeting too.
    held_code = villages[0]
    facilitator = demo_facilitator()
    own = set(access.villages_to_prepare(facilitator).values_list("pk", flat=True)) if facilitator else set()
    planned_code = next((v for v in villages[1:] if v in own), None)
    planner: User = officer
    if planned_code is not None and facilitator is not None:
        planner = facilitator
    else:
        planned_code = villages[1] if len(villages) > 1 else None
    held_village = Village.objects.get(pk=held_code)

    # The meeting held: planned, recorded, decided, minutes uploaded, applied by the officer.
    date = today - dt.timedelta(days=8)
    number = f"140/{rng.randint(10, 99)}/BA-Musdes/{date.year}"
    meeting = services.meeting_plan(
        actor=officer, run=run, village=held_village, date=date, place=f"Balai Desa {held_village.name}"
    )
    men, women = rng.randint(18, 32), rng.randint(14, 28)
    services.meeting_record(
        actor=officer,
        meeting=meeting,
        date=date,
        place=meeting.place,
        men=men,
        women=women,
        men_disability=rng.randint(0, 2),
        women_disability=rng.randint(1, 2),
        objection_until=date + dt.timedelta(days=7),
        minutes_number=number,
    )
    listed = list(
        tsel.final_candidates(run)
        .filter(village_id=held_code)
        .select_related("person__household")
        .order_by("rank", "pk")
    )
    if len(listed) >= 2:
        removed, kept = rng.sample(listed, k=2)
        services.decision_set(
            actor=officer,
            meeting=meeting,
            person=removed.person,
            decision=c.Decision.REMOVED,
            reason=rng.choice(REMOVAL_REASONS),
        )
        services.decision_set(actor=officer, meeting=meeting, person=kept.person, decision=c.Decision.AGREED)
    on_list = tsel.final_candidates(run).values("person_id")
    residents = list(
        Person.objects.filter(household__village_id=held_code, status="active", household__status="active")
        .exclude(pk__in=on_list)
        .order_by("pk")
        .values_list("pk", flat=True)[:200]
    )
    if residents:
        services.decision_set(
            actor=officer,
            meeting=meeting,
            person=Person.objects.select_related("household").get(pk=rng.choice(residents)),
            decision=c.Decision.ADDED,
            reason=rng.choice(ADDITION_REASONS),
        )
    services.meeting_add_minutes(
        actor=officer,
        meeting=meeting,
        upload=SimpleUploadedFile("berita-acara-musdes.pdf", DEMO_PDF, content_type="application/pdf"),
        title=f"Berita acara musyawarah desa {held_village.name} No. {number}",
    )
    counts = services.meeting_apply(actor=officer, meeting=meeting)
    result.meetings, result.applied, result.village = 1, 1, held_village.name
    result.removed, result.added, result.agreed = counts["removed"], counts["added"], counts["agreed"]

    # The next meeting, planned for next week.
    if planned_code is not None:
        village = Village.objects.get(pk=planned_code)
        services.meeting_plan(
            actor=planner,
            run=run,
            village=village,
            date=today + dt.timedelta(days=6),
            place=f"Kantor Desa {village.name}",
        )
        result.meetings += 1
    return result


def demo_has_run() -> bool:
    return Meeting.objects.exists()
