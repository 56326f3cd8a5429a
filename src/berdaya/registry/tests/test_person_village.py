"""A person's `village` is their household's, kept by the database (registry migration 0014's triggers) whatever
writes the rows: the ORM, a bulk insert, a queryset update, raw SQL, an import (row by row and as a first load), a
merge and its undo, an erasure. A facilitator's scope reads it, so a copy out of step would show people of another
village (or hide their own): every way a person or a household changes village is tried here, on SQLite and
PostgreSQL, and on PostgreSQL with two transactions at once."""

from __future__ import annotations

import datetime as dt
import threading

import psycopg
import pytest
from django.db import connection, connections

from berdaya.accounts.models import User
from berdaya.imports.pipeline import import_households
from berdaya.imports.tests.helpers import household, write_csv
from berdaya.imports.tests.test_bulk import _bulk_mode
from berdaya.privacy.erasure import person_erase
from berdaya.registry import choices as c
from berdaya.registry.access import people_visible_to
from berdaya.registry.filtersets import PersonFilterSet
from berdaya.registry.models import Household, Person
from berdaya.registry.services import person_merge_undo, persons_merge
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
    # bulk_create calls no save(): the rows come with no village, or a wrong one, and the database sets them right.
    Person.objects.bulk_create(
        [
            Person(
                household=hh, full_name=f"Warga {i}", sex=c.Sex.MALE, birth_date=dt.date(1990, 1, 1),
                relationship=c.Relationship.HEAD if i == 0 else c.Relationship.CHILD,
                nik_missing_reason=c.NikMissingReason.UNKNOWN, village_id=A if i % 2 else None,
            )
            for i in range(4)
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


def test_the_triggers_are_there_after_all_migrations(db):
    # SQLite drops a table's triggers when a migration remakes it (AlterField): then this fails, not a scope.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                "AND tgrelid IN ('registry_person'::regclass, 'registry_household'::regclass)"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name IN ('registry_person', 'registry_household')"
            )
        names = {row[0] for row in cursor.fetchall()}
    assert names >= {"registry_person_village_insert", "registry_person_village_update", "registry_household_village"}


def _villages_by_kk() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for kk, village in Person.objects.values_list("household__kk_number", "village_id"):
        found.setdefault(kk, set()).add(village)
    return found


@pytest.mark.parametrize("first_load", [False, True], ids=["row-by-row", "first-load"])
def test_an_import_writes_each_persons_village_and_moves_it_with_the_household(
    officer, tmp_path, monkeypatch, first_load
):
    if first_load:  # indexes dropped and rebuilt (and, on PostgreSQL, foreign keys): the triggers still hold
        _bulk_mode(monkeypatch)
    kk_a, kk_b = "1502011201150003", "1502011201150004"
    rows = household("A", 10, 3, kk_number=kk_a) + household("B", 20, 2, kk_number=kk_b, village_id=B)
    result = import_households(path=write_csv(tmp_path / "a.csv", rows), actor=officer, dry_run=False)
    assert result.new == 5, result.first_errors()
    assert _villages_by_kk() == {kk_a: {A}, kk_b: {B}} and out_of_step() == 0

    # The file moves household A to village B, and a new member joins it.
    moved = household("A", 10, 4, kk_number=kk_a, village_id=B)
    again = import_households(path=write_csv(tmp_path / "b.csv", moved), actor=officer, dry_run=False)
    assert again.new == 1 and again.households_updated == 1, again.first_errors()
    assert _villages_by_kk() == {kk_a: {B}, kk_b: {B}} and out_of_step() == 0


def test_merge_its_undo_and_erasure_leave_every_village_right(areas):
    officer = f.user(User.Role.OFFICER)
    survivor = f.person(hh=f.household(village=A), name="Siti Aminah")
    duplicate = f.person(hh=f.household(village=B), name="Siti Aminah", with_nik=False)
    record = persons_merge(actor=officer, survivor=survivor, merged=duplicate, reason="Orang yang sama")
    assert (stored_village(survivor), stored_village(duplicate)) == (A, B) and out_of_step() == 0

    person_merge_undo(actor=officer, merge_record=record, reason="Ternyata berbeda")
    person_erase(person=Person.objects.get(pk=duplicate.pk), actor=officer)

    assert (stored_village(survivor), stored_village(duplicate)) == (A, B) and out_of_step() == 0


# --- Two transactions at once (PostgreSQL; SQLite has one writer at a time) ---------------------------------------


def _other_transaction() -> psycopg.Connection:
    """A second connection; as a context manager, its transaction commits at the end of the block (rolls back on an
    error) and it closes, so that a failing test leaves no lock behind."""
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or 5432
    )


def _in_a_thread(work) -> threading.Thread:
    def run() -> None:
        try:
            work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once: PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("comes", ["added", "moved in"])
def test_a_person_who_comes_while_their_household_moves_takes_the_new_village(areas, comes):
    hh = f.household(village=A)
    f.person(hh=hh)
    newcomer = f.person(hh=f.household(village=A), name="Budi") if comes == "moved in" else None
    came: list[Person] = []

    def come() -> None:
        if newcomer is None:
            came.append(f.person(hh=Household.objects.get(pk=hh.pk), name="Budi", relationship=c.Relationship.CHILD))
        else:
            Person.objects.filter(pk=newcomer.pk).update(household=hh, relationship=c.Relationship.CHILD)
            came.append(newcomer)

    with _other_transaction() as mover:
        mover.execute("UPDATE registry_household SET village_id = %s WHERE id = %s", [B, hh.pk])  # not committed
        thread = _in_a_thread(come)
        thread.join(1.0)
        waited = thread.is_alive()  # for the move, which the newcomer's trigger could not see otherwise
    thread.join(10)  # the move is committed as the block ends
    assert waited and stored_village(came[0]) == B and out_of_step() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once: PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_household_moved_while_a_member_is_added_moves_the_new_member(areas):
    hh = f.household(village=A)
    f.person(hh=hh)
    with _other_transaction() as adder:
        adder.execute(
            "INSERT INTO registry_person (household_id, village_id, nik_missing_reason, nik_override_reason, "
            "full_name, sex, birth_place, birth_date, relationship, marital_status, education, occupation, phone, "
            "status, created_at, updated_at) VALUES (%s, %s, 'unknown', '', 'Budi', 'M', '', '1990-01-01', "
            "'child', '', '', '', '', 'active', now(), now())",
            [hh.pk, A],
        )  # not committed
        thread = _in_a_thread(lambda: Household.objects.filter(pk=hh.pk).update(village_id=B))
        thread.join(1.0)
        waited = thread.is_alive()  # for the new member, whom the move's trigger could not see otherwise
    thread.join(10)  # the new member is committed as the block ends
    assert waited and set(Person.objects.filter(household=hh).values_list("village_id", flat=True)) == {B}
    assert out_of_step() == 0
