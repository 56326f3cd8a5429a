"""Worlds built once per test module: the data many tests only read, built once instead of once per test.

A module-scoped fixture builds the world inside one transaction that is rolled back when the module ends; each test
still runs in its own transaction (pytest-django's `db`, a savepoint inside the module's), rolled back after it, so
what one test writes is gone for the next, and nothing reaches the tests of other modules:

    pytestmark = pytest.mark.django_db  # every test of the module: each one's writes roll back

    @pytest.fixture(scope="module")
    def world(django_db_setup, django_db_blocker):
        with built_once(django_db_blocker):
            yield build_the_world()

Not for transactional tests (live_server, browser, threads): they commit and flush, which an open transaction
forbids. Settings a fixture would set with pytest-django's function-scoped `settings` are given to built_once; they
hold for the whole module.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.test import override_settings

# Argon2 takes ~0.2 s a hash on purpose; the demo sets a dozen passwords. Tests that log in through the form set
# the password again under the same hasher.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@contextmanager
def built_once(django_db_blocker, **settings) -> Iterator[None]:
    """Open the database for a module-scoped fixture, in a transaction rolled back when the block ends."""
    settings.setdefault("PASSWORD_HASHERS", FAST_HASHERS)
    with django_db_blocker.unblock(), override_settings(**settings), transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)
