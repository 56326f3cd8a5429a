"""A person's `village` is their household's, kept by the database (registry migration 0014's triggers) whatever
writes the rows: the ORM, a bulk insert, a queryset update, raw SQL, an import (row by row and as a first load), a
merge and its undo, an erasure. A facilitator's scope reads it, so a copy out of step would show people of another
village (or hide their own): every way a person or a household changes village is tried here, on SQLite and
PostgreSQL, and on PostgreSQL with two transactions at once."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.db import IntegrityError, OperationalError, connection, connections, transaction
from django.urls import reverse

from berdaya.accounts.models import User
from berdaya.core.conflicts import WRITE_CONFLICT, is_write_conflict
from berdaya.imports.pipeline import import_households
from berdaya.imports.tests.helpers import household, write_csv
from berdaya.imports.tests.test_bulk import _bulk_mode
from berdaya.privacy.erasure import person_erase
from berdaya.registry import choices as c
from berdaya.registry.access import people_visible_to
from berdaya.registry.filtersets import PersonFilterSet
from berdaya.registry.forms import HOUSEHOLD_FIELDS
from berdaya.registry.models import Household, Person
from berdaya.registry.services import person_add, person_merge_undo, person_update, persons_merge
from berdaya.registry.tests.test_identifier_masking import _post_data
from berdaya.testing import factories as f
from berdaya.testing.clients import client_for

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
    assert_the_triggers_are_there()


def assert_the_triggers_are_there() -> None:
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
    if connection.vendor == "postgresql":
        # What makes a village move, and only it, wait for a newcomer (migration 0014): Django's state knows this
        # index as a plain one, so a migration that remakes it must make it unique again.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indisunique, indisvalid FROM pg_index WHERE indexrelid = 'household_village_idx'::regclass"
            )
            assert cursor.fetchone() == (True, True)


def _migrate(target: str) -> None:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("registry", target)])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_runs_again_after_it_was_stopped_midway(areas):
    # given a registry whose migration 0014 was stopped midway: the column added, some people filled, the triggers
    # not there yet, and (PostgreSQL) index builds stopped, each leaving an INVALID index behind
    hh_a, hh_b = f.household(village=A), f.household(village=B)
    people = [f.person(hh=hh_a), f.person(hh=hh_b, name="Budi", sex=c.Sex.MALE)]
    _migrate("0013_person_household_index_carries_id")
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE registry_person ADD COLUMN village_id varchar(13) NULL")
        cursor.execute("UPDATE registry_person SET village_id = %s WHERE id = %s", [A, people[0].pk])
        if connection.vendor == "postgresql":
            # A concurrent build that fails (here: on a uniqueness the rows break) leaves its index INVALID.
            for name, table in (
                ("household_village_new", "registry_household"),
                ("person_village_idx", "registry_person"),
            ):
                with pytest.raises(IntegrityError), connection.cursor() as raw:
                    raw.execute(f"CREATE UNIQUE INDEX CONCURRENTLY {name} ON {table} ((1))")
            cursor.execute("SELECT count(*) FROM pg_index WHERE NOT indisvalid")
            assert cursor.fetchone()[0] == 2
        else:
            cursor.execute("CREATE INDEX person_village_idx ON registry_person (village_id, id)")

    # when it is run again
    _migrate("0014_person_village")

    # then it finishes: every person filled, the triggers and valid indexes in place
    assert out_of_step() == 0 and [stored_village(p) for p in people] == [A, B]
    assert_the_triggers_are_there()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relname IN ('person_village_idx', 'household_village_idx', 'household_village_new')"
            )
            assert dict(cursor.fetchall()) == {"person_village_idx": True, "household_village_idx": True}
    # and back, and forward again
    _migrate("0013_person_household_index_carries_id")
    _migrate("0014_person_village")
    assert out_of_step() == 0
    assert_the_triggers_are_there()


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


def test_a_person_read_before_their_household_moved_saves_no_change_of_their_own(areas):
    officer = f.user(User.Role.OFFICER)
    hh = f.household(village=A)
    person = Person.objects.select_related("household").get(pk=f.person(hh=hh).pk)
    Household.objects.filter(pk=hh.pk).update(village_id=B)  # someone else moves the household meanwhile
    rows = person.history.count()

    person_update(actor=officer, person=person, data={"full_name": person.full_name})

    # No history row "Diubah" with nothing changed: the village is the database's, not a change of the user's.
    assert person.history.count() == rows and stored_village(person) == B


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


@contextmanager
def _lock_timeout(seconds: int) -> Iterator[None]:
    """This connection gives up waiting for a lock after `seconds` (LockNotAvailable) instead of hanging the test."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{seconds}s'")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once: PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("comes", ["added", "moved in"])
def test_a_member_comes_without_waiting_for_another_edit_of_the_household(areas, comes):
    # given a household another transaction is editing (not its village), as an import holds every household it
    # updates until it commits
    officer = f.user(User.Role.OFFICER)
    hh = f.household(village=A)
    f.person(hh=hh)
    newcomer = f.person(hh=f.household(village=A), name="Budi") if comes == "moved in" else None
    with _other_transaction() as editor:
        editor.execute("UPDATE registry_household SET address = address || ' 2' WHERE id = %s", [hh.pk])
        # when a member is added to it, or moved into it
        with _lock_timeout(3):
            if newcomer is None:
                person = person_add(
                    actor=officer,
                    household=Household.objects.get(pk=hh.pk),
                    data=f.member(name="Budi", relationship=c.Relationship.CHILD),
                )
            else:
                Person.objects.filter(pk=newcomer.pk).update(household=hh, relationship=c.Relationship.CHILD)
                person = newcomer
    # then it did not wait for the edit (LockNotAvailable otherwise), and is in the household's village
    assert stored_village(person) == A and out_of_step() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once: PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_edit_of_the_household_does_not_wait_for_a_member_being_added(areas):
    hh = f.household(village=A)
    f.person(hh=hh)
    with _other_transaction() as adder:
        adder.execute(
            "INSERT INTO registry_person (household_id, nik_missing_reason, nik_override_reason, full_name, sex, "
            "birth_place, birth_date, relationship, marital_status, education, occupation, phone, status, "
            "created_at, updated_at) VALUES (%s, 'unknown', '', 'Budi', 'M', '', '1990-01-01', 'child', '', '', "
            "'', '', 'active', now(), now())",
            [hh.pk],
        )  # not committed
        with _lock_timeout(3):
            Household.objects.filter(pk=hh.pk).update(address="Jl. Baru", floor_area_m2=40)
    assert Household.objects.get(pk=hh.pk).address == "Jl. Baru" and out_of_step() == 0


def _until_one_waits(conn: psycopg.Connection) -> None:
    """Until another session of this database waits for a lock (10 s at most)."""
    for _ in range(200):
        conn.execute("SELECT pg_stat_clear_snapshot()")  # read once per transaction otherwise
        found = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
        if found and found[0]:
            return
        threading.Event().wait(0.05)
    raise AssertionError("nobody waits")


def _member_then_household(hh: Household, member: Person) -> psycopg.Connection:
    """Another transaction that writes a member of `hh`, and that detects a deadlock only after 10 s (so that the
    move it crosses is the one PostgreSQL ends, after its deadlock_timeout of 1 s)."""
    writer = _other_transaction()
    writer.execute("SET deadlock_timeout = '10s'")
    writer.execute("UPDATE registry_person SET occupation = 'Petani' WHERE id = %s", [member.pk])
    return writer


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once: PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_move_crossing_a_member_written_first_ends_as_a_whole_rollback(areas):
    # A village move locks the household, then its members; a transaction that writes a member and then the
    # household crosses it. PostgreSQL ends one of the two: all of it is rolled back, the other commits.
    hh = f.household(village=A)
    member = f.person(hh=hh)
    failed: list[BaseException] = []

    def move() -> None:
        try:
            with transaction.atomic():
                Household.objects.filter(pk=hh.pk).update(village_id=B, address="Pindah")
        except OperationalError as exc:
            failed.append(exc)

    with _member_then_household(hh, member) as writer:
        thread = _in_a_thread(move)
        _until_one_waits(writer)  # the move, for the member's row
        writer.execute("UPDATE registry_household SET rt = '009' WHERE id = %s", [hh.pk])
    thread.join(10)

    assert len(failed) == 1 and is_write_conflict(failed[0])
    stored = Household.objects.values_list("village_id", "address", "rt").get(pk=hh.pk)
    assert stored == (A, "", "009")  # the writer's change, none of the move's
    assert Person.objects.get(pk=member.pk).occupation == "Petani" and out_of_step() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once: PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_household_form_says_the_move_was_not_saved_when_another_write_crossed_it(areas):
    officer = f.user(User.Role.OFFICER)
    hh = f.household(village=A)
    member = f.person(hh=hh)
    pages: list[str] = []

    def send_the_form() -> None:
        data = _post_data(HOUSEHOLD_FIELDS, Household.objects.get(pk=hh.pk), village=B)
        response = client_for(officer).post(reverse("registry:household_edit", args=[hh.pk]), data)
        pages.append(f"{response.status_code} {response.content.decode()}")

    with _member_then_household(hh, member) as writer:
        thread = _in_a_thread(send_the_form)
        _until_one_waits(writer)
        writer.execute("UPDATE registry_household SET rt = '009' WHERE id = %s", [hh.pk])
    thread.join(10)

    # The form again, with the reason and nothing saved, rather than a server error.
    assert pages[0].startswith("200 ") and str(WRITE_CONFLICT) in pages[0].replace("&#x27;", "'")
    assert Household.objects.values_list("village_id", "rt").get(pk=hh.pk) == (A, "009") and out_of_step() == 0
