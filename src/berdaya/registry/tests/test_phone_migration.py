"""Phones stored as typed before the stored form was E.164 (registry 0008): normalised by one UPDATE per written
form on SQLite and PostgreSQL, exactly as core.phone.normalise_phone would; a number the rule refuses stays as it is
and is counted."""

from __future__ import annotations

import datetime as dt

import pytest

from berdaya.core.models import AuditEvent
from berdaya.core.phone import normalise_phone
from berdaya.registry import choices as c
from berdaya.registry.models import Person
from berdaya.testing import factories as f
from berdaya.testing.scratchdb import scratch_database

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


# On an empty database of its own (testing.scratchdb), migrated forward only: no step back through every later
# migration, and the test database is left as it is (no transactional test, no serialized rollback).
@pytest.mark.django_db
def test_it_normalises_stored_phones_as_the_rule_does_and_counts_the_rest():
    with scratch_database("phones") as db:
        # given a database migrated to just before the data migration
        old = db.migrate(BEFORE)
        old.get_model("areas", "Province").objects.create(code="15", name="Jambi")
        old.get_model("areas", "Regency").objects.create(code="15.02", province_id="15", name="Kabupaten Merangin")
        old.get_model("areas", "District").objects.create(code="15.02.01", regency_id="15.02", name="Jangkat")
        old.get_model("areas", "Village").objects.create(
            code="15.02.01.2001", district_id="15.02.01", name="Jangkat Desa 1", kind="desa"
        )
        # and people whose phones are stored as typed, each the head of a household
        people = []
        for i, written in enumerate(WRITTEN):
            household = old.get_model("registry", "Household").objects.create(village_id="15.02.01.2001")
            born = dt.date(1985, 3, 14)
            people.append(
                old.get_model("registry", "Person").objects.create(
                    household=household,
                    full_name=f"Orang {i}",
                    sex=c.Sex.FEMALE,
                    birth_date=born,
                    relationship=c.Relationship.HEAD,
                    nik=f.nik(birth_date=born, sex=c.Sex.FEMALE),
                    phone=written,
                )
            )

        # when registry and core are migrated forward to their last migrations (with what they depend on)
        db.migrate(db.leaf_nodes({"registry", "core"}))

        # then every number the rule accepts is in the stored form, the others are as they were
        stored = dict(Person.objects.filter(pk__in=[p.pk for p in people]).values_list("pk", "phone"))
        assert [stored[p.pk] for p in people] == [_expected(w) for w in WRITTEN]
        assert stored[people[0].pk] == "+6281234567890"
        # and the count of each is in the audit log
        event = AuditEvent.objects.get(detail__event="phones_normalised")
        refused = [w for w in WRITTEN if w and _expected(w) == w and not w.startswith("+628")]
        assert event.detail["left_as_they_are"] == len(refused) == 5
        assert event.detail["normalised"] == 6
