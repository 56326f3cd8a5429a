"""The SQL compiled from a rule tree selects exactly the people the plain-Python reference evaluator selects.

Hypothesis draws small random registries (households, people, groups, deciles; enrolments and assistance when
berdaya.programmes is installed) and random AND/OR/NOT trees over every condition type, on whichever database the
suite runs on (SQLite, or PostgreSQL with DATABASE_URL).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from berdaya.registry.models import Group, GroupMembership, Household, Person
from berdaya.targeting import rules
from berdaya.targeting.models import HouseholdWelfare
from berdaya.testing import factories as f

AS_OF = dt.date(2026, 6, 30)
VILLAGES = [v for _d, (_n, vs) in f.AREAS.items() for v in vs]
# Birth dates around the age boundaries the conditions use (18, 60, and a leap day).
BIRTH_DATES = [
    dt.date(2008, 6, 30),
    dt.date(2008, 7, 1),
    dt.date(2008, 6, 29),
    dt.date(1966, 6, 30),
    dt.date(1966, 7, 1),
    dt.date(2000, 2, 29),
    dt.date(1990, 1, 1),
    dt.date(1950, 12, 31),
    dt.date(2020, 5, 5),
    dt.date(1975, 6, 30),
]
LANDS = ["0", "0.3", "0.49", "0.5", "0.8", "2", "2.01", "3.5"]
PROGRAMMES = rules.programmes_installed()

person_st = st.fixed_dictionaries(
    {
        "sex": st.sampled_from(["M", "F"]),
        "birth_date": st.sampled_from(BIRTH_DATES),
        "relationship": st.sampled_from(["head", "spouse", "child"]),
        "status": st.sampled_from(["active", "active", "active", "moved_out", "deceased"]),
        "occupation": st.sampled_from(["farmer", "farm_labourer", "trader", ""]),
        "wgss_walking": st.sampled_from([None, 1, 2, 3, 4]),
        "wgss_seeing": st.sampled_from([None, 1, 3]),
        "has_nik": st.booleans(),
        "groups": st.lists(st.sampled_from([0, 1]), max_size=2, unique=True),
        "left": st.booleans(),
        "enrolled": st.sampled_from([None, "proposed", "rejected", "completed"]),
        "assisted": st.sampled_from([None, 0, 5, 13, 30]),  # months ago
    }
)
decile_st = st.one_of(st.none(), st.integers(1, 10))
household_st = st.fixed_dictionaries(
    {
        "village": st.sampled_from(VILLAGES),
        "land": st.sampled_from(LANDS),
        "status": st.sampled_from(["active", "active", "active", "dissolved"]),
        "welfare": st.booleans(),
        "local": decile_st,
        "official": decile_st,
        "verified": decile_st,
        "people": st.lists(person_st, min_size=1, max_size=4),
    }
)
registry_st = st.lists(household_st, min_size=1, max_size=8)


def _range(lo, hi):
    return st.tuples(st.one_of(st.none(), lo), st.one_of(st.none(), hi)).filter(
        lambda t: t != (None, None) and (None in t or t[0] <= t[1])
    )


def _with_range(kind, lo, hi):
    return _range(lo, hi).map(
        lambda t: {
            "type": kind,
            **({"min": t[0]} if t[0] is not None else {}),
            **({"max": t[1]} if t[1] is not None else {}),
        }
    )


leaf_choices = [
    st.sampled_from(["disability", "elderly", "child", "female_headed", "smallholder", "gurem", "no_nik", "poor"]).map(
        lambda v: {"type": "flag", "value": v}
    ),
    _with_range("age", st.sampled_from([0, 17, 18, 59, 60]), st.sampled_from([17, 18, 26, 60, 100])),
    st.sampled_from(["M", "F"]).map(lambda v: {"type": "sex", "value": v}),
    st.sampled_from(list(f.AREAS)).map(lambda v: {"type": "district", "value": v}),
    st.sampled_from(VILLAGES).map(lambda v: {"type": "village", "value": v}),
    _with_range("land", st.sampled_from([0, 0.3, 0.5, 2]), st.sampled_from([0, 0.49, 0.5, 0.8, 2, 3])),
    _with_range("decile", st.integers(1, 10), st.integers(1, 10)),
    st.tuples(st.sampled_from(["wgss_walking", "wgss_seeing"]), st.sampled_from([2, 3, 4])).map(
        lambda t: {"type": "wgss", "value": t[0], "min": t[1]}
    ),
    st.sampled_from(["poktan", "kube", "womens_group"]).map(lambda v: {"type": "group_kind", "value": v}),
    st.just({"type": "group", "value": "G0"}),
    _with_range("household_size", st.integers(1, 3), st.integers(1, 4)),
]
if PROGRAMMES:
    leaf_choices += [
        st.just({"type": "not_enrolled", "value": "P"}),
        st.tuples(st.sampled_from(["cash_grant", "in_kind"]), st.sampled_from([1, 6, 12, 24])).map(
            lambda t: {"type": "no_assistance", "value": t[0], "months": t[1]}
        ),
    ]
leaf_st = st.tuples(st.one_of(*leaf_choices), st.booleans()).map(lambda t: {**t[0], **({"not": True} if t[1] else {})})


def _group(children):
    return st.tuples(st.sampled_from(["and", "or"]), st.lists(children, min_size=1, max_size=3), st.booleans()).map(
        lambda t: {"op": t[0], "items": t[1], **({"not": True} if t[2] else {})}
    )


tree_st = _group(st.recursive(leaf_st, _group, max_leaves=6))


def _build(registry, officer):
    groups = [
        Group.objects.create(village_id=VILLAGES[0], name="Poktan Uji", kind="poktan"),
        Group.objects.create(village_id=VILLAGES[1], name="KUBE Uji", kind="kube"),
    ]
    programme = None
    if PROGRAMMES:
        from berdaya.programmes.models import Assistance, Enrolment, Programme

        programme = Programme.objects.create(
            name="Program Uji",
            kind="skills_training",
            organiser=f.organisation(),
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2026, 12, 31),
            capacity=100,
            created_by=officer,
        )
    serial = 0
    for hdata in registry:
        hh = Household.objects.create(
            village_id=hdata["village"],
            land_operated_ha=Decimal(hdata["land"]),
            status=hdata["status"],
            land_tenure="own" if Decimal(hdata["land"]) > 0 else "none",
        )
        if hdata["welfare"]:
            HouseholdWelfare.objects.create(
                household=hh,
                local_decile=hdata["local"],
                official_decile=hdata["official"],
                official_source="DTSEN 2025" if hdata["official"] else "",
                verified_decile=hdata["verified"],
                verified_reason="kunjungan" if hdata["verified"] else "",
            )
        for index, pdata in enumerate(hdata["people"]):
            serial += 1
            # At most one head per household (a registry constraint): later "heads" become spouses.
            relationship = pdata["relationship"] if index == 0 or pdata["relationship"] != "head" else "spouse"
            person = Person.objects.create(
                household=hh,
                full_name=f"Orang {serial}",
                sex=pdata["sex"],
                birth_date=pdata["birth_date"],
                relationship=relationship,
                status=pdata["status"],
                occupation=pdata["occupation"],
                wgss_walking=pdata["wgss_walking"],
                wgss_seeing=pdata["wgss_seeing"],
                nik=f"{1502010000000000 + serial}" if pdata["has_nik"] else None,
                nik_missing_reason="" if pdata["has_nik"] else "unknown",
            )
            for g in pdata["groups"]:
                GroupMembership.objects.create(
                    group=groups[g], person=person, left_on=dt.date(2025, 1, 1) if pdata["left"] else None
                )
            if programme is not None and pdata["enrolled"]:
                Enrolment.objects.create(
                    programme=programme,
                    person=person,
                    status=pdata["enrolled"],
                    reason="uji" if pdata["enrolled"] == "rejected" else "",
                    created_by=officer,
                )
            if programme is not None and pdata["assisted"] is not None:
                Assistance.objects.create(
                    programme=programme,
                    person=person,
                    kind="cash_grant" if serial % 2 else "in_kind",
                    amount=100_000,
                    date=rules.months_ago(AS_OF, pdata["assisted"]),
                    status="disbursed" if serial % 3 else "cancelled",
                    created_by=officer,
                )
    return groups[0], programme


def _bind(node, group, programme):
    if "op" in node:
        return {**node, "items": [_bind(item, group, programme) for item in node["items"]]}
    if node["type"] == "group":
        return {**node, "value": group.pk}
    if node["type"] == "not_enrolled":
        return {**node, "value": programme.pk}
    return node


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(registry=registry_st, trees=st.lists(tree_st, min_size=3, max_size=3))
def test_it_selects_exactly_what_the_reference_selects(officer, registry, trees):
    with transaction.atomic():
        group, programme = _build(registry, officer)
        for raw in trees:
            tree = _bind(raw, group, programme)
            assert rules.rule_errors(tree) == [], tree
            sql_ids = set(rules.matching_people(tree, AS_OF).values_list("pk", flat=True))
            assert sql_ids == rules.evaluate_python(tree, AS_OF), rules.describe(tree)
        transaction.set_rollback(True)
