"""The demo-data generator: `berdaya demo` (registry/demo.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command

from berdaya.accounts.models import User
from berdaya.areas.models import District
from berdaya.areas.services import areas_load
from berdaya.registry import choices as c
from berdaya.registry import demo
from berdaya.registry.access import households_visible_to
from berdaya.registry.identity import check_kk, check_nik
from berdaya.registry.models import Group, GroupMembership, Household, KKNumber, Person
from berdaya.testing import factories

HOUSEHOLDS = 150
SEED = 7
KNOWN_KINDS = {"typo", "nickname", "old_spelling", "short_name", "date_swap", "missing_nik", "different_nik"}


@pytest.fixture
def merangin(db, settings):
    # Hashing the five demo passwords with Argon2 would cost most of each test's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    areas_load(regency_codes=["15.02"])


@pytest.fixture
def truth_path(tmp_path) -> Path:
    return tmp_path / "truth.csv"


@pytest.fixture
def generated(merangin, truth_path) -> demo.DemoResult:
    return demo.demo_generate(households=HOUSEHOLDS, seed=SEED, ground_truth=truth_path)


def _districts() -> set[str]:
    return set(District.objects.values_list("code", flat=True))


def _exists(codes: set[str]):
    return lambda prefix: f"{prefix[0:2]}.{prefix[2:4]}.{prefix[4:6]}" in codes


def _age(birth: dt.date) -> int:
    return demo._age(birth, demo.REFERENCE_DATE)


def _disabled(person: Person) -> bool:
    return any((getattr(person, field) or 0) >= c.WGSSAnswer.A_LOT for field, _label in c.WGSS_DOMAINS)


def _snapshot() -> list[tuple]:
    return list(
        Person.objects.order_by("id").values_list("full_name", "nik", "birth_date", "sex", "household__kk_number")
    )


def test_it_builds_the_same_data_from_the_same_seed(merangin):
    # given two builds with one seed and one with another
    first = demo.demo_build(households=HOUSEHOLDS, seed=SEED)
    second = demo.demo_build(households=HOUSEHOLDS, seed=SEED)
    other = demo.demo_build(households=HOUSEHOLDS, seed=SEED + 1)

    # then names, NIKs, birth dates, households and duplicates are the same, and another seed differs
    def key(data: demo.DemoData) -> list[tuple]:
        return [
            (p.full_name, p.nik, p.birth_date, p.sex, p.relationship, p.wgss_walking, p.phone, p.household.kk_number)
            for p in data.people
        ]

    assert key(first) == key(second)
    assert [(d.duplicate.full_name, d.kinds) for d in first.duplicates] == [
        (d.duplicate.full_name, d.kinds) for d in second.duplicates
    ]
    assert [g.group.name for g in first.groups] == [g.group.name for g in second.groups]
    assert key(first) != key(other)


def test_it_stores_exactly_what_the_seed_builds(merangin, truth_path):
    # given what the seed builds in memory on an empty database
    expected = [
        (p.full_name, p.nik, p.birth_date, p.sex, p.household.kk_number)
        for p in demo.demo_build(households=HOUSEHOLDS, seed=SEED).people
    ]

    # when the command path generates and stores it
    demo.demo_generate(households=HOUSEHOLDS, seed=SEED, ground_truth=truth_path)

    # then the database holds the same people, in the same order
    assert _snapshot() == expected


def test_it_writes_records_that_pass_the_model_rules(generated):
    for household in Household.objects.all():
        household.full_clean()
    for person in Person.objects.all():
        person.full_clean()
    for membership in GroupMembership.objects.all():
        membership.full_clean()


def test_every_nik_matches_the_birth_date_and_sex(generated):
    exists = _districts()
    people = list(Person.objects.select_related("household"))
    with_nik = [p for p in people if p.nik]
    assert len({p.nik for p in with_nik}) == len(with_nik)
    for person in with_nik:
        assert (
            check_nik(person.nik, birth_date=person.birth_date, sex=person.sex, district_exists=_exists(exists)) == []
        )
    # The NIK prefix is mostly the household's own district; a few people were first registered elsewhere.
    local = sum(p.nik[:6] == p.household.village_id[:8].replace(".", "") for p in with_nik)
    assert 0.75 < local / len(with_nik) < 0.99
    # About 3% have no NIK, each with a reason.
    missing = [p for p in people if not p.nik]
    assert 0.01 < len(missing) / len(people) < 0.07
    assert all(p.nik_missing_reason for p in missing)


def test_every_kk_number_passes_the_check(generated):
    exists = _districts()
    households = list(Household.objects.all())
    assert sum(bool(h.kk_number) for h in households) > 0.95 * len(households)
    for household in households:
        if household.kk_number:
            assert check_kk(household.kk_number, district_exists=_exists(exists)) == []
            assert household.kk_number[:6] == household.village_id[:8].replace(".", "")
    assert KKNumber.objects.count() == sum(bool(h.kk_number) for h in households)


def test_every_household_has_exactly_one_head(generated):
    heads = Counter(Person.objects.filter(relationship=c.Relationship.HEAD).values_list("household_id", flat=True))
    assert set(heads) == set(Household.objects.values_list("id", flat=True))
    assert set(heads.values()) == {1}
    female = Person.objects.filter(relationship=c.Relationship.HEAD, sex=c.Sex.FEMALE).count()
    assert 0.07 < female / HOUSEHOLDS < 0.25


def test_children_are_born_when_their_parents_could_have_them(generated):
    for household in Household.objects.prefetch_related("members"):
        members = list(household.members.all())
        parents = [p for p in members if p.relationship in {c.Relationship.HEAD, c.Relationship.SPOUSE}]
        for child in (p for p in members if p.relationship == c.Relationship.CHILD):
            for parent in parents:
                gap = (child.birth_date - parent.birth_date).days / 365.25
                # Mothers give birth between about 18 and 44; fathers may be up to 15 years older.
                low, high = (17, 46) if parent.sex == c.Sex.FEMALE else (18, 62)
                assert low <= gap <= high, (parent.full_name, parent.birth_date, child.full_name, child.birth_date)


def test_disability_prevalence_is_near_national_figures(generated):
    people = list(Person.objects.all())
    adults = [p for p in people if _age(p.birth_date) >= 18]
    elderly = [p for p in adults if _age(p.birth_date) >= 60]
    share = sum(map(_disabled, adults)) / len(adults)
    assert 0.04 < share < 0.16
    assert sum(map(_disabled, elderly)) / len(elderly) > share
    # Most people answer "no difficulty" everywhere; young children are not asked.
    answered = [p for p in people if p.wgss_seeing is not None]
    all_ones = sum(all(getattr(p, f) == 1 for f, _label in c.WGSS_DOMAINS) for p in answered)
    assert all_ones / len(answered) > 0.7
    for person in people:
        if _age(person.birth_date) < 5:
            assert all(getattr(person, f) is None for f, _label in c.WGSS_DOMAINS)
        else:
            assert all(getattr(person, f) in {1, 2, 3, 4} for f, _label in c.WGSS_DOMAINS)


def test_households_mostly_farm_a_smallholding(generated):
    households = list(Household.objects.all())
    farming = [h for h in households if h.land_operated_ha > 0]
    assert len(farming) > 0.4 * len(households)
    assert sum(0.3 <= h.land_operated_ha <= 3 for h in farming) > 0.7 * len(farming)
    assert all(h.land_tenure != c.LandTenure.NONE for h in farming)
    heads = Counter(Person.objects.filter(relationship=c.Relationship.HEAD).values_list("occupation", flat=True))
    assert heads.most_common(1)[0][0] == c.Occupation.FARMER


def test_housing_follows_wealth(merangin):
    data = demo.demo_build(households=400, seed=SEED)
    rich = [p.household for p in data.households if p.wealth > 0.8]
    poor = [p.household for p in data.households if p.wealth < -0.8]

    def assets(hh: Household) -> int:
        return sum([hh.asset_motorcycle, hh.asset_refrigerator, hh.asset_television, hh.asset_gold_savings])

    assert sum(map(assets, rich)) / len(rich) > sum(map(assets, poor)) / len(poor) + 1
    assert sum(h.floor_material == c.FloorMaterial.CERAMIC for h in rich) / len(rich) > sum(
        h.floor_material == c.FloorMaterial.CERAMIC for h in poor
    ) / len(poor)


def test_the_ground_truth_lists_the_injected_duplicates(generated, truth_path):
    with truth_path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == generated.duplicates
    assert 0.005 < len(rows) / generated.people < 0.02
    people = Person.objects.in_bulk([int(r[k]) for r in rows for k in ("original_person_id", "duplicate_person_id")])
    for row in rows:
        original = people[int(row["original_person_id"])]
        copy = people[int(row["duplicate_person_id"])]
        kinds = set(row["kinds"].split(";"))
        assert kinds and kinds <= KNOWN_KINDS
        assert copy.household_id != original.household_id
        assert copy.relationship != c.Relationship.HEAD
        assert (copy.full_name, copy.birth_date) != (
            original.full_name,
            original.birth_date,
        ) or copy.nik != original.nik
        assert copy.nik is None or copy.nik != original.nik
        if "date_swap" in kinds:
            assert (copy.birth_date.day, copy.birth_date.month) == (original.birth_date.month, original.birth_date.day)
        if "missing_nik" in kinds:
            assert original.nik and copy.nik is None and copy.nik_missing_reason
        if not kinds & {"typo", "nickname", "old_spelling", "short_name"}:
            assert copy.full_name == original.full_name


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("Muhammad Yusuf", "nickname", {"M. Yusuf", "Moh. Yusuf", "Muh. Yusuf", "Mhd. Yusuf"}),
        ("Siti Aminah", "nickname", {"St. Aminah"}),
        ("Djamilah", "old_spelling", {"Jamilah"}),
        ("Budi Santoso", "short_name", {"Budi"}),
        ("Sri", "nickname", {None}),
    ],
)
def test_it_corrupts_names_the_way_records_differ(name, kind, expected):
    builder = demo._Builder(seed=1, today=demo.REFERENCE_DATE, villages=[], districts={})
    assert builder.corrupt_name(name, kind) in expected


def test_it_ages_names_into_the_old_spelling():
    builder = demo._Builder(seed=1, today=demo.REFERENCE_DATE, villages=[], districts={})
    assert builder.corrupt_name("Yusuf", "old_spelling") in {"Yoesoef", "Jusuf"}
    typo = builder.corrupt_name("Rahmawati", "typo")
    assert typo and typo != "Rahmawati"


def test_groups_have_one_chair_secretary_and_treasurer(generated):
    kinds = set(Group.objects.values_list("kind", flat=True))
    assert {c.GroupKind.FARMER_GROUP, c.GroupKind.KUBE, c.GroupKind.WOMENS_GROUP} <= kinds
    assert c.GroupKind.DISABILITY_ORG in kinds
    for group in Group.objects.prefetch_related("memberships"):
        roles = Counter(m.role for m in group.memberships.all())
        assert roles[c.GroupRole.CHAIR] == 1, group.name
        if sum(roles.values()) >= 3:
            assert roles[c.GroupRole.SECRETARY] == roles[c.GroupRole.TREASURER] == 1
    members = GroupMembership.objects.filter(group__kind=c.GroupKind.DISABILITY_ORG).select_related("person")
    assert all(_disabled(m.person) for m in members)


def test_it_records_who_created_the_records_in_the_history(generated):
    assert Person.history.filter(history_type="+").count() == Person.objects.count()
    assert Household.history.filter(history_type="+").count() == Household.objects.count()
    assert Person.history.first().history_user.username == "admin"


def test_the_command_prints_a_summary_and_the_demo_logins(merangin, truth_path):
    out = io.StringIO()
    call_command("demo", "--households", "60", "--seed", "3", "--ground-truth", str(truth_path), stdout=out)
    text = out.getvalue()

    assert re.search(r"Data demo dibuat dalam [\d,]+ detik: 60 rumah tangga", text)
    assert truth_path.exists()
    for login in demo.DEMO_LOGINS:
        assert login.username in text and login.password in text
        user = User.objects.get(username=login.username)
        assert user.role == login.role
        assert user.check_password(login.password)
        validate_password(login.password, user)
    assert User.objects.get(username="admin").is_superuser
    facilitator = User.objects.get(username="pendamping")
    villages = list(facilitator.villages.all())
    assert 3 <= len(villages) <= 4
    assert len({v.district_id for v in villages}) == 1
    assert households_visible_to(facilitator).exists()
    partner = User.objects.get(username="mitra")
    assert partner.organisation.name == demo.PARTNER_NGO
    assert households_visible_to(partner).count() == round(demo.PARTNER_SHARE * 60)


def test_it_does_nothing_with_if_empty_when_households_exist(areas, truth_path):
    # given a database with one household
    factories.person()
    out = io.StringIO()

    # when
    call_command("demo", "--households", "50", "--if-empty", "--ground-truth", str(truth_path), stdout=out)

    # then nothing is written
    assert Household.objects.count() == 1
    assert Person.objects.count() == 1
    assert not User.objects.filter(username__in=[u.username for u in demo.DEMO_LOGINS]).exists()
    assert not truth_path.exists()
    assert "tidak dibuat" in out.getvalue()


def test_it_asks_for_the_areas_first(db, truth_path):
    with pytest.raises(CommandError, match="areas load"):
        call_command("demo", "--households", "10", "--ground-truth", str(truth_path), stdout=io.StringIO())


def test_it_refuses_to_run_in_production(merangin, truth_path, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("demo", "--households", "10", "--ground-truth", str(truth_path), stdout=io.StringIO())
