"""Smallholder status comes from the plots when a household has any, else from the declared land."""

from decimal import Decimal

import pytest

from berdaya.farming.models import Plot
from berdaya.registry import choices as rc
from berdaya.registry.models import Person
from berdaya.registry.vulnerability import flag_q, profile
from berdaya.testing import factories
from berdaya.testing.markets import commodity


def _plot(person, ha, active=True):
    return Plot.objects.create(
        farmer=person,
        village_id=person.household.village_id,
        area_ha=Decimal(ha),
        tenure="own",
        commodity=commodity("karet"),
        planting_year=2010,
        is_active=active,
    )


def _flags(person):
    return {code for code in ("smallholder", "gurem") if Person.objects.filter(flag_q(code), pk=person.pk).exists()}


@pytest.fixture
def farmer(areas):
    return factories.person(hh=factories.household(land_ha="5"), occupation=rc.Occupation.FARMER)


def test_without_plots_the_declared_land_decides(farmer):
    assert _flags(farmer) == set()  # 5 ha declared: not a smallholder


def test_plots_override_the_declared_land(farmer):
    _plot(farmer, "0.3")
    assert _flags(farmer) == {"smallholder", "gurem"}
    _plot(farmer, "0.4")
    assert _flags(farmer) == {"smallholder"}  # 0.7 ha
    reasons = {f.code: f.reason for f in profile(farmer)}
    assert "0,70 ha" in reasons["smallholder"] or "0.70 ha" in reasons["smallholder"]


def test_the_household_plots_count_for_every_farming_member(farmer):
    spouse = factories.person(hh=farmer.household, name="Ani", occupation=rc.Occupation.FARM_LABOURER)
    _plot(spouse, "1.5")
    _plot(farmer, "1.0")
    assert _flags(farmer) == set() and _flags(spouse) == set()  # 2.5 ha together


def test_inactive_plots_do_not_count(farmer):
    _plot(farmer, "10", active=False)
    _plot(farmer, "1")
    assert _flags(farmer) == {"smallholder"}


def test_a_non_farmer_is_not_flagged_whatever_the_plots(areas):
    trader = factories.person(hh=factories.household(land_ha="0"), occupation=rc.Occupation.TRADER)
    _plot(trader, "0.5")
    assert _flags(trader) == set()


def test_the_flag_counts_in_one_query(farmer, django_assert_num_queries):
    _plot(farmer, "0.3")
    with django_assert_num_queries(1):
        assert Person.objects.filter(flag_q("smallholder")).count() == 1
