"""`berdaya demo_migration`: migrant workers in every stage, open and closed rights cases, case workers, and the
details of persons with disabilities; idempotent with --if-empty."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command

from berdaya.inclusion.models import AssistiveDevice, DisabilityProfile
from berdaya.migration import choices as c
from berdaya.migration.models import CaseWorker, MigrationEpisode, RightsCase
from berdaya.testing import factories


def test_the_demo_command_fills_every_stage(areas):
    hh_villages = ["15.02.01.2001", "15.02.01.2002", "15.02.02.1010", "15.02.02.2004"]
    for i in range(160):
        factories.person(
            name=f"Warga {i}",
            hh=factories.household(village=hh_villages[i % 4]),
            birth_date=dt.date(1990 + i % 15, 1 + i % 12, 1 + i % 27),
            wgss_walking=4 if i % 10 == 0 else None,
            wgss_hearing=4 if i % 15 == 0 else None,
        )
    factories.user("admin")
    call_command("demo_migration", seed=3, episodes=100)
    stages = set(MigrationEpisode.objects.values_list("stage", flat=True))
    assert stages == {s.value for s in c.Stage}
    destinations = set(MigrationEpisode.objects.values_list("destination", flat=True))
    assert {"MY", "TW", "HK", "SA"} <= destinations and destinations & {"ID-RI", "ID-KR"}
    assert RightsCase.objects.filter(stage__in=c.OPEN_CASE_STAGES).exists()
    assert RightsCase.objects.filter(stage="closed").exists()
    assert CaseWorker.objects.filter(is_supervisor=True).exists()
    assert DisabilityProfile.objects.exists() and AssistiveDevice.objects.exists()
    before = MigrationEpisode.objects.count()
    call_command("demo_migration", seed=3, if_empty=True)
    assert MigrationEpisode.objects.count() == before
