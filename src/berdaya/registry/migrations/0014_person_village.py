"""A person's village, copied from their household by the database (docs/decisions.md, "A person's village").

Safe on a registry of millions (not one transaction, `atomic = False`): the column is added empty (no rewrite), the
triggers are installed next (from then on every written person and every moved household is right), the existing
people are filled in batches of BATCH ids (each its own short transaction, so writers wait on no more than a batch's
rows), and the index is built last, on PostgreSQL without blocking writes (CREATE INDEX CONCURRENTLY).

The rule, on PostgreSQL and SQLite alike: after a statement inserts people or changes their household or village,
every one of its rows whose village is not their household's is set to it (so the application's own value never
counts, but a writer that sends the right one, the import above all, costs no second write); a household whose
village changes moves its people's village with it, in the same statement.
- PostgreSQL checks the rows of a statement together (statement triggers reading the statement's new rows): a
  million imported people cost one join (under a second of CPU), where a row trigger cost a function call and a
  lookup per row (6-8 s, a fifth of the people's COPY). It first waits for any transaction moving one of the
  households its rows come into to another village (FOR SHARE), whose own trigger cannot see these uncommitted
  rows; not for a household this transaction wrote itself (the same xmin as the rows: a first load's new
  households), nor when the transaction holds the household table against writers (an import adding households).
- SQLite has no statement triggers and one writer at a time: a row trigger whose WHEN looks the village up, and
  rewrites the row only when it differs.
On SQLite, rebuilding `registry_person` or `registry_household` (a later AlterField there remakes the table) drops
their triggers: registry/tests/test_person_village.py fails if they are missing after all migrations.
"""

from django.db import migrations, models

BATCH = 20_000

# Its statements run through EXECUTE, planned for each statement's number of rows: a plan kept from a million-row
# import (a hash join over every household) would cost the next single row a scan of every household.
POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION registry_person_village() RETURNS trigger AS $$
    DECLARE
        mine xid;
    BEGIN
        IF NOT EXISTS (SELECT FROM new_rows) THEN
            RETURN NULL;  -- ends the check of the correcting UPDATE below (a statement trigger fires on no rows too)
        END IF;
        -- People who come into a household (inserted, or moved to another) wait for any transaction moving that
        -- household to another village, whose trigger cannot see them (FOR SHARE waits for its UPDATE). Not for the
        -- households this transaction wrote itself (the same xmin as these rows), which are its own already, nor
        -- when it holds the households' table against writers (an import that adds households does).
        IF NOT EXISTS (
            SELECT FROM pg_locks
            WHERE locktype = 'relation' AND relation = 'registry_household'::regclass
              AND pid = pg_backend_pid() AND granted
              AND mode IN ('ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
        ) THEN
            mine := (SELECT p.xmin FROM registry_person p WHERE p.id = (SELECT min(id) FROM new_rows));
            IF TG_OP = 'INSERT' THEN
                EXECUTE 'SELECT FROM registry_household h WHERE h.id IN (SELECT household_id FROM new_rows) '
                        'AND h.xmin <> $1 FOR SHARE'
                USING mine;
            ELSE
                EXECUTE 'SELECT FROM registry_household h WHERE h.id IN (SELECT n.household_id FROM new_rows n '
                        'JOIN old_rows o ON o.id = n.id WHERE o.household_id <> n.household_id) '
                        'AND h.xmin <> $1 FOR SHARE'
                USING mine;
            END IF;
        END IF;
        EXECUTE 'UPDATE registry_person p SET village_id = h.village_id '
                'FROM new_rows n JOIN registry_household h ON h.id = n.household_id '
                'WHERE p.id = n.id AND n.village_id IS DISTINCT FROM h.village_id';
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS registry_person_village_insert ON registry_person",
    """
    CREATE TRIGGER registry_person_village_insert AFTER INSERT ON registry_person
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION registry_person_village()
    """,
    "DROP TRIGGER IF EXISTS registry_person_village_update ON registry_person",
    # A trigger with transition tables cannot name columns (UPDATE OF): it reads every updating statement's rows.
    """
    CREATE TRIGGER registry_person_village_update AFTER UPDATE ON registry_person
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION registry_person_village()
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
    "DROP TRIGGER IF EXISTS registry_person_village_insert ON registry_person",
    "DROP TRIGGER IF EXISTS registry_person_village_update ON registry_person",
    "DROP TRIGGER IF EXISTS registry_household_village ON registry_household",
    "DROP FUNCTION IF EXISTS registry_person_village()",
    "DROP FUNCTION IF EXISTS registry_household_village()",
]

# SQLite's triggers cannot change NEW: the row is set right after it is written, only when it is not right already
# (recursive triggers are off, and the WHEN stops a second pass in any case).
_SQLITE_VILLAGE = "(SELECT h.village_id FROM registry_household h WHERE h.id = NEW.household_id)"
_SQLITE_SET = f"""
    WHEN NEW.village_id IS NOT {_SQLITE_VILLAGE}
    BEGIN
        UPDATE registry_person SET village_id = {_SQLITE_VILLAGE} WHERE id = NEW.id;
    END
"""

SQLITE = [
    "DROP TRIGGER IF EXISTS registry_person_village_insert",
    f"CREATE TRIGGER registry_person_village_insert AFTER INSERT ON registry_person {_SQLITE_SET}",
    "DROP TRIGGER IF EXISTS registry_person_village_update",
    "CREATE TRIGGER registry_person_village_update AFTER UPDATE OF household_id, village_id ON registry_person"
    f" {_SQLITE_SET}",
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
