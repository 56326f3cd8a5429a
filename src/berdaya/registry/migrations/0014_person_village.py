"""A person's village, copied from their household by the database (docs/decisions.md, "A person's village").

Safe on a registry of millions (not one transaction, `atomic = False`), and safe to run again after it was stopped
midway (each step checks what is there already): the column is added empty (no rewrite); on PostgreSQL the
households' (village, id) index is made unique (see below); the triggers are installed (from then on every written
person and every moved household is right); the existing people are filled in batches of BATCH ids (each its own
short transaction, so writers wait on no more than a batch's rows); the people's index is built last. PostgreSQL builds
both indexes without blocking writes (CONCURRENTLY), and drops first an index such a build left INVALID when it was
stopped (IF NOT EXISTS would keep that one for ever).

The rule, on PostgreSQL and SQLite alike: after a statement inserts people or changes their household or village,
every one of its rows whose village is not their household's is set to it (so the application's own value never
counts, but a writer that sends the right one, the import above all, costs no second write); a statement that moves
households to another village moves their people with it, and only the people whose village differs are written.
- PostgreSQL checks the rows of a statement together (statement triggers reading the statement's transition tables):
  a million imported people cost one join, a move of thousands of households one UPDATE of their people (their
  people's own trigger does not check again the rows these triggers wrote: pg_trigger_depth()).
  Two transactions at once: a person who comes into a household (inserted, or moved from another) while another
  transaction moves that household to another village must end in the new village, yet neither trigger can see the
  other's uncommitted rows. The person's trigger takes FOR KEY SHARE on the households its rows come into (what a
  foreign-key check takes), and the households' (village, id) index is UNIQUE, which makes village_id a key column:
  an UPDATE that changes it takes the row's FOR UPDATE lock, which conflicts with FOR KEY SHARE, while every other
  update of a household (address, assets, KK number) takes FOR NO KEY UPDATE, which does not. So only a village move
  and a newcomer wait for each other, whichever came first (the move's trigger then sees the newcomer, or the
  newcomer's check the new village), and a member added to a household an import is updating does not wait for the
  import. The lock is not taken on households this transaction wrote itself (the same xmin as the rows: it holds
  them against any move already), nor when it holds the household table against writers (an import that adds
  households does).
- SQLite has no statement triggers and one writer at a time: a row trigger whose WHEN looks the village up, and
  rewrites the row only when it differs.
On SQLite, rebuilding `registry_person` or `registry_household` (a later AlterField there remakes the table) drops
their triggers; on PostgreSQL a later migration that drops or remakes household_village_idx (Django's state knows it
as a plain index) would reopen the race: registry/tests/test_person_village.py fails in either case.
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
        -- The rows written by these triggers themselves (the correction below, a household's move) are right.
        IF pg_trigger_depth() > 1 OR NOT EXISTS (SELECT FROM new_rows) THEN
            RETURN NULL;
        END IF;
        -- People who come into a household (inserted, or moved from another) wait for any transaction moving that
        -- household to another village, whose trigger cannot see them, and make a later move wait for them (FOR KEY
        -- SHARE against the move's FOR UPDATE: village_id is a key column, see above). Not for the households this
        -- transaction wrote itself (the same xmin as these rows), nor when it holds the households' table against
        -- writers (an import that adds households does).
        IF NOT EXISTS (
            SELECT FROM pg_locks
            WHERE locktype = 'relation' AND relation = 'registry_household'::regclass
              AND pid = pg_backend_pid() AND granted
              AND mode IN ('ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
        ) THEN
            mine := (SELECT p.xmin FROM registry_person p WHERE p.id = (SELECT min(id) FROM new_rows));
            IF TG_OP = 'INSERT' THEN
                EXECUTE 'SELECT FROM registry_household h WHERE h.id IN (SELECT household_id FROM new_rows) '
                        'AND h.xmin <> $1 ORDER BY h.id FOR KEY SHARE'
                USING mine;
            ELSE
                EXECUTE 'SELECT FROM registry_household h WHERE h.id IN (SELECT n.household_id FROM new_rows n '
                        'JOIN old_rows o ON o.id = n.id WHERE o.household_id <> n.household_id) '
                        'AND h.xmin <> $1 ORDER BY h.id FOR KEY SHARE'
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
    # The households a statement moved, then one UPDATE of their people whose village differs (planned for the
    # number moved: an index probe per household for a few, one join for thousands).
    """
    CREATE OR REPLACE FUNCTION registry_household_village() RETURNS trigger AS $$
    DECLARE
        moved bigint[];
    BEGIN
        EXECUTE 'SELECT array_agg(n.id) FROM new_rows n JOIN old_rows o ON o.id = n.id '
                'WHERE n.village_id IS DISTINCT FROM o.village_id'
        INTO moved;
        IF moved IS NOT NULL THEN
            EXECUTE 'UPDATE registry_person p SET village_id = h.village_id FROM registry_household h '
                    'WHERE h.id = ANY($1) AND p.household_id = h.id AND p.village_id IS DISTINCT FROM h.village_id'
            USING moved;
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS registry_household_village ON registry_household",
    """
    CREATE TRIGGER registry_household_village AFTER UPDATE ON registry_household
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION registry_household_village()
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
        UPDATE registry_person SET village_id = NEW.village_id
        WHERE household_id = NEW.id AND village_id IS NOT NEW.village_id;
    END
    """,
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS registry_person_village_insert",
    "DROP TRIGGER IF EXISTS registry_person_village_update",
    "DROP TRIGGER IF EXISTS registry_household_village",
]

INDEX = models.Index(fields=["village", "id"], include=("status",), name="person_village_idx")
PERSON_INDEX_SQL = "ON registry_person (village_id, id) INCLUDE (status)"
# The households' index by village (Meta: household_village_idx), made UNIQUE on PostgreSQL (id alone is unique, so
# this adds no rule): village_id becomes a key column, so only a village move takes FOR UPDATE (see above). Django's
# state keeps it as the plain index it declares: a unique constraint there would cost every household's full_clean a
# query.
HOUSEHOLD_INDEX_SQL = "ON registry_household (village_id, id)"


def _run(schema_editor, statements):
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _index(cursor, name):
    """(valid, unique) of the index `name`, or None when there is none (PostgreSQL)."""
    cursor.execute(
        "SELECT i.indisvalid, i.indisunique FROM pg_index i WHERE i.indexrelid = to_regclass(%s)",
        [name],
    )
    return cursor.fetchone()


def _build(cursor, name, create, on):
    """`create` (CREATE [UNIQUE] INDEX) `name` `on` without blocking writes, unless a valid one is there: one left
    INVALID by a build that was stopped is dropped first."""
    found = _index(cursor, name)
    if found is not None and not found[0]:
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        found = None
    if found is None:
        cursor.execute(f"{create} CONCURRENTLY {name} {on}")


def _swap(cursor, unique):
    """household_village_idx as a unique (or, backwards, plain) index, built beside it as household_village_new and
    renamed: each step checks what is there, so a run stopped between two of them goes on from where it was."""
    found = _index(cursor, "household_village_idx")
    if found is not None and found[0] and found[1] == unique:
        cursor.execute("DROP INDEX CONCURRENTLY IF EXISTS household_village_new")
        return
    _build(cursor, "household_village_new", "CREATE UNIQUE INDEX" if unique else "CREATE INDEX", HOUSEHOLD_INDEX_SQL)
    cursor.execute("DROP INDEX CONCURRENTLY IF EXISTS household_village_idx")
    cursor.execute("ALTER INDEX household_village_new RENAME TO household_village_idx")


def add_column(apps, schema_editor):
    # After the state's AddField: the field is the model's as declared. Not added twice after a stopped run.
    person = apps.get_model("registry", "Person")
    with schema_editor.connection.cursor() as cursor:
        columns = schema_editor.connection.introspection.get_table_description(cursor, "registry_person")
    if "village_id" not in {column.name for column in columns}:
        schema_editor.add_field(person, person._meta.get_field("village"))


def remove_column(apps, schema_editor):
    person = apps.get_model("registry", "Person")
    schema_editor.remove_field(person, person._meta.get_field("village"))


def household_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            _swap(cursor, unique=True)


def household_plain(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            _swap(cursor, unique=False)


def triggers(apps, schema_editor):
    _run(schema_editor, POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE)


def no_triggers(apps, schema_editor):
    _run(schema_editor, POSTGRESQL_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP)


def fill(apps, schema_editor):
    """Every existing person's village, BATCH ids at a time (each batch its own transaction). A person filled by an
    earlier, stopped run (or written since the triggers) is not written again."""
    from django.db import transaction

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM registry_person WHERE village_id IS NULL")
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
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            _build(cursor, "person_village_idx", "CREATE INDEX", PERSON_INDEX_SQL)
        else:
            # SQLite has no INCLUDE (Django leaves it out there too).
            cursor.execute("CREATE INDEX IF NOT EXISTS person_village_idx ON registry_person (village_id, id)")


def remove_index(apps, schema_editor):
    _run(schema_editor, ["DROP INDEX IF EXISTS person_village_idx"])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("areas", "0001_initial"),
        ("registry", "0013_person_household_index_carries_id"),
    ]

    operations = [
        # The column in Django's state, then in the database where it is not there yet (a stopped run added it).
        migrations.SeparateDatabaseAndState(
            state_operations=[
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
            ],
        ),
        migrations.RunPython(add_column, remove_column),
        migrations.RunPython(household_key, household_plain),
        migrations.RunPython(triggers, no_triggers),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="person", index=INDEX)],
            database_operations=[migrations.RunPython(add_index, remove_index)],
        ),
    ]
