"""The Organisation model moved from partners to organisations without touching the database: a database migrated
as it was before the move keeps every organisation and every link to one when it is migrated forward."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from berdaya.accounts.models import User
from berdaya.imports.models import ColumnMapping
from berdaya.markets.models import Buyer
from berdaya.organisations.models import Organisation
from berdaya.partners.models import Agreement, Commitment
from berdaya.programmes.models import Programme
from berdaya.registry.models import Household
from berdaya.testing import factories as f

# The last migration of each app before the move (main before issue #16), and organisations not yet there.
BEFORE_THE_MOVE = [
    ("accounts", "0001_initial"),
    ("imports", "0003_dtks_mapping"),
    ("markets", "0002_seed_commodities"),
    ("migration", "0003_case_assignment_log"),
    ("organisations", None),
    ("partners", "0004_pemkab_label"),
    ("programmes", "0004_history_date_unindexed"),
    ("registry", "0004_leaner_indexes"),
]


def _migrate(targets):
    """Migrate to `targets`; the apps (historical models) of the state the database is in then."""
    MigrationExecutor(connection).migrate(targets)
    # A fresh loader reads what is applied now.
    loader = MigrationExecutor(connection).loader
    return loader.project_state(list(loader.applied_migrations)).apps


def _tables() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def _row_counts() -> dict[str, int]:
    """Rows of every table but the migration ledger, history tables included."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(_tables() - {"django_migrations"}):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 (table names)
            counts[table] = cursor.fetchone()[0]
    return counts


# serialized_rollback: the test flushes the database (commodities and needs seeded by migrations included) and gives
# it back as it was for the tests that run after it.
# Side by side (make test), in the PostgreSQL suite only (SQLite rebuilds a table for each step back and forth);
# CI runs it on both databases (conftest.runs_on_this_side).
@pytest.mark.one_side("postgresql")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_keeps_every_organisation_and_link_when_the_model_moves():
    # given areas, a disability organisations' group, a household and an officer, written at today's state
    f.make_areas()
    group = f.group(name="PPDI Merangin", kind="disability_org")
    household = f.household()
    officer = f.user(User.Role.OFFICER, username="petugas")
    leaf = MigrationExecutor(connection).loader.graph.leaf_nodes()
    tables = _tables()
    try:
        # when the database goes back to the migrations of main before the move
        old = _migrate(BEFORE_THE_MOVE)
        # The move back dropped only tables of apps and models that came later (dedup, musdes, grievances...), never
        # one that existed before the move.
        back = _tables()
        assert back <= tables
        assert {"partners_organisation", "partners_organisation_districts", "registry_household"} <= back

        # and organisations and their links are written there, through partners.Organisation
        OldOrganisation = old.get_model("partners", "Organisation")
        assert OldOrganisation._meta.db_table == "partners_organisation"
        ppdi = OldOrganisation.objects.create(name="PPDI Merangin", kind="disability_org", group_id=group.pk)
        ppdi.districts.set(["15.02.01", "15.02.02"])
        bank = OldOrganisation.objects.create(name="Bank Jambi", kind="financial")
        staff = old.get_model("accounts", "User").objects.create(username="staf", role="partner", organisation=ppdi)
        old.get_model("registry", "Household").objects.filter(pk=household.pk).update(registered_by_organisation=ppdi)
        programme = old.get_model("programmes", "Programme").objects.create(
            name="Menjahit",
            kind="training",
            organiser=ppdi,
            start_date=dt.date(2026, 1, 5),
            end_date=dt.date(2026, 3, 5),
            capacity=20,
            created_by_id=officer.pk,
        )
        programme.funders.set([bank])
        agreement = old.get_model("partners", "Agreement").objects.create(
            kind="mou",
            title="Pelatihan inklusif",
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2027, 1, 1),
            created_by_id=officer.pk,
        )
        agreement.parties.set([ppdi, bank])
        commitment = old.get_model("partners", "Commitment").objects.create(
            organisation=bank,
            agreement=agreement,
            kind="funds",
            description="Dana pelatihan",
            amount=50_000_000,
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2026, 12, 31),
            created_by_id=officer.pk,
        )
        buyer = old.get_model("markets", "Buyer").objects.create(
            name="Koperasi Kopi", kind="cooperative", organisation=bank, village_id="15.02.01.2001"
        )
        mapping = old.get_model("imports", "ColumnMapping").objects.create(name="DTKS", organisation=ppdi)
        old.get_model("contenttypes", "ContentType").objects.get_or_create(app_label="partners", model="organisation")

        rows = _row_counts()

        # when it is migrated forward
        _migrate(leaf)
    finally:
        _migrate(leaf)

    # then the same tables hold the same rows, and every link reads through organisations.Organisation
    assert _tables() == tables
    after = _row_counts()
    assert {table: after[table] for table in rows} == rows
    assert rows["partners_organisation"] == 2
    assert rows["partners_organisation_districts"] == 2
    assert rows["registry_historicalhousehold"] >= 1
    assert Organisation._meta.db_table == "partners_organisation"
    assert list(Organisation.objects.values_list("pk", "name")) == [(bank.pk, "Bank Jambi"), (ppdi.pk, "PPDI Merangin")]
    moved = Organisation.objects.get(pk=ppdi.pk)
    assert moved.group == group
    assert group.organisation == moved
    assert sorted(moved.districts.values_list("code", flat=True)) == ["15.02.01", "15.02.02"]
    assert User.objects.get(pk=staff.pk).organisation == moved
    assert list(moved.staff.all()) == [User.objects.get(pk=staff.pk)]
    assert Household.objects.get(pk=household.pk).registered_by_organisation == moved
    programme = Programme.objects.get(pk=programme.pk)
    assert programme.organiser == moved
    assert list(programme.funders.all()) == [Organisation.objects.get(pk=bank.pk)]
    assert sorted(Agreement.objects.get(pk=agreement.pk).parties.values_list("name", flat=True)) == [
        "Bank Jambi",
        "PPDI Merangin",
    ]
    assert Commitment.objects.get(pk=commitment.pk).organisation_id == bank.pk
    assert Buyer.objects.get(pk=buyer.pk).organisation_id == bank.pk
    assert ColumnMapping.objects.get(pk=mapping.pk).organisation == moved
    # Permissions and admin log entries follow the content type, which moved with the model.
    assert ContentType.objects.get_for_model(Organisation).app_label == "organisations"
    assert not ContentType.objects.filter(app_label="partners", model="organisation").exists()
