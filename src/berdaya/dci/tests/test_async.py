"""Asynchronous requests: ACK at once, the answer POSTed to the client's allow-listed callback by a background job,
retried with backoff, every attempt recorded; subscriptions notified of registry changes."""

import datetime as dt
import uuid

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from berdaya.areas.models import Village
from berdaya.dci.models import Delivery, Subscription, Transaction
from berdaya.dci.services import backoff_seconds
from berdaya.registry import choices as c
from berdaya.registry import services as registry_services
from berdaya.testing import clients, factories

from .helpers import Receiver, call, check_callback, header, run_ready_tasks, search_body, search_item, token_for

pytestmark = pytest.mark.django_db


def test_async_search_is_acked_then_answered_at_the_callback(world, django_capture_on_commit_callbacks):
    with Receiver() as receiver:
        token = token_for(world["officer"], receiver.origin)
        body = search_body(
            search_item("idtype-value", {"type": "NIK", "value": world["head"].nik}), sender_uri=receiver.url()
        )
        with django_capture_on_commit_callbacks(execute=True):
            response, data = call(token, "social", "search", body)
        assert response.status_code == 200 and data["message"]["ack_status"] == "ACK"
        correlation = data["message"]["correlation_id"]
        assert receiver.received == []  # nothing is sent inside the request
        assert run_ready_tasks(django_capture_on_commit_callbacks)
    (answer,) = receiver.received
    check_callback("social", answer)
    assert answer["header"]["action"] == "on-search" and answer["header"]["receiver_id"] == "dtsen.test"
    assert answer["message"]["correlation_id"] == correlation
    record = answer["message"]["search_response"][0]["data"]["reg_records"][0]
    assert record["demographic_info"]["name"]["given_name"] == "Budi Santoso"
    delivery = Delivery.objects.get(transaction__correlation_id=correlation)
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert delivery.seconds_to_deliver < 5
    assert Transaction.objects.get(correlation_id=correlation).status == "succ"


def test_a_callback_to_an_origin_not_allowed_is_refused(world, django_capture_on_commit_callbacks):
    token = token_for(world["officer"], "http://127.0.0.1:9")
    body = search_body(
        search_item("idtype-value", {"type": "NIK", "value": "1"}), sender_uri="http://evil.example:80/x"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response, data = call(token, "social", "search", body)
    assert response.status_code == 400
    assert data["message"]["ack_status"] == "ERR" and data["message"]["error"]["code"] == "err.sender_uri.invalid"
    assert not Delivery.objects.exists() and not Transaction.objects.exists()
    # No sender_uri at all on an async request: the same code.
    body = search_body(search_item("idtype-value", {"type": "NIK", "value": "1"}))
    _, data = call(token, "social", "search", body)
    assert data["message"]["error"]["code"] == "err.sender_uri.invalid"
    # Another port of an allowed host is another origin.
    body = search_body(
        search_item("idtype-value", {"type": "NIK", "value": "1"}), sender_uri="http://127.0.0.1:10/on-search"
    )
    _, data = call(token, "social", "search", body)
    assert data["message"]["error"]["code"] == "err.sender_uri.invalid"


def test_a_bad_async_envelope_gets_err_with_the_spec_code(world):
    token = token_for(world["officer"], "http://127.0.0.1:9")
    body = search_body(search_item("idtype-value", {"type": "NIK", "value": "1"}), sender_uri="http://127.0.0.1:9/cb")
    body["header"]["version"] = "0.9"
    _, data = call(token, "social", "search", body, check_request=False)
    assert data["message"]["error"]["code"] == "err.version.not_supported"
    body["header"]["version"] = "1.0.0"
    body["header"]["receiver_id"] = "someone-else"
    _, data = call(token, "social", "search", body, check_request=False)
    assert data["message"]["error"]["code"] == "err.receiver_id.invalid"
    body["header"]["receiver_id"] = "berdaya"
    body["header"]["is_msg_encrypted"] = True
    _, data = call(token, "social", "search", body, check_request=False)
    assert data["message"]["error"]["code"] == "err.encryption.invalid"


@override_settings(BERDAYA={**__import__("django.conf").conf.settings.BERDAYA, "DCI_CALLBACK_RETRY_BASE_SECONDS": 2})
def test_a_failing_receiver_is_retried_with_backoff(world, django_capture_on_commit_callbacks):
    assert [backoff_seconds(n) for n in (1, 2, 3)] == [2, 4, 8]
    with Receiver(fail=2) as receiver:
        token = token_for(world["officer"], receiver.origin)
        body = search_body(
            search_item("idtype-value", {"type": "NIK", "value": world["head"].nik}), sender_uri=receiver.url()
        )
        with django_capture_on_commit_callbacks(execute=True):
            call(token, "social", "search", body)
        delivery = Delivery.objects.get()
        for attempt, wait in ((1, 2), (2, 4)):
            before = timezone.now()
            run_ready_tasks(django_capture_on_commit_callbacks)
            delivery.refresh_from_db()
            assert delivery.status == "pending" and delivery.attempts == attempt
            assert "500" in delivery.last_error
            # The next attempt waits (held back on the queue), twice as long each time.
            (task,) = DBTaskResult.objects.filter(status="READY")
            assert (
                before + dt.timedelta(seconds=wait - 1) < task.run_after <= timezone.now() + dt.timedelta(seconds=wait)
            )
            assert run_ready_tasks(django_capture_on_commit_callbacks) == []  # not yet
            DBTaskResult.objects.filter(pk=task.pk).update(run_after=timezone.now())  # time passes
        run_ready_tasks(django_capture_on_commit_callbacks)
        delivery.refresh_from_db()
        assert delivery.status == "delivered" and delivery.attempts == 3
        assert [a.http_status for a in delivery.attempt_rows.order_by("number")] == [500, 500, 200]
        assert len(receiver.received) == 1


@override_settings(
    BERDAYA={
        **__import__("django.conf").conf.settings.BERDAYA,
        "DCI_CALLBACK_MAX_ATTEMPTS": 2,
        "DCI_CALLBACK_RETRY_BASE_SECONDS": 0,
    }
)
def test_a_delivery_gives_up_and_an_admin_sees_and_resends_it(world, django_capture_on_commit_callbacks):
    with Receiver(fail=5) as receiver:
        token = token_for(world["officer"], receiver.origin)
        body = search_body(search_item("idtype-value", {"type": "NIK", "value": "1"}), sender_uri=receiver.url())
        with django_capture_on_commit_callbacks(execute=True):
            call(token, "social", "search", body)
        run_ready_tasks(django_capture_on_commit_callbacks)
        run_ready_tasks(django_capture_on_commit_callbacks)
        delivery = Delivery.objects.get()
        assert delivery.status == "failed" and delivery.attempts == 2
        admin = clients.client_for(factories.user("admin"))
        page = admin.get("/dci/pengiriman/")
        assert page.status_code == 200 and receiver.url() in page.content.decode()
        assert clients.client_for(world["officer"]).get("/dci/pengiriman/").status_code == 403
        receiver.fail = 0
        with django_capture_on_commit_callbacks(execute=True):
            admin.post(f"/dci/pengiriman/{delivery.pk}/kirim-ulang/")
        run_ready_tasks(django_capture_on_commit_callbacks)
        delivery.refresh_from_db()
        assert delivery.status == "delivered"
        assert [a.number for a in delivery.attempt_rows.order_by("at", "pk")] == [1, 2, 3]


def _subscribe(token, registry, url, event, flt, filter_type="expression", record_type="Member"):
    body = {
        "header": header("subscribe", 1, url),
        "message": {
            "transaction_id": uuid.uuid4().hex[:20],
            "subscribe_request": [
                {
                    "reference_id": "s1",
                    "timestamp": timezone.now().isoformat(),
                    "subscribe_criteria": {
                        "reg_event_type": event,
                        "filter_type": filter_type,
                        "filter": flt,
                        "notify_record_type": record_type,
                    },
                }
            ],
        },
    }
    return call(token, registry, "subscribe", body)


def test_subscribers_are_notified_of_register_and_update_in_their_filter_and_scope(
    world, django_capture_on_commit_callbacks
):
    village = {"type": "expression", "value": {"expression": {"query": {"village_code": {"$eq": "15.02.01.2001"}}}}}
    with Receiver() as receiver:
        officer = token_for(world["officer"], receiver.origin)
        other_partner = token_for(world["other_partner"], receiver.origin)
        with django_capture_on_commit_callbacks(execute=True):
            _, ack = _subscribe(officer, "social", receiver.url("/officer"), "REGISTER", village)
            _subscribe(officer, "social", receiver.url("/update"), "spdci-common:RegistryEventType:UPDATE", village)
            _subscribe(other_partner, "social", receiver.url("/partner"), "REGISTER", village)
        assert ack["message"]["ack_status"] == "ACK"
        run_ready_tasks(django_capture_on_commit_callbacks)
        on_subscribe = [b for b in receiver.received if b["header"]["action"] == "on-subscribe"]
        assert len(on_subscribe) == 3
        for body in on_subscribe:
            check_callback("social", body)
        codes = {
            p: b["message"]["subscribe_response"][0]["subscriptions"][0]["code"]
            for p, b in zip(receiver.paths, receiver.received, strict=True)
        }
        assert Subscription.objects.filter(code__in=codes.values(), status="subscribe").count() == 3
        receiver.received.clear()
        receiver.paths.clear()

        # A household registered in the village (through the registry's service) and one elsewhere.
        with django_capture_on_commit_callbacks(execute=True):
            registry_services.household_register(
                actor=world["officer"],
                household={
                    "village": Village.objects.get(pk="15.02.01.2001"),
                    "land_operated_ha": 0,
                    "land_tenure": c.LandTenure.NONE,
                },
                members=[factories.member(name="Rina Baru", sex=c.Sex.FEMALE, birth_date=dt.date(1995, 1, 1))],
            )
            registry_services.household_register(
                actor=world["officer"],
                household={
                    "village": Village.objects.get(pk="15.02.02.2004"),
                    "land_operated_ha": 0,
                    "land_tenure": c.LandTenure.NONE,
                },
                members=[factories.member(name="Elsewhere")],
            )
        run_ready_tasks(django_capture_on_commit_callbacks)  # the scan
        run_ready_tasks(django_capture_on_commit_callbacks)  # its deliveries
        notified = dict(zip(receiver.paths, receiver.received, strict=True))
        assert set(notified) == {"/officer"}  # not the partner: the new household is outside its scope
        body = notified["/officer"]
        check_callback("social", body)
        events = body["message"]["notify_event"]
        assert [e["data"]["reg_event_type"] for e in events] == ["REGISTER"]
        assert events[0]["data"]["reg_records"]["demographic_info"]["name"]["given_name"] == "Rina Baru"
        receiver.received.clear()
        receiver.paths.clear()

        # An update of a person in the village: UPDATE subscribers only.
        with django_capture_on_commit_callbacks(execute=True):
            registry_services.person_update(
                actor=world["officer"], person=world["child"], data={"education": "primary"}
            )
        run_ready_tasks(django_capture_on_commit_callbacks)
        run_ready_tasks(django_capture_on_commit_callbacks)
        assert receiver.paths == ["/update"]
        check_callback("social", receiver.received[0])
        (event,) = receiver.received[0]["message"]["notify_event"]
        assert event["data"]["reg_event_type"] == "UPDATE"
        assert event["data"]["reg_records"]["@id"] == f"urn:berdaya:person:{world['child'].pk}"


def test_unsubscribe_and_its_codes(world, django_capture_on_commit_callbacks):
    village = {"type": "expression", "value": {"expression": {"query": {"village_code": {"$eq": "15.02.01.2001"}}}}}
    with Receiver() as receiver:
        token = token_for(world["officer"], receiver.origin)
        with django_capture_on_commit_callbacks(execute=True):
            _subscribe(token, "farmer", receiver.url(), "LINK", village)
        code = Subscription.objects.get().code

        def unsubscribe(codes, who=token):
            body = {
                "header": header("unsubscribe", 1, receiver.url()),
                "message": {
                    "transaction_id": "u1",
                    "timestamp": timezone.now().isoformat(),
                    "subscription_codes": codes,
                },
            }
            with django_capture_on_commit_callbacks(execute=True):
                call(who, "farmer", "unsubscribe", body)
            run_ready_tasks(django_capture_on_commit_callbacks)
            answer = receiver.received[-1]
            check_callback("farmer", answer)
            return answer["message"]

        assert unsubscribe([code])["status"] == "succ"
        assert Subscription.objects.get().status == "unsubscribe"
        assert unsubscribe([code])["status_reason_code"] == "rjct.event.already_unsubscribed"
        assert unsubscribe(["nope"])["status_reason_code"] == "rjct.subscription_code.invalid"
        other = token_for(world["partner"], receiver.origin)
        assert unsubscribe([code], other)["status_reason_code"] == "rjct.subscription_code.invalid"


def test_a_bad_subscription_is_rejected_per_item(world, django_capture_on_commit_callbacks):
    with Receiver() as receiver:
        token = token_for(world["officer"], receiver.origin)
        with django_capture_on_commit_callbacks(execute=True):
            _subscribe(
                token, "social", receiver.url(), "BIRTHDAY", {"type": "NIK", "value": "1"}, filter_type="idtype-value"
            )
            _subscribe(
                token,
                "social",
                receiver.url(),
                "UPDATE",
                {"type": "PASSPORT", "value": "1"},
                filter_type="idtype-value",
            )
        run_ready_tasks(django_capture_on_commit_callbacks)
        codes = [b["message"]["subscribe_response"][0]["status_reason_code"] for b in receiver.received]
        assert codes == ["rjct.notify_types.invalid", "rjct.notify_details.invalid"]
        assert not Subscription.objects.exists()


def test_async_txn_status_is_answered_at_the_callback(world, django_capture_on_commit_callbacks):
    with Receiver() as receiver:
        token = token_for(world["officer"], receiver.origin)
        search = search_body(
            search_item("idtype-value", {"type": "NIK", "value": world["head"].nik}), sender_uri=receiver.url()
        )
        with django_capture_on_commit_callbacks(execute=True):
            call(token, "social", "search", search)
        body = {
            "header": header("txn-status", 1, receiver.url("/status")),
            "message": {
                "transaction_id": "t2",
                "txnstatus_request": {
                    "reference_id": "q",
                    "txn_type": "search",
                    "attribute_type": "transaction_id",
                    "attribute_value": search["message"]["transaction_id"],
                },
            },
        }
        with django_capture_on_commit_callbacks(execute=True):
            call(token, "social", "txn-status", body)
        run_ready_tasks(django_capture_on_commit_callbacks)
        status = next(b for b in receiver.received if b["header"]["action"] == "txn-on-status")
        check_callback("social", status)
        # Asked before the search's job ran: pending.
        assert status["message"]["txnstatus_response"]["txn_status"]["search_response"][0]["status"] == "pdng"


@pytest.mark.parametrize(
    ("language", "stored", "message"),
    [("", "id", "Jenis identitas 'PASSPORT' tidak dikenal"), ("en-GB,en;q=0.8", "en", "Unknown identifier type")],
)
def test_an_async_search_answers_in_the_language_the_request_asked_for(
    world, django_capture_on_commit_callbacks, language, stored, message
):
    """The search of an asynchronous request runs later, in a background job, where no request's language is
    active: its messages still come in the language the client asked for, as a synchronous answer's do."""
    with Receiver() as receiver:
        token = token_for(world["officer"], receiver.origin)
        body = search_body(search_item("idtype-value", {"type": "PASSPORT", "value": "A1"}), sender_uri=receiver.url())
        with django_capture_on_commit_callbacks(execute=True):
            response, _data = call(token, "social", "search", body, language=language)
        assert response.status_code == 200 and response["Content-Language"] == stored
        assert Transaction.objects.get().language == stored
        assert run_ready_tasks(django_capture_on_commit_callbacks)
    (answer,) = receiver.received
    check_callback("social", answer)
    item = answer["message"]["search_response"][0]
    assert item["status"] == "rjct" and item["status_reason_code"] == "rjct.search_criteria.invalid"
    assert item["status_reason_message"].startswith(message), item
