"""Demo data for disability inclusion over the existing people at the WG-SS cut-off: type, KPD, needs, devices."""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from berdaya.accounts.models import User
from berdaya.core.audit import set_history_user
from berdaya.inclusion import choices as c
from berdaya.inclusion.models import AssistiveDevice, DisabilityProfile
from berdaya.registry import choices as rc
from berdaya.registry.flags import wgss_disability_q
from berdaya.registry.models import Person

# Which device and need follow from which WG-SS domain.
DEVICE_BY_DOMAIN = {
    "wgss_walking": [c.Device.WHEELCHAIR, c.Device.CRUTCHES, c.Device.PROSTHESIS],
    "wgss_seeing": [c.Device.GLASSES, c.Device.WHITE_CANE],
    "wgss_hearing": [c.Device.HEARING_AID],
}
TYPE_BY_DOMAIN = {
    "wgss_walking": c.DisabilityType.PHYSICAL,
    "wgss_selfcare": c.DisabilityType.PHYSICAL,
    "wgss_seeing": c.DisabilityType.SENSORY,
    "wgss_hearing": c.DisabilityType.SENSORY,
    "wgss_communicating": c.DisabilityType.SENSORY,
    "wgss_remembering": c.DisabilityType.INTELLECTUAL,
}


@dataclass
class InclusionDemoResult:
    profiles: int
    devices: int


@transaction.atomic
def inclusion_demo(*, seed: int, actor: User, limit: int = 80) -> InclusionDemoResult:
    rng = random.Random(seed)
    today = timezone.localdate()
    people = list(
        Person.objects.living()
        .filter(wgss_disability_q(today), disability_profile__isnull=True)
        .order_by("id")[: limit * 2]
    )
    rng.shuffle(people)
    profiles = devices = 0
    for person in people[:limit]:
        domains = [field for field, _label in rc.WGSS_DOMAINS if (getattr(person, field) or 0) >= rc.WGSSAnswer.A_LOT]
        types = {TYPE_BY_DOMAIN[d] for d in domains}
        kind = types.pop() if len(types) == 1 else c.DisabilityType.MULTIPLE
        if kind == c.DisabilityType.INTELLECTUAL and rng.random() < 0.3:
            kind = c.DisabilityType.MENTAL
        profile = DisabilityProfile(
            person=person,
            disability_type=kind,
            # About a third hold a disability card (the KPD is still rolling out).
            kpd_number=f"1502{person.pk:012d}" if rng.random() < 0.35 else "",
            need_accessible_venue="wgss_walking" in domains,
            need_sign_language="wgss_hearing" in domains and person.wgss_hearing == rc.WGSSAnswer.CANNOT,
            need_large_print="wgss_seeing" in domains,
            need_easy_read="wgss_remembering" in domains,
            need_companion="wgss_selfcare" in domains or rng.random() < 0.15,
            recorded_by=actor,
        )
        set_history_user(profile, actor)
        profile.full_clean()
        profile.save()
        profiles += 1
        for domain in domains:
            if domain not in DEVICE_BY_DOMAIN:
                continue
            device = rng.choice(DEVICE_BY_DOMAIN[domain])
            record = AssistiveDevice(
                person=person,
                device=device,
                needed_since=today.replace(year=today.year - 1),
                recorded_by=actor,
            )
            if rng.random() < 0.4:
                record.status = c.DeviceStatus.RECEIVED
                record.received_on = today.replace(day=1)
                record.source = rng.choice(["Dinas Sosial Kabupaten Merangin", "Baznas Merangin", "Swadaya keluarga"])
            set_history_user(record, actor)
            record.full_clean()
            record.save()
            devices += 1
    return InclusionDemoResult(profiles=profiles, devices=devices)
