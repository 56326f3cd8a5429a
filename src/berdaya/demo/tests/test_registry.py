"""The demo population (berdaya.demo.registry): what one build of 150 households holds. The build is made once for
the module (it was made once per test); each test's own writes are rolled back (berdaya.testing.worlds)."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter

import pytest

from berdaya.areas.models import District
from berdaya.areas.services import areas_load
from berdaya.demo import registry as demo
from berdaya.demo.linkage import CORRUPTIONS, Corruptor
from berdaya.registry import choices as c
from berdaya.registry.identity import check_kk, check_nik
from berdaya.registry.models import Group, GroupMembership, Household, KKNumber, Person
from berdaya.testing.worlds import built_once

pytestmark = pytest.mark.django_db

HOUSEHOLDS = 150
SEED = 7
KNOWN_KINDS = set(CORRUPTIONS)
NAME_KINDS = {"nickname", "typo_first", "typo_last", "old_spelling", "title", "bin", "order", "short_name"}


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker, tmp_path_factory) -> demo.DemoResult:
    with built_once(django_db_blocker):
        areas_load(regency_codes=["15.02"])
        yield demo.demo_generate(
            households=HOUSEHOLDS, seed=SEED, ground_truth=tmp_path_factory.mktemp("demo") / "truth.csv"
        )


def _districts() -> set[str]:
    return set(District.objects.values_list("code", flat=True))


def _exists(codes: set[str]):
    return lambda prefix: f"{prefix[0:2]}.{prefix[2:4]}.{prefix[4:6]}" in codes


def _age(birth: dt.date) -> int:
    return demo._age(birth, demo.REFERENCE_DATE)


def _disabled(person: Person) -> bool:
    return any((getattr(person, field) or 0) >= c.WGSSAnswer.A_LOT for field, _label in c.WGSS_DOMAINS)


def test_it_builds_the_same_data_from_the_same_seed(generated):
    # given two builds with one seed and one with another (the NIKs and KK numbers of the module's people are left
    # out of every build alike)
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


def test_housing_follows_wealth(generated):
    data = demo.demo_build(households=400, seed=SEED)
    rich = [p.household for p in data.households if p.wealth > 0.8]
    poor = [p.household for p in data.households if p.wealth < -0.8]

    def assets(hh: Household) -> int:
        return sum([hh.asset_motorcycle, hh.asset_refrigerator, hh.asset_television, hh.asset_gold_savings])

    assert sum(map(assets, rich)) / len(rich) > sum(map(assets, poor)) / len(poor) + 1
    assert sum(h.floor_material == c.FloorMaterial.CERAMIC for h in rich) / len(rich) > sum(
        h.floor_material == c.FloorMaterial.CERAMIC for h in poor
    ) / len(poor)


def test_the_ground_truth_lists_the_injected_duplicates(generated):
    with generated.ground_truth.open(encoding="utf-8") as handle:
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
        assert copy.nik is None or copy.nik != original.nik
        # NIK is never repeated: missing or another valid one
        assert "nik_missing" in kinds or "nik_typo" in kinds
        if "nik_missing" in kinds or not original.nik:
            assert copy.nik is None and copy.nik_missing_reason
        if not kinds & {"date_swap", "date_typo"}:
            assert copy.birth_date == original.birth_date
        if not kinds & NAME_KINDS:
            assert copy.full_name == original.full_name
        if not kinds & {"moved_village", "moved_district"}:
            # registered again in the same village (unless no other household lives there)
            village = original.household.village_id
            assert copy.household.village_id == village or Household.objects.filter(village_id=village).count() == 1


@pytest.mark.parametrize(
    ("kind", "check"),
    [
        (
            "nickname",
            lambda old, new: new["full_name"].split()[0] in {"M.", "Moh.", "Muh.", "Mhd.", "Mochammad", "Muhamad"},
        ),
        ("date_swap", lambda old, new: new["birth_date"] == "1980-07-03"),
        ("date_typo", lambda old, new: new["birth_date"] != old["birth_date"]),
        ("nik_missing", lambda old, new: new["nik"] is None),
        ("nik_typo", lambda old, new: new["nik"][:12] == old["nik"][:12] and new["nik"] != old["nik"]),
        ("moved_village", lambda old, new: new["village_id"].startswith("15.02.01.")),
        ("typo_last", lambda old, new: new["full_name"].split()[-1] != "Yusuf"),
        ("order", lambda old, new: new["full_name"] == "Yusuf Muhammad"),
        ("short_name", lambda old, new: new["full_name"] == "Muhammad"),
        ("bin", lambda old, new: new["full_name"] == "Muhammad Yusuf bin Hasan"),
        ("old_spelling", lambda old, new: new["full_name"] == "Moehammad Yusuf"),
    ],
)
def test_the_copies_differ_the_way_real_lists_do(kind, check):
    import random

    corruptor = Corruptor(random.Random(3), ["15.02.01.2001", "15.02.01.2002", "15.02.02.2001"])
    old = {
        "full_name": "Muhammad Yusuf",
        "birth_date": "1980-03-07",
        "sex": "M",
        "village_id": "15.02.01.2001",
        "nik": "1502010703800001",
        "parent_name": "Hasan Basri",
    }
    new = corruptor.corrupt(old, [kind])
    assert check(old, new), new
    assert new["kk_number"] is None  # another household


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
