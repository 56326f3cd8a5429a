"""Demo data-subject requests (UU 27/2022) for the data-protection pages (run after `berdaya demo`): three requests
in three states, each on its 3×24-hour clock:

- a copy of one's data, asked in person yesterday and handed over (done, within the clock);
- a correction of a birth date brought by a facilitator this morning, in progress;
- an objection to the automated welfare score, by letter four days ago, not yet picked up (past the clock).

None is an erasure or a consent withdrawal: carrying those out changes the registry, which the demo leaves to the
user trying the pages. Every write goes through berdaya.privacy.services; one `random.Random(seed)` picks the people.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from berdaya.demo.grievances import demo_officer
from berdaya.privacy import choices as c
from berdaya.privacy import services
from berdaya.privacy.models import DataRequest
from berdaya.registry.models import Person


class DemoPrivacyError(Exception):
    """A prerequisite is missing (no officer, no people)."""


@dataclass
class Result:
    requests: int = 0
    by_status: Counter = field(default_factory=Counter)
    overdue: int = 0


@transaction.atomic
def demo_privacy(*, seed: int, now: dt.datetime | None = None) -> Result:
    rng = random.Random(seed)
    now = now or timezone.now()
    officer = demo_officer()
    if officer is None:
        raise DemoPrivacyError("Belum ada pengguna petugas/admin. Jalankan dulu: berdaya demo")
    ids = list(
        Person.objects.filter(status="active", household__status="active", birth_date__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    if len(ids) < 3:
        raise DemoPrivacyError("Belum ada penduduk. Jalankan dulu: berdaya demo")
    access_id, correction_id, objection_id = rng.sample(ids, k=3)

    def hours_ago(h: float) -> dt.datetime:
        return now - dt.timedelta(hours=h)

    request = services.request_record(
        actor=officer,
        person_id=access_id,
        data={
            "kind": c.RequestKind.ACCESS,
            "channel": c.Channel.IN_PERSON,
            "received_at": hours_ago(26),
            "notes": "Meminta salinan data rumah tangga dan riwayat bantuan untuk melengkapi berkas pinjaman KUR.",
        },
    )
    services.request_update(
        actor=officer,
        request=request,
        data={
            "status": c.RequestStatus.DONE,
            "outcome": (
                "Salinan data rumah tangga, anggota keluarga dan riwayat bantuan dicetak dan diserahkan langsung; "
                "pemohon menandatangani tanda terima."
            ),
        },
    )
    correction = Person.objects.get(pk=correction_id)
    request = services.request_record(
        actor=officer,
        person_id=correction_id,
        data={
            "kind": c.RequestKind.CORRECTION,
            "channel": c.Channel.FACILITATOR,
            "received_at": hours_ago(5),
            "notes": (
                f"Tahun lahir di registri {correction.birth_date.year}, di KTP berbeda. Pendamping mengirim foto "
                "KTP; menunggu pemeriksaan ke Dukcapil sebelum data dibetulkan."
            ),
        },
    )
    services.request_update(actor=officer, request=request, data={"status": c.RequestStatus.IN_PROGRESS})
    services.request_record(
        actor=officer,
        person_id=objection_id,
        data={
            "kind": c.RequestKind.OBJECTION,
            "channel": c.Channel.LETTER,
            "received_at": hours_ago(4 * 24 + 3),
            "notes": (
                "Surat keberatan karena tidak masuk daftar calon penerima; meminta penjelasan bagaimana skor "
                "kesejahteraan dihitung dan pemeriksaan ulang oleh petugas."
            ),
        },
    )
    rows = DataRequest.objects.all()
    result = Result(requests=rows.count(), by_status=Counter(rows.values_list("status", flat=True)))
    result.overdue = rows.filter(status__in=c.OPEN_STATUSES, due_at__lt=timezone.now()).count()
    return result


def demo_has_run() -> bool:
    return DataRequest.objects.exists()
