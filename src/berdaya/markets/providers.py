"""SMS/WhatsApp providers: how a message leaves Berdaya, and how the provider's callbacks (delivery receipts,
inbound messages) are read. The outbox calls `provider.send(message)`; the gateway views call `parse_receipts` and
`parse_inbound`. Which provider: `BERDAYA_SMS_SENDER` (docs/operations.md).

- console (default): logs the message; nothing leaves the machine.
- file: appends to DATA_DIR/outbox.log, for a demo or an operator who forwards by hand.
- http: the common shape of HTTP SMS/WhatsApp gateways (Indonesian aggregators, Twilio-like APIs): POST the
  message as JSON or a form to one URL with a bearer token; the answer is JSON with the gateway's message id; the
  gateway later POSTs a delivery report (id + status) and inbound messages (from + text + id) back to Berdaya.
- a dotted path: any class with the same three methods.

A send that may succeed later (timeout, connection refused, 5xx, 429) raises SendError and the outbox retries it
with a growing delay; a send the gateway refuses for good (any other 4xx: bad number, bad credentials, text refused)
raises PermanentSendError and is not tried again.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string

from berdaya.core.conf import conf

logger = logging.getLogger(__name__)


class SendError(Exception):
    """The message was not accepted this time; the outbox retries later."""


class PermanentSendError(SendError):
    """The gateway refused the message for good; retrying cannot help."""


class BadPayload(ValueError):
    """A callback body the provider cannot read; the message (Indonesian) says what is wrong."""


@dataclass(frozen=True)
class SendResult:
    provider_id: str = ""


@dataclass(frozen=True)
class Receipt:
    provider_id: str
    status: str  # "sent", "delivered" or "failed"
    at: dt.datetime | None = None
    error: str = ""


@dataclass(frozen=True)
class Inbound:
    channel: str
    sender: str
    body: str
    external_id: str


class Provider(Protocol):
    name: str

    def send(self, message: Any) -> SendResult | None: ...

    def parse_receipts(self, payload: Any) -> list[Receipt]: ...

    def parse_inbound(self, payload: Any, channel: str) -> Inbound: ...


# Delivery-report words as gateways write them (SMPP "stat" values, Twilio's, aggregators' own), lower case.
DELIVERED = {"delivered", "delivrd", "deliv", "success", "succeeded", "read", "terkirim", "diterima"}
FAILED = {"failed", "undelivered", "undeliv", "undeliverable", "rejected", "rejectd", "expired", "deleted", "error"}
FAILED |= {"unknown_number", "blocked", "gagal", "ditolak"}
IN_FLIGHT = {"sent", "accepted", "acceptd", "queued", "enroute", "buffered", "sending", "submitted", "pending"}

_ID_KEYS = ("id", "message_id", "messageId", "msgid", "MessageSid", "SmsSid", "reference")
_STATUS_KEYS = ("status", "MessageStatus", "SmsStatus", "stat", "state")
_TIME_KEYS = ("timestamp", "delivered_at", "done_date", "time")
_ERROR_KEYS = ("error", "error_code", "ErrorCode", "err", "description", "reason")
_FROM_KEYS = ("from", "sender", "msisdn", "From", "mobile")
_TEXT_KEYS = ("message", "text", "body", "Body", "content")


def _first(payload: Mapping[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = payload.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def receipt_status(raw: str) -> str:
    word = raw.strip().lower()
    if word in DELIVERED:
        return "delivered"
    if word in FAILED:
        return "failed"
    if word in IN_FLIGHT:
        return "sent"
    raise BadPayload(f"status laporan “{raw[:30]}” tidak dikenal")


def _when(raw: str) -> dt.datetime | None:
    if not raw:
        return None
    if raw.isdigit():  # seconds since the epoch
        return dt.datetime.fromtimestamp(int(raw), tz=dt.UTC)
    try:
        value = parse_datetime(raw)
    except ValueError:
        value = None
    if value is None:
        raise BadPayload(f"waktu laporan “{raw[:30]}” tidak bisa dibaca (ISO 8601 atau detik epoch)")
    return value if timezone.is_aware(value) else timezone.make_aware(value)


class GenericCallbacks:
    """Reads the callbacks of the common gateway shape: one object (JSON or form) or a JSON list of objects per
    delivery report, with the field names most gateways use."""

    def parse_receipts(self, payload: Any) -> list[Receipt]:
        items = payload if isinstance(payload, list) else [payload]
        if not items:
            raise BadPayload("laporan kosong")
        receipts = []
        for n, item in enumerate(items, 1):
            if not isinstance(item, Mapping):
                raise BadPayload(f"laporan ke-{n} bukan objek (id, status)")
            provider_id, status = _first(item, _ID_KEYS), _first(item, _STATUS_KEYS)
            if not provider_id or not status:
                raise BadPayload(f"laporan ke-{n}: id dan status wajib diisi")
            receipts.append(
                Receipt(
                    provider_id=provider_id[:100],
                    status=receipt_status(status),
                    at=_when(_first(item, _TIME_KEYS)),
                    error=_first(item, _ERROR_KEYS)[:200],
                )
            )
        return receipts

    def parse_inbound(self, payload: Any, channel: str) -> Inbound:
        if not isinstance(payload, Mapping):
            raise BadPayload("pesan masuk harus berupa objek (from, message, id)")
        sender, external_id = _first(payload, _FROM_KEYS), _first(payload, _ID_KEYS)
        text = payload.get(next((k for k in _TEXT_KEYS if k in payload), "message"), "")
        if not sender or not external_id:
            raise BadPayload("from dan id wajib diisi")
        return Inbound(channel=channel, sender=sender[:20], body=str(text or "")[:4000], external_id=external_id[:100])


class ConsoleProvider(GenericCallbacks):
    name = "console"

    def send(self, message: Any) -> SendResult:
        # The number is shortened in the log: logs are not the place for personal data.
        logger.info("pesan %s ke …%s: %s", message.channel, message.to[-4:], message.body)
        return SendResult()


class FileProvider(GenericCallbacks):
    name = "file"

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path or Path(settings.DATA_DIR) / "outbox.log")

    def send(self, message: Any) -> SendResult:
        try:
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"channel": message.channel, "to": message.to, "body": message.body}) + "\n")
        except OSError as exc:
            raise SendError(str(exc)) from exc
        return SendResult()


# Answers that may succeed on another try; every other 4xx is the gateway refusing the message itself.
RETRYABLE_STATUS = {408, 425, 429}


class HttpGatewayProvider(GenericCallbacks):
    """POST {"to", "message", "channel", "from", "reference"} (JSON, or a form with fmt="form") with
    `Authorization: Bearer <token>`; a 2xx answer is accepted, and its JSON "id" (or message_id, sid...) is kept
    to match the delivery report."""

    name = "http"

    def __init__(
        self,
        url: str,
        token: str = "",
        *,
        sender_id: str = "",
        fmt: str = "json",
        timeout: float = 10.0,
        session: requests.Session | None = None,
    ) -> None:
        if not url.startswith(("https://", "http://")):
            raise PermanentSendError(f"BERDAYA_SMS_GATEWAY_URL belum diisi atau tidak sah: {url!r}")
        if fmt not in ("json", "form"):
            raise PermanentSendError(f"BERDAYA_SMS_GATEWAY_FORMAT harus json atau form, bukan {fmt!r}")
        self.url, self.token, self.sender_id, self.fmt, self.timeout = url, token, sender_id, fmt, timeout
        self.session = session or requests.Session()

    def send(self, message: Any) -> SendResult:
        payload = {"to": message.to, "message": message.body, "channel": message.channel}
        if self.sender_id:
            payload["from"] = self.sender_id
        if getattr(message, "pk", None):
            payload["reference"] = str(message.pk)
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        as_json = self.fmt == "json"
        try:
            response = self.session.post(
                self.url,
                json=payload if as_json else None,
                data=None if as_json else payload,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise SendError(f"gateway tidak terjangkau: {exc.__class__.__name__}") from exc
        text = response.text[:200]
        if response.status_code >= 500 or response.status_code in RETRYABLE_STATUS:
            raise SendError(f"gateway menjawab {response.status_code}: {text}")
        if not 200 <= response.status_code < 300:
            raise PermanentSendError(f"gateway menolak ({response.status_code}): {text}")
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        provider_id = _first(answer, (*_ID_KEYS, "sid")) if isinstance(answer, Mapping) else ""
        return SendResult(provider_id=provider_id[:100])


def get_provider(name: str | None = None) -> Provider:
    """The configured provider (BERDAYA_SMS_SENDER), or the one named."""
    kind = name or conf().sms_sender
    if kind == "console":
        return ConsoleProvider()
    if kind == "file":
        return FileProvider()
    if kind == "http":
        s = conf()
        return HttpGatewayProvider(
            s.sms_gateway_url,
            s.sms_gateway_token,
            sender_id=s.sms_gateway_sender_id,
            fmt=s.sms_gateway_format,
            timeout=s.sms_gateway_timeout_seconds,
        )
    provider: Provider = import_string(kind)()
    return provider


def callbacks_for(name: str) -> GenericCallbacks | Provider | None:
    """The provider whose callbacks /harga/gateway/<name>/... reads: a built-in shape by its name, or the configured
    provider when the name is its own; None for anything else."""
    if name in ("console", "file", "http"):
        return GenericCallbacks()
    try:
        configured = get_provider()
    except (ImportError, SendError):
        return None
    return configured if getattr(configured, "name", None) == name else None
