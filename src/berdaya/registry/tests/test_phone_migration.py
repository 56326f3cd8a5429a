"""Phones stored as typed before the stored form was E.164 (registry 0008): normalised by one UPDATE per written
form on SQLite and PostgreSQL, exactly as core.phone.normalise_phone would; a number the rule refuses stays as it is
and is counted."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from berdaya.core.models import AuditEvent
from berdaya.core.phone import normalise_phone
from berdaya.registry.models import Person
from berdaya.testing import factories as f

BEFORE = [("registry", "0008_distinct_confirmation")]

WRITTEN = [
    "081234567890",
    "0812-3456-7890",
    "0812 3456 789",
    "(0812) 345.678",
    "6281234567890",
    "+62 812 3456 789",
    "+6281234567890",
    "08123456789012",  # 13 digits after the 8: too long
    "0812345",  # too short
    "0212345678",  # a landline
    "+62-0812345678",
    "abc",
    "",
]


def _expected(written: str) -> str:
    try:
        return normalise_phone(written)
    except ValueError:
        return written


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_normalises_stored_phones_as_the_rule_does_and_counts_the_rest():
    # given people written at today's state
    f.make_areas()
    people = [f.person(name=f"Orang {i}") for i in range(len(WRITTEN))]
    leaf = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        # when the database goes back to before the data migration and the phones are stored as typed
        MigrationExecutor(connection).migrate(BEFORE)
        for person, written in zip(people, WRITTEN, strict=True):
            Person.objects.filter(pk=person.pk).update(phone=written)
        AuditEvent.objects.all().delete()
        # and it is migrated forward
        MigrationExecutor(connection).migrate(leaf)
    finally:
        MigrationExecutor(connection).migrate(leaf)

    # then every number the rule accepts is in the stored form, the others are as they were
    stored = dict(Person.objects.filter(pk__in=[p.pk for p in people]).values_list("pk", "phone"))
    assert [stored[p.pk] for p in people] == [_expected(w) for w in WRITTEN]
    assert stored[people[0].pk] == "+6281234567890"
    # and the count of each is in the audit log
    event = AuditEvent.objects.get(detail__event="phones_normalised")
    refused = [w for w in WRITTEN if w and _expected(w) == w and not w.startswith("+628")]
    assert event.detail["left_as_they_are"] == len(refused) == 5
    assert event.detail["normalised"] == 6
