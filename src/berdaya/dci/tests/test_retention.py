"""Retention of the SPDCI copies (UU 27/2022, storage limitation): the answers kept for txn/status and the callback
bodies are emptied by the scheduled retention purge once past their period, never while a callback is pending or a
transaction unanswered; txn/status still tells the state, validly per the spec, without the records."""

import datetime as dt
import json

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from berdaya.dci.models import Delivery, DeliveryAttempt, Transaction
from berdaya.privacy import retention
from berdaya.privacy.models import RetentionPeriod
from berdaya.testing import clients, factories

from .helpers import (
    Receiver,
    call,
    check_callback,
    run_ready_tasks,
    search_body,
    search_item,
    status_body,
    token_for,
)

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _ago(days: float) -> dt.datetime:
    return timezone.now() - days * DAY


def _delivery(txn: Transaction, status: str, *, created_days_ago: float, attempt_days_ago: float | None = None):
    delivery = Delivery.objects.create(
        transaction=txn,
        registry=txn.registry,
        action="on-search",
        url="http://127.0.0.1:9/on-search",
        payload={"header": {}, "message": {"records": [{"nik": "1502014101850001", "name": "Budi Santoso"}]}},
        status=status,
    )
    Delivery.objects.filter(pk=delivery.pk).update(created_at=_ago(created_days_ago))
    if attempt_days_ago is not None:
        attempt = DeliveryAttempt.objects.create(delivery=delivery, number=1, error="x")
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(at=_ago(attempt_days_ago))
    return delivery


def test_the_purge_empties_only_what_is_past_the_period_and_finished(world):
    token = token_for(world["officer"])
    nik = world["head"].nik
    old_body = search_body(search_item("idtype-value", {"type": "NIK", "value": nik}))
    new_body = search_body(search_item("idtype-value", {"type": "NIK", "value": nik}))
    call(token, "social", "sync-search", old_body)
    call(token, "social", "sync-search", new_body)
    old = Transaction.objects.get(transaction_id=old_body["message"]["transaction_id"])
    new = Transaction.objects.get(transaction_id=new_body["message"]["transaction_id"])
    Transaction.objects.filter(pk=old.pk).update(answered_at=_ago(31), created_at=_ago(31))
    Transaction.objects.filter(pk=new.pk).update(answered_at=_ago(29), created_at=_ago(29))
    # An async search whose job has not run: not answered, whatever its age; its delivery is pending.
    waiting = Transaction.objects.create(
        registry="social",
        action="search",
        is_async=True,
        transaction_id="waiting",
        message_id="m-waiting",
        sender_id="dtsen.test",
        user=world["officer"],
        status=Transaction.Status.PENDING,
        request={"search_request": [{"reference_id": "r1"}]},
    )
    Transaction.objects.filter(pk=waiting.pk).update(created_at=_ago(60))
    delivered_old = _delivery(old, "delivered", created_days_ago=40, attempt_days_ago=40)
    failed_old = _delivery(old, "failed", created_days_ago=40, attempt_days_ago=35)
    refused_old = _delivery(old, "refused", created_days_ago=40)
    pending_old = _delivery(old, "pending", created_days_ago=40, attempt_days_ago=39)  # retrying for 40 days
    delivered_new = _delivery(new, "delivered", created_days_ago=29, attempt_days_ago=29)
    resent_recently = _delivery(old, "failed", created_days_ago=40, attempt_days_ago=2)  # an admin's resend
    (due,) = [d for d in retention.due_report() if d.kind == "dci_answers"]
    assert (due.days, due.count, due.automatic) == (30, 4, True)

    result = retention.retention_run()

    assert result["purged"]["dci_answers"] == 4
    for txn in (old, new, waiting):
        txn.refresh_from_db()
    assert old.response == {} and old.response_purged_at is not None and old.status == "succ"
    # The request goes too (a NIK searched for is in it); the request ids stay, for txn/status.
    assert old.request == {} and old.reference_ids == ["r1"]
    assert new.response["search_response"][0]["data"]["record_ids"] and new.response_purged_at is None
    assert new.request["search_request"][0]["search_criteria"]["query"]["value"] == nik
    assert waiting.request and waiting.response_purged_at is None and waiting.status == "pdng"
    for delivery in (delivered_old, failed_old, refused_old):
        delivery.refresh_from_db()
        assert delivery.payload == {} and delivery.payload_purged_at is not None
    for delivery in (pending_old, delivered_new, resent_recently):
        delivery.refresh_from_db()
        assert delivery.payload["message"]["records"] and delivery.payload_purged_at is None
    # The period is the admin's to change; a purged row is not counted or emptied again.
    RetentionPeriod.objects.create(kind="dci_answers", days=28)
    assert retention.retention_run()["purged"]["dci_answers"] == 2  # `new` and `delivered_new`
    new.refresh_from_db()
    assert new.response == {} and new.response_purged_at is not None
    assert retention.retention_run()["purged"]["dci_answers"] == 0


@pytest.mark.parametrize("registry, person", [("social", "head"), ("farmer", "partner_person")])
def test_txn_status_after_the_purge_tells_the_state_without_the_records(world, registry, person):
    token = token_for(world["officer"])
    found = world[person]
    bad = search_item("idtype-value", {"type": "NIK", "value": found.nik}, ref="r2")
    bad["timestamp"] = "yesterday"
    body = search_body(search_item("idtype-value", {"type": "NIK", "value": found.nik}, ref="r1"), bad)
    call(token, registry, "sync-search", body, check_request=False)
    txn_id = body["message"]["transaction_id"]

    def status() -> list[dict]:
        _, data = call(token, registry, "sync-txn-status", status_body(txn_id))  # validated against the spec
        answer = data["message"]["txnstatus_response"]["txn_status"]
        assert answer["transaction_id"] == txn_id
        return answer["search_response"]

    # Before: the answer with its record (one record: one item in both registries' shapes).
    before = status()
    assert [(i["reference_id"], i["status"]) for i in before] == [("r1", "succ"), ("r2", "rjct")]
    assert before[0]["data"]["reg_records"] and found.nik in json.dumps(before[0]["data"])
    assert before[1]["status_reason_code"] == "rjct.timestamp.invalid" and "data" not in before[1]
    Transaction.objects.filter(transaction_id=txn_id).update(answered_at=_ago(31))
    assert retention.retention_run()["purged"]["dci_answers"] == 1

    after = status()
    assert [(i["reference_id"], i["status"]) for i in after] == [("r1", "succ"), ("r2", "rjct")]
    assert after[1]["status_reason_code"] == "rjct.timestamp.invalid"
    assert all("data" not in i and "masa simpan" in i["status_reason_message"] for i in after)
    assert after[0]["timestamp"] == before[0]["timestamp"]
    text = json.dumps(after)
    assert found.nik not in text and found.full_name not in text


def test_a_pending_callback_keeps_its_body_and_its_retry_delivers_it(world, django_capture_on_commit_callbacks):
    later = timezone.now() + 31 * DAY  # the retention run a month on
    with Receiver(fail=1) as receiver:
        token = token_for(world["officer"], receiver.origin)
        first, second = (
            search_body(search_item("idtype-value", {"type": "NIK", "value": p.nik}), sender_uri=receiver.url())
            for p in (world["head"], world["child"])
        )
        for body in (first, second):
            with django_capture_on_commit_callbacks(execute=True):
                call(token, "social", "search", body)
        run_ready_tasks(django_capture_on_commit_callbacks)  # the first POST fails (a retry is due), the second goes
        retrying = Delivery.objects.get(transaction__transaction_id=first["message"]["transaction_id"])
        done = Delivery.objects.get(transaction__transaction_id=second["message"]["transaction_id"])
        assert (retrying.status, done.status) == ("pending", "delivered")
        body_before = retrying.payload
        assert body_before["message"]["search_response"][0]["data"]["reg_records"] and done.payload

        retention.retention_run(now=later)

        retrying.refresh_from_db()
        done.refresh_from_db()
        assert retrying.payload == body_before and retrying.payload_purged_at is None
        assert done.payload == {} and done.payload_purged_at is not None
        DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())  # the retry is due
        run_ready_tasks(django_capture_on_commit_callbacks)
    retrying.refresh_from_db()
    assert retrying.status == "delivered" and retrying.attempts == 2
    (answer,) = [b for b in receiver.received if b["message"]["transaction_id"] == first["message"]["transaction_id"]]
    check_callback("social", answer)
    assert answer["message"] == body_before["message"]


@override_settings(BERDAYA={**__import__("django.conf").conf.settings.BERDAYA, "DCI_CALLBACK_MAX_ATTEMPTS": 1})
def test_a_purged_callback_is_shown_so_to_the_admin_and_not_resent(world, django_capture_on_commit_callbacks):
    with Receiver(fail=5) as receiver:
        token = token_for(world["officer"], receiver.origin)
        body = search_body(
            search_item("idtype-value", {"type": "NIK", "value": world["head"].nik}), sender_uri=receiver.url()
        )
        with django_capture_on_commit_callbacks(execute=True):
            call(token, "social", "search", body)
        run_ready_tasks(django_capture_on_commit_callbacks)
        delivery = Delivery.objects.get()
        assert delivery.status == "failed"
        retention.retention_run(now=timezone.now() + 31 * DAY)
        delivery.refresh_from_db()
        assert delivery.payload == {} and delivery.payload_purged_at is not None
        admin_user = factories.user("admin")
        admin_user.is_staff = admin_user.is_superuser = True  # the Django admin too
        admin_user.save()
        admin = clients.client_for(admin_user)
        page = admin.get("/dci/pengiriman/").content.decode()
        assert "Isi dihapus menurut masa simpan" in page
        assert f"/dci/pengiriman/{delivery.pk}/kirim-ulang/" not in page
        change = admin.get(f"/admin/dci/delivery/{delivery.pk}/change/")
        assert change.status_code == 200 and "Dihapus menurut masa simpan pada" in change.content.decode()
        assert "Dihapus menurut masa simpan pada" in admin.get("/admin/dci/delivery/").content.decode()
        receiver.fail = 0
        with django_capture_on_commit_callbacks(execute=True):
            refused = admin.post(f"/dci/pengiriman/{delivery.pk}/kirim-ulang/", follow=True)
        assert "sudah dihapus menurut masa simpan, jadi tidak bisa dikirim ulang" in refused.content.decode()
        run_ready_tasks(django_capture_on_commit_callbacks)
        delivery.refresh_from_db()
        assert delivery.status == "failed" and delivery.attempt_rows.count() == 1
        assert receiver.received == []
