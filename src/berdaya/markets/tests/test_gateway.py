"""The HTTP gateway provider against a fake gateway on 127.0.0.1, its delivery receipts and inbound STOP/BERHENTI
(issue 21, item 2)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest
from django.utils import timezone

from berdaya.core.models import AuditEvent
from berdaya.grievances.models import Grievance
from berdaya.markets import choices as c
from berdaya.markets import inbound, services
from berdaya.markets.models import Bulletin, InboundCommand, OutboxMessage, SubscriberConsent
from berdaya.markets.providers import HttpGatewayProvider, get_provider
from berdaya.testing.markets import commodity

SECRET = "rahasia-laporan"
RECEIPTS = "/harga/gateway/http/laporan/"
INBOUND_SMS = "/harga/gateway/http/masuk/sms/"


class FakeGateway:
    """An SMS gateway on 127.0.0.1: records every POST and answers from a script of (status, body); once the script
    runs out it accepts everything with a new id."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                    body = dict(parse_qsl(raw.decode()))
                else:
                    body = json.loads(raw or b"{}")
                gateway.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status, body = gateway.script.pop(0) if gateway.script else (200, {"id": f"gw-{len(gateway.requests)}"})
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    fake = FakeGateway()
    settings.BERDAYA = {
        **settings.BERDAYA,
        "SMS_SENDER": "http",
        "SMS_GATEWAY_URL": fake.url,
        "SMS_GATEWAY_TOKEN": "token-kirim",
        "SMS_GATEWAY_SENDER_ID": "MERANGIN",
        "SMS_GATEWAY_TIMEOUT_SECONDS": 5.0,
        "SMS_CALLBACK_SECRET": SECRET,
        "OUTBOX_RETRY_BASE_SECONDS": 60,
        "OUTBOX_MAX_ATTEMPTS": 5,
    }
    yield fake
    fake.close()


def _post(client, url, payload, *, secret=SECRET, raw=None, content_type="application/json", **headers):
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    body = raw if raw is not None else json.dumps(payload)
    return client.post(url, data=body, content_type=content_type, headers=headers)


def _subscriber(phone="+6281200000001", channel="sms", district="15.02.01"):
    sub = SubscriberConsent.objects.create(
        phone=phone, channel=channel, district_id=district, consent_date=dt.date(2025, 1, 6)
    )
    sub.commodities.set([commodity("karet")])
    return sub


def _bulletin(week_start=dt.date(2025, 5, 12)):
    data = {
        "week": 202520,
        "week_start": week_start.isoformat(),
        "district": "15.02.01",
        "rows": {
            "karet": {
                "name": "Karet",
                "short": "Karet",
                "farm_gate": 7500,
                "organised": 11600,
                "market": None,
                "change_pct": 2.0,
                "scope": "district",
            }
        },
    }
    return Bulletin.objects.create(week_start=week_start, district_id="15.02.01", data=data, text="Karet 7.500")


def _message(to, bulletin=None, subscriber=None):
    return OutboxMessage.objects.create(
        kind=c.MessageKind.BULLETIN,
        channel=c.MessageChannel.SMS,
        to=to,
        body="Harga Merangin: Karet 7.500",
        bulletin=bulletin,
        subscriber=subscriber,
    )


@pytest.mark.django_db
def test_it_sends_retries_a_5xx_stops_on_a_4xx_and_takes_the_delivery_receipts(gateway, areas, officer, client):
    # given two messages of one bulletin, and a gateway that fails the first once (500) and refuses the second (400)
    bulletin = _bulletin()
    first, second = _message("+6281200000001", bulletin), _message("+6281200000002", bulletin)
    gateway.script = [(500, {"error": "sibuk"}), (400, {"error": "nomor tidak sah"})]
    now = timezone.now()

    # when the outbox runs
    assert services.outbox_process(now=now) == {"sent": 0, "retry": 1, "failed": 1}

    # then the request is the common gateway shape, with the token and the sender id
    sent = gateway.requests[0]
    assert sent["headers"]["Authorization"] == "Bearer token-kirim"
    assert sent["body"] == {
        "to": "+6281200000001",
        "message": "Harga Merangin: Karet 7.500",
        "channel": "sms",
        "from": "MERANGIN",
        "reference": str(first.pk),
    }
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.attempts, first.next_attempt_at) == ("queued", 1, now + dt.timedelta(seconds=60))
    assert "500" in first.last_error
    assert (second.status, second.attempts, second.failed_at) == ("failed", 1, now)
    assert "400" in second.last_error and "nomor tidak sah" in second.last_error

    # the retry succeeds; the refused message is never tried again
    later = now + dt.timedelta(seconds=61)
    assert services.outbox_process(now=later) == {"sent": 1, "retry": 0, "failed": 0}
    assert services.outbox_process(now=later + dt.timedelta(days=1)) == {"sent": 0, "retry": 0, "failed": 0}
    assert len(gateway.requests) == 3
    first.refresh_from_db()
    assert (first.status, first.provider, first.provider_id, first.segments) == ("sent", "http", "gw-3", 1)

    # the gateway reports delivery; the same report twice changes nothing the second time
    report = {"id": "gw-3", "status": "DELIVRD", "timestamp": "2025-05-12T08:30:00+07:00"}
    response = _post(client, RECEIPTS, report)
    assert response.status_code == 200, response.content
    assert response.json() == {"ok": True, "updated": 1, "unchanged": 0, "unknown": 0}
    assert _post(client, RECEIPTS, report).json() == {"ok": True, "updated": 0, "unchanged": 1, "unknown": 0}
    first.refresh_from_db()
    assert first.status == "delivered"
    assert first.delivered_at == dt.datetime(2025, 5, 12, 1, 30, tzinfo=dt.UTC)
    # a late "failed" after delivery does not undo it; an id Berdaya never sent is counted, not refused
    late = [{"id": "gw-3", "status": "undelivered"}, {"id": "gw-lain", "status": "delivered"}]
    assert _post(client, RECEIPTS, late).json() == {"ok": True, "updated": 0, "unchanged": 1, "unknown": 1}

    # officers read the delivery rate per bulletin
    client.force_login(officer)
    page = client.get(f"/harga/buletin/{bulletin.pk}/").content.decode()
    assert "Tingkat sampai" in page and "50%" in page
    listing = client.get("/harga/buletin/").content.decode()
    assert "50%" in listing and "(1/2)" in listing


@pytest.mark.django_db
def test_an_unreachable_gateway_is_retried(gateway, areas, settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.BERDAYA = {**settings.BERDAYA, "SMS_GATEWAY_URL": f"http://127.0.0.1:{port}/api/sms"}
    msg = _message("+6281200000001")
    assert services.outbox_process() == {"sent": 0, "retry": 1, "failed": 0}
    msg.refresh_from_db()
    assert msg.status == "queued" and "tidak terjangkau" in msg.last_error


@pytest.mark.django_db
def test_a_form_gateway_that_says_slow_down_is_retried(gateway, areas, settings):
    settings.BERDAYA = {**settings.BERDAYA, "SMS_GATEWAY_FORMAT": "form"}
    msg = _message("+6281200000001")
    gateway.script = [(429, {"error": "terlalu cepat"}), (201, {"message_id": "mid-7", "status": "queued"})]
    now = timezone.now()
    assert services.outbox_process(now=now)["retry"] == 1
    assert services.outbox_process(now=now + dt.timedelta(minutes=2))["sent"] == 1
    assert gateway.requests[0]["body"]["message"] == "Harga Merangin: Karet 7.500"
    assert gateway.requests[0]["body"]["to"] == "+6281200000001"
    msg.refresh_from_db()
    assert (msg.status, msg.attempts, msg.provider_id) == ("sent", 2, "mid-7")


@pytest.mark.django_db
def test_a_failure_receipt_marks_the_message_failed_with_the_reason(gateway, areas, client):
    msg = _message("+6281200000001")
    services.outbox_process()
    msg.refresh_from_db()
    # a form-encoded report, authenticated by an HMAC signature of the body instead of the bearer token
    body = f"message_id={msg.provider_id}&status=failed&error=nomor+tidak+aktif"
    signature = hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
    response = _post(
        client,
        RECEIPTS,
        None,
        secret="",
        raw=body,
        content_type="application/x-www-form-urlencoded",
        **{"X-Berdaya-Signature": f"sha256={signature}"},
    )
    assert response.status_code == 200, response.content
    msg.refresh_from_db()
    assert msg.status == "failed" and msg.failed_at is not None and "nomor tidak aktif" in msg.last_error


@pytest.mark.django_db
def test_bad_receipts_are_refused_and_change_nothing(gateway, areas, client, settings):
    msg = _message("+6281200000001")
    services.outbox_process()
    msg.refresh_from_db()
    good = {"id": msg.provider_id, "status": "delivered"}
    cases = [
        (b"{not json", "JSON"),
        (json.dumps({"id": msg.provider_id}), "status wajib"),
        (json.dumps({"id": msg.provider_id, "status": "entah"}), "tidak dikenal"),
        (json.dumps([good, {"id": "x", "status": "delivered", "timestamp": "kemarin"}]), "waktu"),
        (json.dumps([good, "x"]), "bukan objek"),
        (json.dumps([]), "kosong"),
    ]
    for raw, words in cases:
        response = _post(client, RECEIPTS, None, raw=raw)
        assert response.status_code == 400, raw
        assert words in response.json()["error"], (raw, response.json())
    msg.refresh_from_db()
    assert msg.status == "sent"
    # wrong secret, wrong signature, no secret configured: 403
    assert _post(client, RECEIPTS, good, secret="salah").status_code == 403
    assert _post(client, RECEIPTS, good, secret="", **{"X-Berdaya-Signature": "sha256=00"}).status_code == 403
    assert client.post(f"{RECEIPTS}?token=salah", good, content_type="application/json").status_code == 403
    assert client.post(f"{RECEIPTS}?token={SECRET}", good, content_type="application/json").status_code == 200
    settings.BERDAYA = {**settings.BERDAYA, "SMS_CALLBACK_SECRET": ""}
    assert _post(client, RECEIPTS, good).status_code == 403
    # an unknown provider name answers 404
    settings.BERDAYA = {**settings.BERDAYA, "SMS_CALLBACK_SECRET": SECRET}
    assert _post(client, "/harga/gateway/entah/laporan/", good).status_code == 404
    assert client.get(RECEIPTS).status_code == 405


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("STOP", "stop"),
        ("stop", "stop"),
        ("  Stop\n", "stop"),
        ("BERHENTI", "stop"),
        ("berhenti.", "stop"),
        ("Berhenti!", "stop"),
        ("UNREG", "stop"),
        ("unreg harga", "stop"),
        ("STOP  BULETIN", "stop"),
        ("MULAI", "start"),
        ("start", "start"),
        ("Berhenti dapat bantuan sejak Mei", None),
        ("stop 1234", None),
        ("STOPP", None),
        ("stop kerja", None),
        ("", None),
        ("PGD-ABC123 tolong", None),
    ],
)
def test_it_knows_a_keyword_only_when_it_is_the_whole_message(body, keyword):
    assert inbound.keyword_of(body) == keyword


@pytest.mark.django_db
def test_stop_withdraws_consent_and_the_next_bulletin_skips_the_number(gateway, areas, officer, client):
    # given a number subscribed by SMS and by WhatsApp (written the old way, 08...), a message still queued to it,
    # and another subscriber
    sms = _subscriber("081200000001", "sms")
    wa = _subscriber("+6281200000001", "whatsapp")
    other = _subscriber("+6281200000009", "sms")
    queued = _message("081200000001", subscriber=sms)

    # when the number replies " berhenti " through the gateway
    payload = {"from": "6281200000001", "message": " berhenti ", "id": "in-1"}
    response = _post(client, INBOUND_SMS, payload)

    # then both subscriptions are withdrawn today, by SMS, audited; the queued message is cancelled; a confirmation
    # goes back
    assert response.status_code == 200, response.content
    assert response.json() == {"ok": True, "handled": "stop", "duplicate": False, "subscriptions": 2}
    for sub in (sms, wa):
        sub.refresh_from_db()
        assert (sub.withdrawn_at, sub.withdrawn_via) == (timezone.localdate(), "sms")
    other.refresh_from_db()
    assert other.withdrawn_at is None
    queued.refresh_from_db()
    assert queued.status == "failed" and queued.last_error == "persetujuan ditarik"
    audited = AuditEvent.objects.filter(object_type="markets.subscriberconsent", detail__via="sms")
    assert sorted(int(e.object_id) for e in audited) == sorted([sms.pk, wa.pk])
    assert all(e.detail["event"] == "bulletin_consent_withdrawn" and e.actor_id is None for e in audited)
    (reply,) = OutboxMessage.objects.filter(kind=c.MessageKind.CONSENT)
    assert reply.to == "+6281200000001" and "berhenti" in reply.body
    assert InboundCommand.objects.get().subscriptions == 2

    # a repeated delivery of the same message changes nothing and sends no second confirmation
    assert _post(client, INBOUND_SMS, payload).json()["duplicate"] is True
    assert OutboxMessage.objects.filter(kind=c.MessageKind.CONSENT).count() == 1

    # the next bulletin goes to the other subscriber only, and the outbox sends it
    bulletin = _bulletin(dt.date(2025, 5, 19))
    assert services.bulletin_send(actor=officer, bulletin=bulletin) == 1
    services.outbox_process()
    recipients = [r["body"]["to"] for r in gateway.requests]
    assert "+6281200000009" in recipients
    assert recipients.count("+6281200000001") == 1  # the confirmation only
    assert not Grievance.objects.exists()


@pytest.mark.django_db
def test_start_does_not_resubscribe_and_says_how(gateway, areas, client):
    sub = _subscriber()
    _post(client, INBOUND_SMS, {"from": "+6281200000001", "message": "STOP", "id": "in-1"})
    response = _post(client, INBOUND_SMS, {"from": "+6281200000001", "message": "Mulai", "id": "in-2"})
    assert response.json() == {"ok": True, "handled": "start", "duplicate": False, "subscriptions": 0}
    sub.refresh_from_db()
    assert sub.withdrawn_at is not None
    assert not services.active_subscribers().exists()
    last = OutboxMessage.objects.filter(kind=c.MessageKind.CONSENT).latest("id")
    assert "pendamping" in last.body


@pytest.mark.django_db
def test_other_messages_go_to_grievances_and_bad_input_changes_nothing(gateway, areas, client):
    sub = _subscriber()
    response = _post(client, INBOUND_SMS, {"from": "+6281200000001", "message": "Bantuan belum sampai", "id": "g-1"})
    assert response.json() == {"ok": True, "handled": "grievance", "duplicate": False}
    grievance = Grievance.objects.get()
    assert grievance.description == "Bantuan belum sampai"
    # a WhatsApp inbound by form, with the provider's own field names
    response = client.post(
        f"/harga/gateway/http/masuk/whatsapp/?token={SECRET}",
        {"msisdn": "081200000001", "text": "Pupuk langka", "message_id": "g-2"},
    )
    assert response.status_code == 200 and Grievance.objects.count() == 2

    for raw, words in [
        (json.dumps({"message": "STOP", "id": "x"}), "from dan id"),
        (json.dumps(["STOP"]), "objek"),
        (b"\xff\xfe", "JSON"),
        (json.dumps({"from": "+6281200000001", "message": "  ", "id": "x2"}), "kosong"),
    ]:
        response = _post(client, INBOUND_SMS, None, raw=raw)
        assert response.status_code == 400 and words in response.json()["error"], (raw, response.json())
    assert _post(client, INBOUND_SMS, {"from": "1", "message": "STOP", "id": "y"}, secret="salah").status_code == 403
    assert _post(client, "/harga/gateway/http/masuk/pos/", {"from": "1", "message": "x", "id": "z"}).status_code == 404
    sub.refresh_from_db()
    assert sub.withdrawn_at is None and Grievance.objects.count() == 2 and not InboundCommand.objects.exists()


@pytest.mark.django_db
def test_the_older_grievance_webhook_also_honours_stop(areas, client, settings):
    settings.BERDAYA = {**settings.BERDAYA, "GRIEVANCE_INBOUND_TOKEN": "rahasia-gateway"}
    sub = _subscriber()
    response = client.post(
        "/pengaduan/masuk/sms/",
        {"from": "081200000001", "message": "UNREG", "id": "old-1"},
        content_type="application/json",
        headers={"Authorization": "Bearer rahasia-gateway"},
    )
    assert response.json() == {"ok": True, "duplicate": False}
    sub.refresh_from_db()
    assert sub.withdrawn_via == "sms" and not Grievance.objects.exists()


def test_the_provider_comes_from_settings(settings):
    settings.BERDAYA = {**settings.BERDAYA, "SMS_SENDER": "http", "SMS_GATEWAY_URL": "https://sms.example.test/kirim"}
    provider = get_provider()
    assert isinstance(provider, HttpGatewayProvider) and provider.url == "https://sms.example.test/kirim"
    settings.BERDAYA = {**settings.BERDAYA, "SMS_SENDER": "console"}
    assert get_provider().name == "console"
