"""SMS/WhatsApp in: a fake gateway on 127.0.0.1 POSTs to the webhook through the live server; the reply with the
tracking code goes back out through the outbox to the same fake gateway."""

import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from berdaya.grievances import choices as c
from berdaya.grievances.models import Grievance, InboundMessage
from berdaya.markets.senders import HttpSmsSender
from berdaya.markets.services import outbox_process


class FakeGateway:
    """Receives outbound messages (as the SMS gateway would) and delivers inbound ones to Berdaya's webhook."""

    def __init__(self):
        self.sent: list[dict] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                gateway.sent.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"ok":true}')

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def deliver(self, webhook: str, payload: dict, token: str = "rahasia-gateway") -> tuple[int, dict]:  # noqa: S107
        request = urllib.request.Request(  # noqa: S310 (the live server's http URL)
            webhook,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (a local test server)
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway():
    fake = FakeGateway()
    yield fake
    fake.stop()


@pytest.mark.django_db(transaction=True)
def test_an_sms_becomes_a_grievance_and_the_code_goes_back_through_the_outbox(live_server, gateway, areas):
    webhook = f"{live_server.url}/pengaduan/masuk/sms/"
    status, body = gateway.deliver(
        webhook, {"from": "0812-7777-1234", "message": "Bantuan beras tidak sampai", "id": "gw-1"}
    )
    assert (status, body["ok"]) == (200, True)
    g = Grievance.objects.get()
    assert g.channel == c.Channel.SMS and g.complainant_phone == "+6281277771234" and g.reply_channel == "sms"
    # The gateway retries the same message: it is taken once.
    status, body = gateway.deliver(
        webhook, {"from": "081277771234", "message": "Bantuan beras tidak sampai", "id": "gw-1"}
    )
    assert body["duplicate"] is True and Grievance.objects.count() == 1 and InboundMessage.objects.count() == 1
    # The reply goes out through the outbox to the gateway.
    counts = outbox_process(sender=HttpSmsSender(gateway.url, "token"))
    assert counts["sent"] >= 1
    assert gateway.sent[0]["to"] == "+6281277771234" and g.code in gateway.sent[0]["message"]


@pytest.mark.django_db(transaction=True)
def test_the_webhook_refuses_a_wrong_secret_and_bad_input(live_server, gateway, areas):
    webhook = f"{live_server.url}/pengaduan/masuk/whatsapp/"
    status, _body = gateway.deliver(webhook, {"from": "081277771234", "message": "x", "id": "1"}, token="salah")
    assert status == 403
    status, body = gateway.deliver(webhook, {"from": "081277771234", "message": "  ", "id": "2"})
    assert status == 400 and "kosong" in body["error"]
    status, _body = gateway.deliver(f"{live_server.url}/pengaduan/masuk/pos/", {"from": "1", "message": "x", "id": "3"})
    assert status == 404
    # A body that is JSON but not an object (a list, a string) is refused as bad input, not a server error.
    for odd in ([], "x", 7):
        status, body = gateway.deliver(webhook, odd)
        assert status == 400 and "object" in body["error"], odd
    assert not Grievance.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_reply_with_the_code_after_the_decision_is_an_appeal(live_server, gateway, officer):
    from berdaya.grievances import services

    g = services.grievance_record(
        actor=officer,
        data={
            "category": "aid_not_received",
            "description": "x",
            "complainant_phone": "081277771234",
            "reply_channel": "whatsapp",
        },
    )
    services.grievance_decide(actor=officer, grievance=g, outcome=c.Outcome.REJECTED, reason="Sudah diterima.")
    status, _body = gateway.deliver(
        f"{live_server.url}/pengaduan/masuk/whatsapp/",
        {"from": "081277771234", "message": f"{g.code.lower()} saya belum menerima", "id": "wa-9"},
    )
    assert status == 200
    appeal = Grievance.objects.get(appeal_of=g)
    assert appeal.description == "saya belum menerima" and appeal.channel == c.Channel.WHATSAPP
