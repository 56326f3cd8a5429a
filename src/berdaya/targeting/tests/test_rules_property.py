"""The SQL compiled from a rule tree selects exactly the people the plain-Python reference evaluator selects.

Hypothesis draws small random registries (tests/registries.py: households, people, groups, deciles, enrolments and
assistance, farm plots, disability profiles, migration episodes) and random AND/OR/NOT trees over every condition
type and every vulnerability flag, on whichever database the suite runs on (SQLite, or PostgreSQL with
DATABASE_URL). A flag condition compiles to the flag's set-based SQL form and is evaluated in Python by the flag's own
definition, registered by the app that owns it. A partner's run and live count add the registry's person scope to
the SQL (targeting.access.pool_scope): held against the scope's plain-Python definition over drawn registrations,
enrolments and consent records.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from berdaya.core.conf import conf
from berdaya.programmes.models import Enrolment
from berdaya.registry import choices as rc
from berdaya.registry.models import ConsentRecord, Person
from berdaya.registry.vulnerability import FLAG_BY_CODE, FLAGS
from berdaya.targeting import choices as tc
from berdaya.targeting import engine, rules
from berdaya.targeting.access import pool_scope
from berdaya.targeting.models import Candidate
from berdaya.testing import factories as f

from .registries import AS_OF, VILLAGES, build, registry_st


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


# Bounds around the declared lands and the sums of plots the registries draw (tests/registries.py).
LAND_LOW = st.sampled_from([0, 0.3, 0.5, 1, 2, 2.5])
LAND_HIGH = st.sampled_from([0, 0.45, 0.49, 0.5, 0.8, 1, 2, 3, 4])
leaf_choices = [
    st.sampled_from([flag.code for flag in FLAGS]).map(lambda v: {"type": "flag", "value": v}),
    _with_range("age", st.sampled_from([0, 17, 18, 59, 60]), st.sampled_from([17, 18, 26, 60, 100])),
    st.sampled_from(["M", "F"]).map(lambda v: {"type": "sex", "value": v}),
    st.sampled_from(list(f.AREAS)).map(lambda v: {"type": "district", "value": v}),
    st.sampled_from(VILLAGES).map(lambda v: {"type": "village", "value": v}),
    _with_range("land", LAND_LOW, LAND_HIGH),
    _with_range("decile", st.integers(1, 10), st.integers(1, 10)),
    st.tuples(st.sampled_from(["wgss_walking", "wgss_seeing"]), st.sampled_from([2, 3, 4])).map(
        lambda t: {"type": "wgss", "value": t[0], "min": t[1]}
    ),
    st.sampled_from(["poktan", "kube", "womens_group"]).map(lambda v: {"type": "group_kind", "value": v}),
    st.just({"type": "group", "value": "G0"}),
    _with_range("household_size", st.integers(1, 3), st.integers(1, 4)),
    st.just({"type": "not_enrolled", "value": "P"}),
    st.tuples(st.sampled_from(["cash_grant", "in_kind"]), st.sampled_from([1, 6, 12, 24])).map(
        lambda t: {"type": "no_assistance", "value": t[0], "months": t[1]}
    ),
]


def _maybe_not(leaf):
    return st.tuples(leaf, st.booleans()).map(lambda t: {**t[0], **({"not": True} if t[1] else {})})


leaf_st = _maybe_not(st.one_of(*leaf_choices))
# Trees over the conditions that read the land a household operates (the land condition, the smallholder flags),
# mostly land, with a few others to combine them with: in the trees above a land condition is one leaf type in
# thirteen, too rare to catch a form that reads the declared land instead of the plots.
land_leaf_st = _maybe_not(
    st.one_of(
        _with_range("land", LAND_LOW, LAND_HIGH),
        _with_range("land", LAND_LOW, LAND_HIGH),
        _with_range("land", LAND_LOW, LAND_HIGH),
        st.sampled_from(["smallholder", "gurem"]).map(lambda v: {"type": "flag", "value": v}),
        st.sampled_from(["M", "F"]).map(lambda v: {"type": "sex", "value": v}),
        _with_range("decile", st.integers(1, 10), st.integers(1, 10)),
    )
)


def _group(children):
    return st.tuples(st.sampled_from(["and", "or"]), st.lists(children, min_size=1, max_size=3), st.booleans()).map(
        lambda t: {"op": t[0], "items": t[1], **({"not": True} if t[2] else {})}
    )


tree_st = _group(st.recursive(leaf_st, _group, max_leaves=6))
land_tree_st = _group(st.recursive(land_leaf_st, _group, max_leaves=4))
# The smallholder flags as land conditions: more than 0 ha and at most the smallholder limit; under the gurem limit.
_FLAG_AS_LAND = {
    "smallholder": lambda: [
        {"type": "land", "max": float(conf().smallholder_max_ha)},
        {"type": "land", "max": 0, "not": True},
    ],
    "gurem": lambda: [
        {"type": "land", "min": float(conf().gurem_max_ha), "not": True},
        {"type": "land", "max": 0, "not": True},
    ],
}


# The engine's list needs no run row (Candidate has no database-level reference to it).
RUN_ID = 434343


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
        group, programme = build(registry, officer)
        for raw in trees:
            tree = _bind(raw, group, programme)
            assert rules.rule_errors(tree) == [], tree
            sql_ids = set(rules.matching_people(tree, AS_OF).values_list("pk", flat=True))
            assert sql_ids == rules.evaluate_python(tree, AS_OF), rules.describe(tree)
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(registry=registry_st, trees=st.lists(land_tree_st, min_size=3, max_size=3))
def test_land_conditions_read_the_land_the_household_operates(officer, registry, trees):
    """The land condition's set-based SQL (a run, a live count), its correlated SQL (near misses) and the reference
    all read the land as berdaya.farming defines it: the members' active plots when there are any, else declared."""
    with transaction.atomic():
        build(registry, officer)
        # Among farmers, the land condition over the smallholder's and the gurem's ranges selects exactly the people
        # who carry those flags (berdaya.farming's definition): in every form, so that a form reading the declared
        # land alone fails here even when the others read it the same way.
        farmers = rules.base_people().filter(occupation__in=rc.FARMING_OCCUPATIONS)
        facts = {fact.person.pk: fact for fact in rules.gather_facts(farmers.select_related("household"))}
        for code, land in _FLAG_AS_LAND.items():
            flag = FLAG_BY_CODE[code]
            expected = set(farmers.filter(flag.q(AS_OF)).values_list("pk", flat=True))
            tree = {"op": "and", "items": land()}
            for correlated in (False, True):
                q = rules.compile_q(tree, rules.Context(AS_OF, correlated=correlated))
                assert set(farmers.filter(q).values_list("pk", flat=True)) == expected, (code, correlated)
            ctx = rules.Context(AS_OF)
            assert {pk for pk, fact in facts.items() if rules.evaluate(tree, fact, ctx)} == expected, code
        for tree in trees:
            expected = rules.evaluate_python(tree, AS_OF)
            for correlated in (False, True):
                q = rules.compile_q(tree, rules.Context(AS_OF, correlated=correlated))
                sql_ids = set(rules.base_people().filter(q).values_list("pk", flat=True))
                assert sql_ids == expected, (correlated, rules.describe(tree))
        transaction.set_rollback(True)


# --- the person scope of a partner's run --------------------------------------------------------------------------


def _withdrawn_py(records: list[ConsentRecord], purpose: str, today: dt.date) -> bool:
    """registry.consent's rule in plain Python: a withdrawal of `purpose` (or of every purpose) dated today or before,
    not followed by consent to it given again (after the withdrawal, today or before, and not itself withdrawn)."""
    kinds = {purpose, rc.ConsentPurpose.ALL}
    return any(
        r.purpose_kind in kinds
        and r.withdrawn_at is not None
        and r.withdrawn_at <= today
        and not any(
            o.purpose_kind in kinds and o.withdrawn_at is None and r.withdrawn_at < o.given_at <= today for o in records
        )
        for r in records
    )


def _partner_sees_py(person: Person, organisation_id: int, reached: set[int], consents, today: dt.date) -> bool:
    """registry.access's person scope of partner staff in plain Python: the households their organisation registered
    or reaches (anyone of it ever enrolled in a programme it runs), less whoever withdrew consent to sharing."""
    in_household = person.household.registered_by_organisation_id == organisation_id or person.household_id in reached
    return in_household and not _withdrawn_py(consents.get(person.pk, []), rc.ConsentPurpose.SHARING, today)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(registry=registry_st, trees=st.lists(tree_st, min_size=2, max_size=2))
def test_a_partner_s_run_selects_what_the_reference_selects_among_the_people_they_see(officer, registry, trees):
    """A partner's run (the engine's pool with access.pool_scope) and live count (rules.matching_people with the same
    scope) select exactly the people the reference selects among those the Python definition of the person scope
    lets the partner see; no candidate of any status (near misses included) is outside it. The population itself is
    the plain-Python one too: living people in active households, less whoever withdrew consent to targeting."""
    with transaction.atomic():
        group, programme = build(registry, officer)
        partner = f.user("partner", org=programme.organiser)
        scope = pool_scope(partner)
        today = timezone.localdate()
        consents: dict[int, list[ConsentRecord]] = {}
        for record in ConsentRecord.objects.all():
            consents.setdefault(record.person_id, []).append(record)
        reached = set(
            Enrolment.objects.filter(programme__organiser=programme.organiser).values_list(
                "person__household", flat=True
            )
        )
        people = Person.objects.filter(status=rc.PersonStatus.ACTIVE, household__status=rc.HouseholdStatus.ACTIVE)
        population = [
            p
            for p in people.select_related("household")
            if not _withdrawn_py(consents.get(p.pk, []), rc.ConsentPurpose.TARGETING, today)
        ]
        facts = rules.gather_facts(population)
        visible = {p.pk for p in population if _partner_sees_py(p, programme.organiser_id, reached, consents, today)}
        for raw in trees:
            tree = _bind(raw, group, programme)
            ctx = rules.Context(AS_OF)
            expected = {fact.person.pk for fact in facts if rules.evaluate(tree, fact, ctx)} & visible
            assert set(rules.matching_people(tree, AS_OF).filter(scope).values_list("pk", flat=True)) == expected
            version = SimpleNamespace(rules=tree, priority=[], quotas={}, capacity=None, near_miss_limit=1000)
            engine.execute(engine.build(version=version, run_id=RUN_ID, as_of=AS_OF, scope=scope))
            listed = Candidate.objects.filter(run_id=RUN_ID).order_by()
            chosen = set(listed.exclude(status=tc.CandidateStatus.NEAR_MISS).values_list("person_id", flat=True))
            assert chosen == expected, rules.describe(tree)
            assert set(listed.values_list("person_id", flat=True)) <= visible
            listed.delete()
        transaction.set_rollback(True)
