"""Migration helpers for SQLite's table rebuilds.

SQLite cannot add a CHECK constraint (or change a column) in place: Django rebuilds the table under a new name and
renames it back. Since SQLite 3.26 a rename checks every view, and a view that names the table (an upper app's, e.g.
targeting's `targeting_householdfacts` over `registry_person`) makes the rename fail. A lower app's migration cannot
know the upper app's views, so it sets aside whichever views name the table, and puts them back unchanged:

    operations = [*views_set_aside("registry_person"), ...the rebuilding operations..., *views_put_back("registry_person")]

On PostgreSQL (no rebuild) both are no-ops.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import migrations

_set_aside: dict[tuple[str, str], list[tuple[str, str]]] = {}


def _views_naming(schema_editor: Any, table: str) -> list[tuple[str, str]]:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY name")
        rows = cursor.fetchall()
    pattern = re.compile(rf"\b{re.escape(table)}\b")
    return [(name, sql) for name, sql in rows if sql and pattern.search(sql)]


def _drop(table: str) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "sqlite":
            return
        views = _views_naming(schema_editor, table)
        _set_aside[(schema_editor.connection.alias, table)] = views
        for name, _sql in views:
            schema_editor.execute(f'DROP VIEW "{name}"')

    return run


def _restore(table: str) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "sqlite":
            return
        for _name, sql in _set_aside.pop((schema_editor.connection.alias, table), []):
            schema_editor.execute(sql)

    return run


def views_set_aside(table: str) -> list[migrations.RunPython]:
    return [migrations.RunPython(_drop(table), _restore(table), elidable=False)]


def views_put_back(table: str) -> list[migrations.RunPython]:
    return [migrations.RunPython(_restore(table), _drop(table), elidable=False)]
