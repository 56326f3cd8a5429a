"""Answers (`dci_transaction.response`, about 100 kB for a 100-record page) compressed with LZ4 instead of
PostgreSQL's default pglz: about half the backend's CPU for storing one (1.9 → 1.2 ms per 100-record answer,
docs/benchmarks.md), at about the same size. Only new values are compressed so (no rewrite: a change of the column's
settings, instant on any size). PostgreSQL 14 or later built with LZ4; elsewhere, and on SQLite, nothing changes."""

from django.db import migrations


def lz4(apps, schema_editor, method="lz4"):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
        row = cursor.fetchone()
        if row is None or method not in (row[0] or []):
            return
        for column in ("request", "response"):
            cursor.execute(f"ALTER TABLE dci_transaction ALTER COLUMN {column} SET COMPRESSION {method}")


def pglz(apps, schema_editor):
    lz4(apps, schema_editor, method="pglz")


class Migration(migrations.Migration):
    dependencies = [("dci", "0001_spdci_exchanges")]

    operations = [migrations.RunPython(lz4, pglz)]
