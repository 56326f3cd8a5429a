"""The land condition and the "less land first" priority read the land a household operates as berdaya.farming
defines it (the members' active plots when the household has any, else its declared land), as the smallholder flags
and the reasons do: a person is never selected for "lahan ≤ 1 ha" while the reason says 3 ha."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from berdaya.farming.models import Plot
from berdaya.targeting import rules, services
from berdaya.targeting.models import Candidate, HouseholdWelfare
from berdaya.testing import factories as f
from berdaya.testing.markets import commodity

AS_OF = dt.date(2025, 6, 30)
LAND_AT_MOST_2 = {"op": "and", "items": [{"type": "land", "max": 2}, {"type": "decile", "max": 4}]}

pytestmark = pytest.mark.django_db


def _farmer(name, *, declared, plots=(), decile=1):
    hh = f.household(land_ha=declared)
    HouseholdWelfare.objects.create(household=hh, local_decile=decile)
    farmer = f.person(hh=hh, name=name, occupation="farmer")
    for area, active in plots:
        Plot.objects.create(
            farmer=farmer,
            village_id=hh.village_id,
            area_ha=Decimal(area),
            tenure="own",
            commodity=commodity("karet"),
            is_active=active,
        )
    return farmer


def _run(actor, tree, **kwargs):
    version = services.ruleset_save(actor=actor, name="Lahan sempit", rules_tree=tree, **kwargs)
    run = services.run_create(actor=actor, ruleset=version.ruleset)
    services.run_execute(run=run)
    return run


def test_a_farmer_who_declares_5_ha_but_farms_1_ha_has_at_most_2_ha(officer):
    # One active 1 ha plot; a 3 ha plot no longer farmed does not count.
    farmer = _farmer("Petani Lima Hektare", declared="5", plots=[("1", True), ("3", False)])
    tree = {"op": "and", "items": [{"type": "land", "max": 2}]}

    assert farmer.pk in set(rules.matching_people(tree, AS_OF).values_list("pk", flat=True))
    correlated = rules.compile_q(tree, rules.Context(AS_OF, correlated=True))
    assert rules.base_people().filter(correlated, pk=farmer.pk).exists()
    assert farmer.pk in rules.evaluate_python(tree, AS_OF)

    run = _run(officer, LAND_AT_MOST_2)
    reasons = Candidate.objects.get(run=run, person=farmer).reasons
    # The number is written as the database casts a float to text: "1" on PostgreSQL, "1,0" on SQLite.
    assert re.search(r"lahan ≤ 2 ha: lahan 1(,0)? ha", reasons), reasons


def test_a_farmer_who_declares_1_ha_but_farms_3_ha_is_not_selected_for_at_most_2_ha(officer):
    farmer = _farmer("Petani Tiga Hektare", declared="1", plots=[("1.5", True), ("1.5", True)])
    tree = {"op": "and", "items": [{"type": "land", "max": 2}]}

    assert not rules.matching_people(tree, AS_OF).filter(pk=farmer.pk).exists()
    assert farmer.pk not in rules.evaluate_python(tree, AS_OF)
    negated = {"op": "and", "items": [{"type": "land", "max": 2, "not": True}]}
    assert rules.matching_people(negated, AS_OF).filter(pk=farmer.pk).exists()


def test_less_land_first_orders_by_the_land_operated(officer):
    # Declares 0.5 ha but farms 3 ha: after the farmer who declares 1 ha and records no plot.
    farms_more = _farmer("Petani Lahan Luas", declared="0.5", plots=[("3", True)])
    declares_more = _farmer("Petani Tanpa Plot", declared="1")
    run = _run(officer, {"op": "and", "items": [{"type": "decile", "max": 4}]}, priority=["less_land"])
    ranked = list(
        Candidate.objects.filter(run=run, status="selected").order_by("rank").values_list("person", flat=True)
    )
    assert ranked == [declares_more.pk, farms_more.pk]
