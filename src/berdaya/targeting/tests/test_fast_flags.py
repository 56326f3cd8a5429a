"""Every form of a vulnerability flag selects the same people: its definition (`Flag.q`), its set-based form
(`Flag.fast_q`: female-headed and disability as uncorrelated IN, smallholder and gurem from the plots summed per
household), the household-facts form of female-headed that PostgreSQL runs join, the form a targeting run compiles
(rules.flag_sql_q) and the flag's plain-Python definition (`Flag.py`, over registry.vulnerability.load_facts).

Hypothesis draws registries with plots (active and inactive, several per household, on other households' members),
disability profiles with and without WG-SS answers, and migration episodes (tests/registries.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from berdaya.farming.models import Plot
from berdaya.registry import choices as rc
from berdaya.registry.models import Person
from berdaya.registry.vulnerability import FLAG_BY_CODE, FLAGS, load_facts, profile
from berdaya.targeting import rules
from berdaya.targeting.rules.sql import female_headed_facts_q
from berdaya.testing import factories as f
from berdaya.testing.markets import commodity

from .registries import AS_OF, build, household_st

TODAY = AS_OF


def _ids(q) -> set[int]:
    return set(Person.objects.filter(q).values_list("pk", flat=True))


def _forms(code: str) -> dict[str, set[int]]:
    flag = FLAG_BY_CODE[code]
    forms = {
        "q": _ids(flag.q(TODAY)),
        "fast_q": _ids(flag.fast_q(TODAY)),
        "run": _ids(rules.flag_sql_q(code, TODAY)),
        "correlated": _ids(rules.flag_sql_q(code, TODAY, correlated=True)),
        "py": {
            facts.person.pk for facts in load_facts(Person.objects.select_related("household")) if flag.py(facts, TODAY)
        },
    }
    if code == "female_headed":
        forms["household facts"] = _ids(female_headed_facts_q(TODAY))
    return forms


@pytest.mark.django_db
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(registry=st.lists(household_st, min_size=1, max_size=6))
def test_every_form_of_every_flag_selects_the_same_people(officer, registry):
    with transaction.atomic():
        build(registry, officer)
        results = {flag.code: _forms(flag.code) for flag in FLAGS}
        transaction.set_rollback(True)
    for code, forms in results.items():
        assert all(ids == forms["q"] for ids in forms.values()), (code, forms)


def test_the_flags_with_a_set_based_form_are_the_ones_runs_scan():
    assert {flag.code for flag in FLAGS if flag.has_fast_form} == {
        "disability",
        "female_headed",
        "smallholder",
        "gurem",
    }


def test_a_farmer_who_declares_5_ha_and_farms_one_active_1_ha_plot_is_a_smallholder(areas, officer):
    """The case the issue found: the SQL followed the plots, the Python reference read the declared land only."""
    farmer = f.person(hh=f.household(land_ha="5"), name="Petani", sex="M", occupation=rc.Occupation.FARMER)
    plot = {"village_id": farmer.household.village_id, "tenure": "own", "commodity": commodity("karet")}
    Plot.objects.create(farmer=farmer, area_ha=Decimal("1"), is_active=True, **plot)
    Plot.objects.create(farmer=farmer, area_ha=Decimal("4"), is_active=False, **plot)  # no longer farmed

    for code, expected in (("smallholder", True), ("gurem", False)):
        forms = _forms(code)
        assert all((farmer.pk in ids) is expected for ids in forms.values()), (code, forms)
        tree = {"op": "and", "items": [{"type": "flag", "value": code}]}
        assert (farmer.pk in rules.matching_people(tree, TODAY).values_list("pk", flat=True)) is expected
        assert (farmer.pk in rules.evaluate_python(tree, TODAY)) is expected
    with translation.override("id"):
        assert {r.code: r.reason for r in profile(farmer, TODAY)}["smallholder"] == "lahan 1,00 ha ≤ 2,0 ha"
