"""The Organisation model moved from partners to organisations without touching the database: a database migrated
as it was before the move keeps every organisation and every link to one when it is migrated forward."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from berdaya.accounts.models import User
from berdaya.imports.models import ColumnMapping
from berdaya.markets.models import Buyer
from berdaya.organisations.models import Organisation
from berdaya.partners.models import Agreement, Commitment
from berdaya.programmes.models import Programme
from berdaya.registry.models import Group, Household
from berdaya.testing.scratchdb import scratch_database

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


def _history(old, app: str, model: str, instance) -> None:
    """The change-history row simple_history writes when `instance` is created (historical models write none)."""
    fields = {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}
    fields.pop("updated_at", None)  # not kept in history
    old.get_model(app, f"Historical{model}").objects.create(
        **fields, history_date=timezone.now(), history_type="+", history_user_id=None
    )


# On an empty database of its own (testing.scratchdb), migrated forward only: no step back through every later
# migration, and the test database is left as it is (no transactional test, no serialized rollback).
# Side by side (make test), in the PostgreSQL suite only; CI runs it on both databases (conftest.runs_on_this_side).
@pytest.mark.one_side("postgresql")
@pytest.mark.django_db
def test_it_keeps_every_organisation_and_link_when_the_model_moves():
    tables = _tables()  # the test database, every migration applied
    with scratch_database("orgmove") as db:
        # given a database migrated as main was before the move
        old = db.migrate(BEFORE_THE_MOVE)
        back = _tables()
        assert back <= tables
        assert {"partners_organisation", "partners_organisation_districts", "registry_household"} <= back

        # with areas, a disability organisations' group, a household and an officer, written at that state
        old.get_model("areas", "Province").objects.create(code="15", name="Jambi")
        old.get_model("areas", "Regency").objects.create(code="15.02", province_id="15", name="Kabupaten Merangin")
        for code, name in (("15.02.01", "Jangkat"), ("15.02.02", "Sungai Tenang")):
            old.get_model("areas", "District").objects.create(code=code, regency_id="15.02", name=name)
        old.get_model("areas", "Village").objects.create(
            code="15.02.01.2001", district_id="15.02.01", name="Jangkat Desa 1", kind="desa"
        )
        group = old.get_model("registry", "Group").objects.create(
            village_id="15.02.01.2001", name="PPDI Merangin", kind="disability_org"
        )
        officer = old.get_model("accounts", "User").objects.create(username="petugas", role="officer", password="!")

        # and organisations and their links written through partners.Organisation
        OldOrganisation = old.get_model("partners", "Organisation")
        assert OldOrganisation._meta.db_table == "partners_organisation"
        ppdi = OldOrganisation.objects.create(name="PPDI Merangin", kind="disability_org", group_id=group.pk)
        ppdi.districts.set(["15.02.01", "15.02.02"])
        bank = OldOrganisation.objects.create(name="Bank Jambi", kind="financial")
        staff = old.get_model("accounts", "User").objects.create(
            username="staf", role="partner", organisation=ppdi, password="!"
        )
        household = old.get_model("registry", "Household").objects.create(
            village_id="15.02.01.2001", registered_by_organisation=ppdi
        )
        _history(old, "registry", "Household", household)
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
        # The content type and permissions post_migrate made for partners.Organisation, one granted to the staff.
        content_type = old.get_model("contenttypes", "ContentType").objects.create(
            app_label="partners", model="organisation"
        )
        permissions = {
            action: old.get_model("auth", "Permission").objects.create(
                content_type=content_type, codename=f"{action}_organisation", name=f"Can {action} organisasi"
            )
            for action in ("add", "change", "delete", "view")
        }
        staff.user_permissions.set([permissions["view"]])

        rows = _row_counts()

        # when every app that had tables before the move is migrated forward to its last migration (the apps born
        # after the move hold nothing written before it)
        forward = db.with_dependencies(db.applied_apps() | {"organisations"})
        db.migrate(db.leaf_nodes(forward))

        # then no table is lost, and each of those apps has exactly the tables it has in the test database
        after_tables = _tables()
        assert back <= after_tables
        owner = {m._meta.db_table: m._meta.app_label for m in django_apps.get_models(include_auto_created=True)}
        assert after_tables == {t for t in tables if owner.get(t) in forward} | {"django_migrations"}
        # the same tables hold the same rows, and every link reads through organisations.Organisation
        after = _row_counts()
        assert {table: after[table] for table in rows} == rows
        assert rows["partners_organisation"] == 2
        assert rows["partners_organisation_districts"] == 2
        assert rows["registry_historicalhousehold"] >= 1
        assert Organisation._meta.db_table == "partners_organisation"
        assert list(Organisation.objects.values_list("pk", "name")) == [
            (bank.pk, "Bank Jambi"),
            (ppdi.pk, "PPDI Merangin"),
        ]
        moved = Organisation.objects.get(pk=ppdi.pk)
        assert moved.group == Group.objects.get(pk=group.pk)
        assert Group.objects.get(pk=group.pk).organisation == moved
        assert sorted(moved.districts.values_list("code", flat=True)) == ["15.02.01", "15.02.02"]
        assert User.objects.get(pk=staff.pk).organisation == moved
        assert list(moved.staff.all()) == [User.objects.get(pk=staff.pk)]
        assert Household.objects.get(pk=household.pk).registered_by_organisation == moved
        assert Household.history.get(id=household.pk).registered_by_organisation == moved
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
        # Permissions and admin log entries follow the content type, which moved with the model (the same row).
        assert ContentType.objects.get_for_model(Organisation).pk == content_type.pk
        assert ContentType.objects.get_for_model(Organisation).app_label == "organisations"
        assert not ContentType.objects.filter(app_label="partners", model="organisation").exists()
        assert set(Permission.objects.filter(content_type=content_type.pk).values_list("codename", flat=True)) == {
            "add_organisation",
            "change_organisation",
            "delete_organisation",
            "view_organisation",
        }
        assert list(
            User.objects.get(pk=staff.pk).user_permissions.values_list("content_type__app_label", "codename")
        ) == [("organisations", "view_organisation")]
