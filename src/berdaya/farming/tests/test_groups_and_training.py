import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from berdaya.farming import selectors, services
from berdaya.farming.models import Harvest, Plot, Sale
from berdaya.registry import choices as rc
from berdaya.testing import factories
from berdaya.testing.markets import commodity, observe, point, unit


def test_a_poktan_gets_its_class_extension_worker_and_gapoktan(areas, officer):
    gapoktan = factories.group(name="Gapoktan Sepakat", kind="gapoktan")
    poktan = factories.group(name="Poktan Maju")
    profile = services.group_profile_save(
        actor=officer,
        group=poktan,
        data={
            "group_class": "madya",
            "extension_worker_name": "Siti, S.P.",
            "main_commodity": commodity("karet"),
            "parent": gapoktan,
        },
    )
    assert profile.get_group_class_display() == "Madya"
    assert list(gapoktan.member_groups.all()) == [profile]
    with pytest.raises(ValidationError, match="gapoktan"):
        services.group_profile_save(actor=officer, group=gapoktan, data={"parent": poktan})


def test_before_and_after_training(areas, officer):
    from berdaya.programmes.models import Enrolment, Programme

    today = timezone.localdate()
    trained_on = today - dt.timedelta(days=200)
    farmer = factories.person(hh=factories.household(land_ha="1"), occupation=rc.Occupation.FARMER)
    programme = Programme.objects.create(
        name="Sekolah Lapang Karet",
        kind="field_school",
        organiser=factories.organisation(),
        start_date=trained_on - dt.timedelta(days=60),
        end_date=trained_on,
        capacity=20,
        created_by=officer,
    )
    Enrolment.objects.create(
        programme=programme, person=farmer, status="completed", ended_on=trained_on, created_by=officer
    )
    plot = Plot.objects.create(
        farmer=farmer,
        village_id="15.02.01.2001",
        area_ha=Decimal("1"),
        tenure="own",
        commodity=commodity("karet"),
        planting_year=2010,
    )
    here = point("Pengepul Jangkat")
    for days, kg, price in ((300, 800, 7500), (250, 900, 7600), (100, 1000, 11000), (50, 1100, 11500)):
        date = today - dt.timedelta(days=days)
        observe(7500, at=here, date=date)
        Harvest.objects.create(
            plot=plot,
            harvested_on=date,
            season=str(date.year) + f"-{days}",
            quantity=kg,
            unit=unit("kg"),
            quantity_kg=kg,
        )
        Sale.objects.create(
            farmer=farmer,
            date=date,
            commodity=commodity("karet"),
            quantity=kg,
            unit=unit("kg"),
            quantity_kg=Decimal(kg),
            price_per_kg=price,
            channel="uppb",
            season=str(date.year),
            district_id="15.02.01",
        )
    (row,) = selectors.training_comparison(actor=officer)
    assert row["commodity"] == "Karet (bokar/slab)"
    assert (row["sales_before"], row["sales_after"]) == (2, 2)
    assert row["price_before"] == pytest.approx(7550)
    assert row["price_after"] == pytest.approx(11250)
    assert row["premium_after"] > row["premium_before"]
    assert row["yield_before"] == pytest.approx(850)
    assert row["yield_after"] == pytest.approx(1050)
