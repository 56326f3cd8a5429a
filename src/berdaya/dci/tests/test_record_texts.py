"""The dates and date-times of an SPDCI record are written by the database for a page of records
(core.dates.DateText, MomentText) and by Python for one model instance (date_text, moment_text): both forms must
give the same text, on SQLite and on PostgreSQL, for any value the columns can hold."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from berdaya.core.dates import DateText, MomentText, date_text, moment_text
from berdaya.dci import records
from berdaya.dci.services import Transaction
from berdaya.registry.models import Person
from berdaya.testing import factories

pytestmark = pytest.mark.django_db

MOMENTS = st.datetimes(
    min_value=dt.datetime(1900, 1, 1),
    max_value=dt.datetime(2200, 12, 31, 23, 59, 59, 999999),
    timezones=st.just(dt.UTC),
)
OTHER_ZONES = st.datetimes(
    min_value=dt.datetime(1950, 1, 2), max_value=dt.datetime(2100, 12, 30),
    timezones=st.sampled_from([dt.timezone(dt.timedelta(hours=7)), dt.timezone(dt.timedelta(hours=-5, minutes=-30))]),
)  # fmt: skip
DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31))


@pytest.fixture
def person(areas):
    return factories.person(hh=factories.household(village="15.02.01.2001"), name="Budi Santoso")


def _texts(pk: int) -> dict[str, str | None]:
    return Person.objects.filter(pk=pk).values(
        born=DateText("birth_date"),
        died=DateText("date_of_death"),
        created=MomentText("created_at"),
        updated=MomentText("updated_at"),
    )[0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(created=MOMENTS | OTHER_ZONES, updated=MOMENTS, born=DATES, died=st.none() | DATES)
def test_the_database_writes_each_date_and_moment_as_python_does(person, created, updated, born, died):
    Person.objects.filter(pk=person.pk).update(
        created_at=created, updated_at=updated, birth_date=born, date_of_death=died
    )
    stored = Person.objects.get(pk=person.pk)  # as the database gives it back (UTC), what moment_text is given
    assert _texts(person.pk) == {
        "born": date_text(stored.birth_date),
        "died": date_text(stored.date_of_death),
        "created": moment_text(stored.created_at),
        "updated": moment_text(stored.updated_at),
    }
    assert moment_text(stored.created_at).endswith("+00:00")


def test_a_page_of_records_and_one_record_are_written_alike(person):
    """`member_rows` (the texts by the database) and `Mapper.member` (by Python) give the same `Member`, a person
    who died included."""
    Person.objects.filter(pk=person.pk).update(
        date_of_death=dt.date(2024, 2, 29), created_at=dt.datetime(2021, 3, 4, 5, 6, 7, 890123, tzinfo=dt.UTC)
    )
    instance = Person.objects.select_related("household__village__district").get(pk=person.pk)
    for sees in (True, False):
        mapper = records.Mapper(sees_identifiers=sees)
        [row] = records.member_rows([person.pk])
        assert mapper.member_row(row) == mapper.member(instance)
        assert mapper.member_row(row)["death_date"] == "2024-02-29"
        assert mapper.member_row(row)["registration_date"] == "2021-03-04T05:06:07+00:00"


def test_a_synchronous_search_is_received_before_it_is_answered_and_a_repeated_message_leaves_no_trace(world):
    from berdaya.core.models import AuditEvent

    from .helpers import call, search_body, search_item, token_for

    token = token_for(world["officer"])
    body = search_body(search_item("idtype-value", {"type": "NIK", "value": world["head"].nik}))
    response, data = call(token, "social", "sync-search", body)
    assert response.status_code == 200 and data["message"]["search_response"][0]["status"] == "succ"
    txn = Transaction.objects.get()
    assert txn.created_at <= txn.answered_at
    assert txn.status == Transaction.Status.SUCCESS and txn.outcome[0]["status"] == "succ"
    assert txn.response["search_response"][0]["data"]["record_ids"] == [world["head"].pk]
    searches = AuditEvent.objects.filter(action="dci.search").count()

    # The same message again: refused as a duplicate, and neither a transaction nor a search's audit row is left.
    response, data = call(token, "social", "sync-search", body)
    assert data["header"]["status_reason_code"] == "rjct.message_id.duplicate", data
    assert Transaction.objects.count() == 1
    assert AuditEvent.objects.filter(action="dci.search").count() == searches == 1


def test_the_answers_encoder_writes_every_value_as_djangos_encoder_did():
    """orjson writes the answers; what it leaves to Django's encoder (date-times, decimals, lazy texts) and what it
    writes itself (non-ASCII names, UUIDs, numbers as keys) read back as the json module's encoding did."""
    import json
    import uuid
    from decimal import Decimal

    from django.core.serializers.json import DjangoJSONEncoder
    from django.utils.translation import gettext_lazy

    from berdaya.dci.services import encode

    value = {
        "at": dt.datetime(2026, 12, 7, 8, 9, 10, 123456, tzinfo=dt.UTC),
        "zoned": dt.datetime(2026, 12, 7, 8, 9, 10, tzinfo=dt.timezone(dt.timedelta(hours=7))),
        "day": dt.date(1988, 6, 11),
        "area_ha": Decimal("1.250"),
        "message": gettext_lazy("Gunakan POST."),
        "name": "Siti Nur'aini — Ñ 🌾 \u2028",
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "numbers": {1: "satu", 2: [1.5, None, True]},
    }
    assert encode(value) == json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()
