"""The admin's page of deliveries (/dci/pengiriman/) shows each delivery, its transaction's id and its attempts
without loading the bodies it does not show (a callback body and its transaction's answer are up to ~100 kB each)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from berdaya.dci.models import Delivery, DeliveryAttempt, Subscription, Transaction
from berdaya.testing import clients, factories

pytestmark = pytest.mark.django_db

BIG_COLUMNS = ("payload", "request", "response", "outcome")


def _transaction(user, n: int) -> Transaction:
    records = [{"nik": f"15020141018500{n:02d}", "name": "Budi Santoso"}] * 50
    return Transaction.objects.create(
        registry="social",
        action="search",
        is_async=True,
        transaction_id=f"txn-shown-{n}",
        message_id=f"m-{n}",
        sender_id="dtsen.test",
        user=user,
        status=Transaction.Status.SUCCESS,
        request={"search_request": [{"reference_id": "r1"}]},
        response={"search_response": [{"reference_id": "r1", "data": {"reg_records": records}}]},
        outcome=[{"reference_id": "r1", "status": "succ"}],
    )


def _deliveries(user, start: int, count: int) -> list[Delivery]:
    made = []
    for n in range(start, start + count):
        txn = _transaction(user, n)
        delivery = Delivery.objects.create(
            transaction=txn,
            registry="social",
            action="on-search",
            url=f"http://127.0.0.1:9/on-search/{n}",
            payload={"message": txn.response},
            status=Delivery.Status.FAILED,
            attempts=1,
            last_error=f"Penerima menjawab HTTP 50{n % 10}.",
        )
        DeliveryAttempt.objects.create(delivery=delivery, number=1, http_status=500, error=f"galat-{n}")
        made.append(delivery)
    return made


def test_the_deliveries_page_shows_them_without_loading_their_bodies(world):
    admin = factories.user("admin")
    page_client = clients.client_for(admin)
    first = _deliveries(world["officer"], 1, 1)
    subscription = Subscription.objects.create(
        registry="social",
        user=world["officer"],
        sender_id="dtsen.test",
        callback_url="http://127.0.0.1:9/notify",
        transaction=first[0].transaction,
        reference_id="s1",
        event_type="UPDATE",
        filter_type="expression",
    )
    Delivery.objects.create(
        subscription=subscription,
        registry="social",
        action="notify",
        url="http://127.0.0.1:9/notify",
        payload={"message": {"notify_event": [{"data": {"reg_records": {"name": "Budi Santoso"}}}]}},
        status=Delivery.Status.DELIVERED,
        attempts=1,
    )

    with CaptureQueriesContext(connection) as one:
        response = page_client.get("/dci/pengiriman/")
    assert response.status_code == 200
    more = _deliveries(world["officer"], 2, 3)
    with CaptureQueriesContext(connection) as four:
        page = page_client.get("/dci/pengiriman/").content.decode()

    # What the page shows is still there, for each delivery.
    for delivery in [*first, *more]:
        assert delivery.transaction.transaction_id in page
        assert delivery.url in page and delivery.last_error in page
        assert f"galat-{delivery.transaction.transaction_id[-1]}" in page
        assert f"/dci/pengiriman/{delivery.pk}/kirim-ulang/" in page  # failed: the admin may resend it
    assert "http://127.0.0.1:9/notify" in page and "notify" in page
    assert "Budi Santoso" not in page
    # The bodies are not selected, and no delivery loads them afterwards (the same number of queries for 2 and 5).
    selected = [q["sql"] for q in four.captured_queries if re.search(r'"dci_(delivery|transaction)"', q["sql"])]
    assert selected
    for sql in selected:
        for column in BIG_COLUMNS:
            assert not re.search(rf'"dci_(delivery|transaction)"\."{column}"', sql), (column, sql)
    assert len(four.captured_queries) == len(one.captured_queries)
