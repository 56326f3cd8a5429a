"""A person's village, copied from their household by the database (docs/decisions.md, "A person's village").

Safe on a registry of millions (not one transaction, `atomic = False`): the column is added empty (no rewrite), the
triggers are installed next (from then on every written person and every moved household is right), the existing
people are filled in batches of BATCH ids (each its own short transaction, so writers wait on no more than a batch's
rows), and the index is built last, on PostgreSQL without blocking writes (CREATE INDEX CONCURRENTLY).

The triggers, on PostgreSQL and SQLite alike:
- a person inserted, or updated with `household_id` or `village_id` in the statement, takes their household's
  village (so the application's own value of the column never counts);
- a household whose village changes moves its people's village with it, in the same statement.
On SQLite, rebuilding `registry_person` or `registry_household` (a later AlterField there remakes the table) drops
their triggers: registry/tests/test_person_village.py fails if they are missing after all migrations.
"""

from django.db import migrations, models

BATCH = 20_000

POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION registry_person_village() RETURNS trigger AS $$
    BEGIN
        NEW.village_id := (SELECT h.village_id FROM registry_household h WHERE h.id = NEW.household_id);
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS registry_person_village ON registry_person",
    """
    CREATE TRIGGER registry_person_village BEFORE INSERT OR UPDATE OF household_id, village_id ON registry_person
    FOR EACH ROW EXECUTE FUNCTION registry_person_village()
    """,
    """
    CREATE OR REPLACE FUNCTION registry_household_village() RETURNS trigger AS $$
    BEGIN
        UPDATE registry_person SET village_id = NEW.village_id
        WHERE household_id = NEW.id AND village_id IS DISTINCT FROM NEW.village_id;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS registry_household_village ON registry_household",
    """
    CREATE TRIGGER registry_household_village AFTER UPDATE OF village_id ON registry_household
    FOR EACH ROW WHEN (OLD.village_id IS DISTINCT FROM NEW.village_id) EXECUTE FUNCTION registry_household_village()
    """,
]

POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS registry_person_village ON registry_person",
    "DROP TRIGGER IF EXISTS registry_household_village ON registry_household",
    "DROP FUNCTION IF EXISTS registry_person_village()",
    "DROP FUNCTION IF EXISTS registry_household_village()",
]

# SQLite's triggers cannot change NEW: the row is set right after it is written (recursive triggers are off, and the
# condition stops a second pass in any case).
_SQLITE_SET = """
    UPDATE registry_person
    SET village_id = (SELECT h.village_id FROM registry_household h WHERE h.id = NEW.household_id)
    WHERE id = NEW.id
      AND village_id IS NOT (SELECT h.village_id FROM registry_household h WHERE h.id = NEW.household_id);
"""

SQLITE = [
    "DROP TRIGGER IF EXISTS registry_person_village_insert",
    f"CREATE TRIGGER registry_person_village_insert AFTER INSERT ON registry_person BEGIN {_SQLITE_SET} END",
    "DROP TRIGGER IF EXISTS registry_person_village_update",
    "CREATE TRIGGER registry_person_village_update AFTER UPDATE OF household_id, village_id ON registry_person"
    f" BEGIN {_SQLITE_SET} END",
    "DROP TRIGGER IF EXISTS registry_household_village",
    """
    CREATE TRIGGER registry_household_village AFTER UPDATE OF village_id ON registry_household
    WHEN OLD.village_id IS NOT NEW.village_id
    BEGIN
        UPDATE registry_person SET village_id = NEW.village_id WHERE household_id = NEW.id;
    END
    """,
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS registry_person_village_insert",
    "DROP TRIGGER IF EXISTS registry_person_village_update",
    "DROP TRIGGER IF EXISTS registry_household_village",
]

INDEX = models.Index(fields=["village", "id"], include=("status",), name="person_village_idx")


def _run(schema_editor, statements):
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def triggers(apps, schema_editor):
    _run(schema_editor, POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE)


def no_triggers(apps, schema_editor):
    _run(schema_editor, POSTGRESQL_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP)


def fill(apps, schema_editor):
    """Every existing person's village, BATCH ids at a time (each batch its own transaction)."""
    from django.db import transaction

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM registry_person")
        low, high = cursor.fetchone()
    if low is None:
        return
    for start in range(low, high + 1, BATCH):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE registry_person SET village_id = "
                "(SELECT h.village_id FROM registry_household h WHERE h.id = registry_person.household_id) "
                "WHERE id >= %s AND id < %s AND village_id IS NULL",
                [start, start + BATCH],
            )


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Built without blocking writes; IF NOT EXISTS: a run interrupted after it may be run again.
        _run(
            schema_editor,
            [
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS person_village_idx "
                "ON registry_person (village_id, id) INCLUDE (status)"
            ],
        )
    else:
        schema_editor.add_index(apps.get_model("registry", "Person"), INDEX)


def remove_index(apps, schema_editor):
    _run(schema_editor, ["DROP INDEX IF EXISTS person_village_idx"])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("areas", "0001_initial"),
        ("registry", "0013_person_household_index_carries_id"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="village",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=models.deletion.DO_NOTHING,
                related_name="+",
                to="areas.village",
                verbose_name="desa/kelurahan",
            ),
        ),
        migrations.RunPython(triggers, no_triggers),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="person", index=INDEX)],
            database_operations=[migrations.RunPython(add_index, remove_index)],
        ),
    ]
