"""A database of its own for a migration test: created empty, migrated forward only, dropped at the end.

A test that takes the test database back to an old migration and forward again pays twice: unapplying every later
migration (Django renders the migration state of each step, most of a minute for our migrations) and, being
transactional, emptying and restoring the whole test database for the tests after it. On an empty database of its
own the test migrates from nothing to the old state, writes its rows there with the historical models of that
state, and migrates forward: the same path a deployed database takes, at a fraction of the cost, and the test
database is never touched (the test needs no `transaction=True` nor `serialized_rollback`).

Inside the block the scratch database *is* the default connection: models, raw cursors and the migrations' own data
steps (most write through `Model.objects` without `.using()`, as on a deployed server with one database) all go to
it. The test database's connection, with the test's open transaction, is set aside untouched and comes back when the
block ends. PostgreSQL: a database named after the test database (`<test database>_<suffix>`); SQLite: a file in a
temporary directory.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps

Node = tuple[str, str | None]


class ScratchDatabase:
    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection

    def migrate(self, targets: Iterable[Node]) -> StateApps:
        """Migrate forward to `targets` (Django's `migrate` does the same, less the post_migrate signal: no content
        types or permissions appear unless the test writes them); the historical models of the state it is in then."""
        state = MigrationExecutor(self.connection).migrate(list(targets))
        # As the migrate command does before handing the apps to post_migrate: no model is left half-rendered.
        state.clear_delayed_apps_cache()
        return state.apps

    def applied_apps(self) -> set[str]:
        """The apps with at least one migration applied."""
        return {app for app, _name in MigrationExecutor(self.connection).loader.applied_migrations}

    def leaf_nodes(self, apps: Iterable[str]) -> list[Node]:
        """The last migration of each of `apps`."""
        apps = set(apps)
        return [node for node in MigrationExecutor(self.connection).loader.graph.leaf_nodes() if node[0] in apps]

    def with_dependencies(self, apps: Iterable[str]) -> set[str]:
        """`apps` and every app their last migrations depend on, again and again: migrated to their last migrations,
        each of these apps is complete, with every table it has in the test database."""
        graph = MigrationExecutor(self.connection).loader.graph
        last = dict(graph.leaf_nodes())
        apps = set(apps)
        while True:
            needed = {node[0] for app in apps for node in graph.forwards_plan((app, last[app]))}
            if needed <= apps:
                return apps
            apps |= needed


@contextmanager
def scratch_database(suffix: str) -> Iterator[ScratchDatabase]:
    """An empty database standing in for the default one inside the block (see the module's docstring)."""
    main = connections[DEFAULT_DB_ALIAS]
    settings_dict = copy.deepcopy(main.settings_dict)
    with ExitStack() as stack:
        if main.vendor == "sqlite":
            directory = stack.enter_context(tempfile.TemporaryDirectory(prefix=f"berdaya-{suffix}-"))
            settings_dict["NAME"] = str(Path(directory) / "db.sqlite3")
        elif main.vendor == "postgresql":
            name = f"{main.settings_dict['NAME']}_{suffix}"
            quoted = main.ops.quote_name(name)
            with main._nodb_cursor() as cursor:
                # A run killed half-way leaves its database behind.
                cursor.execute(f"DROP DATABASE IF EXISTS {quoted}")
                cursor.execute(f"CREATE DATABASE {quoted}")
            stack.callback(_drop_postgresql, main, quoted)
            settings_dict["NAME"] = name
        else:
            raise NotImplementedError(main.vendor)
        scratch = main.__class__(settings_dict, DEFAULT_DB_ALIAS)
        stack.callback(_give_back, main)
        stack.callback(scratch.close)
        connections[DEFAULT_DB_ALIAS] = scratch
        # Content types are cached per alias: the test database's ids must not serve the scratch one, nor the other
        # way round afterwards.
        ContentType.objects.clear_cache()
        yield ScratchDatabase(scratch)


def _give_back(main: BaseDatabaseWrapper) -> None:
    connections[DEFAULT_DB_ALIAS] = main
    ContentType.objects.clear_cache()


def _drop_postgresql(main: BaseDatabaseWrapper, quoted: str) -> None:
    with main._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
