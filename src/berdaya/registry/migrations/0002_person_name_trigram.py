"""A trigram index so that name search (`icontains`) stays fast on PostgreSQL at a million people.

SQLite has no equivalent; there the search scans, which is fine at a regency's size on a laptop.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # Matches the SQL Django emits for icontains: UPPER("full_name"::text) LIKE UPPER(%s).
    "CREATE INDEX IF NOT EXISTS person_name_trgm ON registry_person USING gin ((UPPER(full_name::text)) gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS person_name_trgm"]


def _run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
