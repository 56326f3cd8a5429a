"""The set-based forms of flags that targeting uses (rules.FAST_FLAG_Q) select the same people as the registry's own
definitions (registry.vulnerability), including smallholders whose household has plots (berdaya.farming)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps

from berdaya.registry import choices as rc
from berdaya.registry.models import Person
from berdaya.registry.vulnerability import FLAG_BY_CODE
from berdaya.targeting import rules
from berdaya.testing import factories as f

TODAY = dt.date(2026, 6, 30)


def _people_with_plots():
    from berdaya.farming.models import Plot
    from berdaya.testing.markets import commodity

    # (declared land, plots of the farmer, plots of another member): plots override the declared land.
    cases = [
        ("0", [], []),
        ("0.3", [], []),
        ("2", [], []),
        ("5", [], []),
        ("5", ["0.4"], []),
        ("5", ["1.5"], ["0.6"]),
        ("0.8", ["3"], []),
        ("0.8", [], ["0.2", "0.2"]),
        ("5", ["0.3"], []),
        ("1", ["0.5"], []),
    ]
    for i, (land, own, others) in enumerate(cases):
        hh = f.household(land_ha=land)
        farmer = f.person(hh=hh, name=f"Petani {i}", occupation=rc.Occupation.FARMER)
        other = f.person(hh=hh, name=f"Anggota {i}", relationship="spouse", sex="F", occupation="trader")
        for person, areas in ((farmer, own), (other, others)):
            for j, ha in enumerate(areas):
                Plot.objects.create(
                    farmer=person,
                    village_id=hh.village_id,
                    area_ha=Decimal(ha),
                    tenure="own",
                    commodity=commodity("karet"),
                    is_active=j == 0 or i % 2 == 0,
                )
    head = f.person(hh=f.household(), name="Ibu Kepala", sex="F", relationship="head")
    f.person(hh=head.household, name="Anak", relationship="child", birth_date=dt.date(2015, 1, 1))


@pytest.mark.skipif(not apps.is_installed("berdaya.farming"), reason="berdaya.farming tidak terpasang")
@pytest.mark.parametrize("code", sorted(rules.FAST_FLAG_Q))
def test_the_fast_form_selects_what_the_registry_definition_selects(areas, code):
    _people_with_plots()
    fast = set(Person.objects.filter(rules.flag_sql_q(code, TODAY)).values_list("pk", flat=True))
    reference = set(Person.objects.filter(FLAG_BY_CODE[code].q(TODAY)).values_list("pk", flat=True))
    assert fast == reference
    assert fast
