"""Test clients of the SPDCI endpoints: a bearer authenticator registered for the tests (the token app registers the
real one), envelopes, a fake receiver on 127.0.0.1, and validation against the spec."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from django.test import Client

from berdaya.accounts.models import User
from berdaya.core.auth_hooks import BearerClient
from berdaya.dci import spec
from berdaya.dci.envelope import now_iso

# token -> (username, origins, signing keys)
TOKENS: dict[str, tuple[str, tuple[str, ...], tuple[tuple[str, str, str], ...]]] = {}


def origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"


def authenticator(request) -> BearerClient | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Bearer "):
        return None
    found = TOKENS.get(header[7:])
    if found is None:
        return None
    user = User.objects.filter(username=found[0], is_active=True).first()
    if user is None:
        return None
    return BearerClient(
        user=user, client_id=header[7:15], callback_origins=found[1], origin_of=origin_of, signing_keys=found[2]
    )


def token_for(user: User, *origins: str, keys: tuple[tuple[str, str, str], ...] = ()) -> str:
    token = f"test-{uuid.uuid4().hex}"
    TOKENS[token] = (user.username, tuple(origins), keys)
    return token


SPEC_PATHS = {
    "sync-search": "/registry/sync/search",
    "search": "/registry/search",
    "subscribe": "/registry/subscribe",
    "unsubscribe": "/registry/unsubscribe",
    "txn-status": "/registry/txn/status",
    "sync-txn-status": "/registry/sync/txn/status",
}
ACTIONS = {
    "sync-search": "search",
    "search": "search",
    "subscribe": "subscribe",
    "unsubscribe": "unsubscribe",
    "txn-status": "txn-status",
    "sync-txn-status": "txn-status",
}


def header(action: str, total: int, sender_uri: str | None = None, **extra: Any) -> dict[str, Any]:
    h = {
        "version": "1.0.0",
        "message_id": uuid.uuid4().hex,
        "message_ts": now_iso(),
        "action": action,
        "sender_id": "dtsen.test",
        "receiver_id": "berdaya",
        "total_count": total,
        "is_msg_encrypted": False,
    }
    if sender_uri:
        h["sender_uri"] = sender_uri
    h.update(extra)
    return h


def search_item(query_type: str, query: Any, ref: str = "r1", **criteria: Any) -> dict[str, Any]:
    return {
        "reference_id": ref,
        "timestamp": now_iso(),
        "search_criteria": {"version": "1.0.0", "query_type": query_type, "query": query, **criteria},
    }


def search_body(*items: dict[str, Any], sender_uri: str | None = None, **hdr: Any) -> dict[str, Any]:
    return {
        "signature": "",
        "header": header("search", len(items), sender_uri, **hdr),
        "message": {"transaction_id": uuid.uuid4().hex[:20], "search_request": list(items)},
    }


def status_body(txn_id: str, sender_uri: str | None = None) -> dict[str, Any]:
    """A txn/status request about the transaction `txn_id` (sync, or async with `sender_uri`)."""
    return {
        "header": header("txn-status", 1, sender_uri),
        "message": {
            "transaction_id": uuid.uuid4().hex[:20],
            "txnstatus_request": {
                "reference_id": "q1",
                "txn_type": "search",
                "attribute_type": "transaction_id",
                "attribute_value": txn_id,
            },
        },
    }


def call(token: str | None, registry: str, name: str, body: Any, *, check_request: bool = True, language: str = ""):
    """POST `body` to an endpoint; the request (when meant valid) and the answer are validated against the spec.
    `language`: an Accept-Language header."""
    path = SPEC_PATHS[name]
    if check_request:
        assert spec.errors(registry, path, body) == [], spec.errors(registry, path, body)
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if language:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    response = client.post(f"/dci/{registry}{path}", raw, content_type="application/json", **headers)
    data = response.json()
    status = str(response.status_code) if response.status_code in (401, 403, 500) else "default"
    assert spec.errors(registry, path, data, part="response", status=status) == [], spec.errors(
        registry, path, data, part="response", status=status
    )
    return response, data


CALLBACK_PATHS = {
    "on-search": "/registry/on-search",
    "notify": "/registry/notify",
    "txn-on-status": "/registry/txn/on-status",
}
CALLBACK_PATHS["on-unsubscribe"] = "/registry/on-unsubscribe"


def check_callback(registry: str, body: dict[str, Any]) -> None:
    action = body["header"]["action"]
    if action == "on-subscribe":
        # The farmer spec's on-subscribe path is malformed (its operation is null): the message is checked by schema.
        assert spec.component(registry, "SubscribeResponse").is_valid(body["message"]), list(
            spec.component(registry, "SubscribeResponse").iter_errors(body["message"])
        )
        return
    errors = spec.errors(registry, CALLBACK_PATHS[action], body)
    assert errors == [], errors


class Receiver:
    """A fake client system on 127.0.0.1 that records what it is sent; `fail` answers HTTP 500 that many times."""

    def __init__(self, fail: int = 0) -> None:
        self.received: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.fail = fail
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if receiver.fail > 0:
                    receiver.fail -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.received.append(body)
                receiver.paths.append(self.path)
                out = json.dumps({"message": {"ack_status": "ACK", "timestamp": now_iso(), "correlation_id": "x"}})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(out.encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str = "/registry/on-search") -> str:
        return self.origin + path

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_ready_tasks(capture) -> list[int]:
    """What the worker (`berdaya worker`, django-tasks-db's db_worker) does with the queue, in this test's
    transaction: run every ready task (jobs.tasks.run_job -> jobs.runner.job_run), in queue order. Enqueues made
    while running (retries) go through on-commit callbacks, which `capture` executes."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from berdaya.jobs.runner import job_run

    ran = []
    with capture(execute=True):
        for task in list(DBTaskResult.objects.ready().order_by("run_after", "enqueued_at")):
            (job_id,) = task.args_kwargs["args"]
            job_run(job_id)
            DBTaskResult.objects.filter(pk=task.pk).update(status=TaskResultStatus.SUCCESSFUL)
            ran.append(job_id)
    return ran
