"""Target groups are read from the vulnerability flags (registry.vulnerability), not from loose fields."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from berdaya.inclusion.models import DisabilityProfile
from berdaya.migration import choices as mc
from berdaya.migration.models import MigrationEpisode
from berdaya.programmes import choices as c
from berdaya.programmes.selectors import eligibility_q, target_group_q
from berdaya.registry import choices as rc
from berdaya.registry.models import Person
from berdaya.testing import factories as f
from berdaya.testing import programmes as h


def _in_group(code: str) -> set[str]:
    today = timezone.localdate()
    return set(Person.objects.filter(target_group_q(code, today)).values_list("full_name", flat=True))


def _episode(person, officer, stage: str) -> MigrationEpisode:
    return MigrationEpisode.objects.create(
        person=person,
        created_by=officer,
        stage=stage,
        destination=mc.Destination.MALAYSIA,
        channel=mc.Channel.NON_PROCEDURAL,
    )


def test_migrant_workers_and_families_come_from_the_migration_episodes(officer):
    away_hh = f.household()
    _episode(f.person(name="Sedang bekerja", hh=away_hh), officer, mc.Stage.WORKING)
    f.person(name="Istri di rumah", hh=away_hh)
    _episode(f.person(name="Calon", hh=f.household()), officer, mc.Stage.PRE_DEPARTURE)
    _episode(f.person(name="Purna", hh=f.household()), officer, mc.Stage.RETURNED)
    _episode(f.person(name="Batal", hh=f.household()), officer, mc.Stage.CANCELLED)
    # An occupation alone says nothing of an episode: not counted.
    f.person(name="Pekerjaan saja", hh=f.household(), occupation=rc.Occupation.MIGRANT_WORKER)

    assert _in_group(c.TargetGroup.MIGRANT) == {"Sedang bekerja", "Istri di rumah", "Calon", "Purna"}


def test_persons_with_disabilities_by_wgss_or_a_recorded_profile(officer):
    f.person(name="WG-SS", hh=f.household(), wgss_seeing=rc.WGSSAnswer.A_LOT)
    card = f.person(name="Pemegang KPD", hh=f.household(), wgss_seeing=rc.WGSSAnswer.SOME)
    DisabilityProfile.objects.create(
        person=card, disability_type="physical", kpd_number="1502011234567890", recorded_by=officer
    )
    f.person(name="Sedikit kesulitan", hh=f.household(), wgss_walking=rc.WGSSAnswer.SOME)

    assert _in_group(c.TargetGroup.DISABILITY) == {"WG-SS", "Pemegang KPD"}


def test_female_headed_means_the_woman_who_heads_the_household(areas):
    hh = f.household()
    f.person(name="Ibu kepala", hh=hh)
    f.person(name="Anak perempuan", hh=hh, birth_date=dt.date(2005, 1, 1))
    f.person(name="Bapak kepala", hh=f.household(), sex=rc.Sex.MALE)

    assert _in_group(c.TargetGroup.FEMALE_HEADED) == {"Ibu kepala"}


def test_the_other_groups_follow_their_flags(areas):
    today = timezone.localdate()
    f.person(name="Lansia", hh=f.household(), birth_date=today.replace(year=today.year - 70))
    f.person(name="Petani kecil", hh=f.household(land_ha="1.5"), occupation=rc.Occupation.FARMER)
    f.person(name="Pemuda", hh=f.household(), sex=rc.Sex.MALE, birth_date=today.replace(year=today.year - 20))

    assert "Lansia" in _in_group(c.TargetGroup.ELDERLY)
    assert _in_group(c.TargetGroup.SMALLHOLDER) == {"Petani kecil"}
    assert "Pemuda" in _in_group(c.TargetGroup.YOUTH) and "Lansia" not in _in_group(c.TargetGroup.YOUTH)


def test_a_migrant_programme_is_eligible_to_a_returned_worker(officer):
    p = h.programme(officer, kind=c.ProgrammeKind.PROTECTION, target_groups=[c.TargetGroup.MIGRANT])
    returned = f.person(name="Purna", hh=f.household())
    _episode(returned, officer, mc.Stage.RETURNED)
    f.person(name="Bukan migran", hh=f.household())
    eligible = set(Person.objects.filter(eligibility_q(p)).values_list("full_name", flat=True))
    assert eligible == {"Purna"}
