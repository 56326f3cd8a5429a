import os

import pytest

from berdaya.testing import factories
from berdaya.testing.browser import browser_missing


@pytest.fixture
def areas(db):
    factories.make_areas()


@pytest.fixture
def officer(areas):
    return factories.user("officer")


@pytest.fixture
def admin_user(areas):
    return factories.user("admin")


@pytest.fixture
def facilitator(areas):
    # Assigned to one village of Jangkat only.
    return factories.user("facilitator", villages=["15.02.01.2001"])


@pytest.fixture
def viewer(areas):
    return factories.user("viewer")


@pytest.fixture
def partner(areas):
    return factories.user("partner", org=factories.organisation("LSM Tani Sejahtera"))


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files (agreement documents...) go to a temporary MEDIA_ROOT, not the project's var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session")
def migrated_sqlite(request, tmp_path_factory):
    """A SQLite file with every migration applied (data migrations included), made once per run: the tests that
    run commands in subprocesses on a database of their own copy it (`shutil.copyfile`) instead of each migrating
    from nothing (the whole schema takes tens of seconds to create, longer on a busy machine).

    On the SQLite suite it is a copy of the test database itself (which pytest-django migrated at the start, and
    which holds no test's rows between modules); on PostgreSQL it is migrated once in a subprocess."""
    import shutil
    import sqlite3
    import subprocess
    import sys

    from django.conf import settings

    target = tmp_path_factory.mktemp("migrated") / "berdaya.sqlite3"
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        request.getfixturevalue("django_db_setup")
        from django.db import connection

        with request.getfixturevalue("django_db_blocker").unblock():
            connection.ensure_connection()
            out = sqlite3.connect(target)
            connection.connection.backup(out)
            people = out.execute("SELECT COUNT(*) FROM registry_person").fetchone()[0]
            out.close()
        if people == 0:
            return target
        target.unlink()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BERDAYA_", "DATABASE_URL"))}
    env.update(
        BERDAYA_DATA_DIR=str(target.parent / "data"),
        DATABASE_URL=f"sqlite:///{target}",
        DJANGO_SETTINGS_MODULE="berdaya.settings",
    )
    subprocess.run(
        [sys.executable, "-m", "berdaya.cli", "migrate", "--noinput", "-v", "0"], env=env, check=True, timeout=900
    )
    shutil.rmtree(target.parent / "data", ignore_errors=True)
    return target


DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_serialized_rollback"}


def uses_the_database(item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return bool(item.get_closest_marker("django_db") or names & DATABASE_FIXTURES)


def runs_on_this_side(item, side: str) -> bool:
    """In `make test`'s side-by-side run (BERDAYA_TESTS_SIDE_BY_SIDE=sqlite or postgresql), a test marked
    `one_side(...)` runs in the named suite only, and a browser test in the SQLite suite only: the two suites share
    two cores, and these few tests are most of a suite's minutes. CI (.ci/run) runs each database's whole suite
    one after the other, where every test runs on both (the variable is not set there)."""
    marker = item.get_closest_marker("one_side")
    if marker is not None:
        return side == marker.args[0]
    if item.get_closest_marker("browser"):
        return side == "sqlite"
    return True


def pytest_collection_modifyitems(config, items):
    """Three rules for every test, applied once the tests are collected.

    Without Chromium, the browser tests are skipped before their fixtures run: a transactional test that sets up its
    database only to skip still empties and restores it (seconds each on PostgreSQL).

    With BERDAYA_TESTS_DATABASE_ONLY=1 (the PostgreSQL run of `make test`), only the tests that use the database
    run: the others (pure functions, subprocesses on a SQLite of their own, file checks) cannot depend on which
    database the suite has, and the SQLite run beside it runs them all.

    Every transactional test (live server, browser, crash and concurrency tests) restores the migrations' data.
    A transactional test empties the database when it ends. Without serialized rollback, that flush lets post_migrate
    recreate content types under new ids, and the next test that does restore the serialized data then fails on
    their unique key; the data migrations' rows (commodities, units) would also be gone for it. One rule for all of
    them, so a new browser test cannot break the ones that run after it. The marker says so too: pytest-django
    serializes the test database at its creation only when a collected test's django_db marker asks for serialized
    rollback (the fixture alone does not count for a marked test), and a run of a few files may hold no such test.
    """
    reason = browser_missing()
    if reason:
        for item in items:
            if item.get_closest_marker("browser"):
                item.add_marker(pytest.mark.skip(reason=reason))
    if os.environ.get("BERDAYA_TESTS_DATABASE_ONLY") == "1":
        elsewhere = [item for item in items if not uses_the_database(item)]
        if elsewhere:
            config.hook.pytest_deselected(items=elsewhere)
            items[:] = [item for item in items if uses_the_database(item)]
    side = os.environ.get("BERDAYA_TESTS_SIDE_BY_SIDE")
    if side:
        elsewhere = [item for item in items if not runs_on_this_side(item, side)]
        if elsewhere:
            config.hook.pytest_deselected(items=elsewhere)
            items[:] = [item for item in items if runs_on_this_side(item, side)]
    for item in items:
        names = getattr(item, "fixturenames", None)
        if names is None:
            continue
        marker = item.get_closest_marker("django_db")
        transactional = (
            "transactional_db" in names or "live_server" in names or bool(marker and marker.kwargs.get("transaction"))
        )
        if not transactional:
            continue
        if "django_db_serialized_rollback" not in names:
            names.append("django_db_serialized_rollback")
        if marker is not None and not marker.kwargs.get("serialized_rollback"):
            # Prepended: the closest marker, the one pytest-django reads.
            kwargs = {**marker.kwargs, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)
