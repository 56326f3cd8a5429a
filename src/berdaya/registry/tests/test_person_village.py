"""A person's `village` is their household's, kept by the database (registry migration 0014's triggers) whatever
writes the rows: the ORM, a bulk insert, a queryset update, raw SQL. A facilitator's scope reads it, so a copy out of
step would show people of another village (or hide their own): every way a person or a household changes village is
tried here, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from berdaya.accounts.models import User
from berdaya.registry import choices as c
from berdaya.registry.access import people_visible_to
from berdaya.registry.filtersets import PersonFilterSet
from berdaya.registry.models import Household, Person
from berdaya.testing import factories as f

A, B = "15.02.01.2001", "15.02.02.1010"

pytestmark = pytest.mark.django_db


def stored_village(person: Person) -> str | None:
    return Person.objects.filter(pk=person.pk).values_list("village_id", flat=True).get()


def out_of_step() -> int:
    """People whose village is not their household's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM registry_person p JOIN registry_household h ON h.id = p.household_id "
            "WHERE p.village_id IS NULL OR p.village_id <> h.village_id"
        )
        return int(cursor.fetchone()[0])


def test_a_new_person_takes_the_households_village(areas):
    person = f.person(hh=f.household(village=B))

    assert stored_village(person) == B
    assert person.village_id == B  # the instance holds what is stored


def test_the_applications_value_never_counts(areas):
    person = f.person(hh=f.household(village=A))

    person.village_id = B
    person.save()
    Person.objects.filter(pk=person.pk).update(village_id=B)

    assert stored_village(person) == A


def test_bulk_inserts_and_raw_sql_are_kept_in_step(areas):
    hh = f.household(village=B)
    Person.objects.bulk_create(
        [
            Person(
                household=hh, full_name=f"Warga {i}", sex=c.Sex.MALE, birth_date=dt.date(1990, 1, 1),
                relationship=c.Relationship.HEAD if i == 0 else c.Relationship.CHILD,
                nik_missing_reason=c.NikMissingReason.UNKNOWN,
            )
            for i in range(3)
        ]
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO registry_person (household_id, nik_missing_reason, nik_override_reason, full_name, sex, "
            "birth_place, birth_date, relationship, marital_status, education, occupation, phone, status, "
            "created_at, updated_at) VALUES (%s, 'unknown', '', 'Mentah', 'F', '', '1990-01-01', 'child', '', '', "
            "'', '', 'active', %s, %s)",
            [hh.pk, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 1, 1, tzinfo=dt.UTC)],
        )

    assert set(Person.objects.filter(household=hh).values_list("village_id", flat=True)) == {B}
    assert out_of_step() == 0


def test_a_person_moved_to_another_household_moves_village(areas):
    person = f.person(hh=f.household(village=A))
    other = f.household(village=B)

    Person.objects.filter(pk=person.pk).update(household=other)
    assert stored_village(person) == B

    person.refresh_from_db()
    person.household = f.household(village=A)
    person.save()
    assert stored_village(person) == A


def test_a_household_moved_to_another_village_moves_its_people(areas):
    hh = f.household(village=A)
    people = [f.person(hh=hh, name="Siti"), f.person(hh=hh, name="Budi", sex=c.Sex.MALE)]
    f.person(hh=f.household(village=A), name="Tetangga")  # another household of the village stays

    hh.village_id = B
    hh.save()
    assert {stored_village(p) for p in people} == {B}

    Household.objects.filter(pk=hh.pk).update(village_id=A)
    assert {stored_village(p) for p in people} == {A}
    assert out_of_step() == 0


def test_a_facilitators_scope_follows_a_household_that_moves(areas):
    facilitator = f.user(User.Role.FACILITATOR, villages=[A])
    hh = f.household(village=A)
    person = f.person(hh=hh)
    assert people_visible_to(facilitator).filter(pk=person.pk).exists()

    hh.village_id = B
    hh.save()

    assert not people_visible_to(facilitator).filter(pk=person.pk).exists()
    assert not people_visible_to(f.user(User.Role.FACILITATOR, villages=[A])).filter(pk=person.pk).exists()
    assert people_visible_to(f.user(User.Role.FACILITATOR, districts=["15.02.02"])).filter(pk=person.pk).exists()


def test_the_village_filter_follows_a_household_that_moves(areas):
    hh = f.household(village=A)
    person = f.person(hh=hh)
    officer = f.user(User.Role.OFFICER)

    def listed(village: str) -> bool:
        found = PersonFilterSet({"village": village}, queryset=people_visible_to(officer), actor=officer).qs
        return found.filter(pk=person.pk).exists()

    assert listed(A) and not listed(B)
    Household.objects.filter(pk=hh.pk).update(village_id=B)
    assert listed(B) and not listed(A)
