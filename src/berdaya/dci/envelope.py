"""The SPDCI message envelope `{signature, header, message}`: reading a request's header by the spec's rules, and
writing ACK/ERR acknowledgements and the callback header of an answer.

Codes are the spec's own: `MsgHeaderStatusReasonCode` (rjct.*) in the header of a synchronous answer, `Error.code`
(err.*) in the acknowledgement of an asynchronous one. Messages are in Bahasa Indonesia.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

VERSION = "1.0.0"
# Requests in one message (header.total_count): more is rjct.total_count.limit_exceeded.
MAX_REQUESTS = 100
ID_MAX = 99


class EnvelopeError(Exception):
    """A request refused at the envelope: `reason` for a synchronous answer's header (None when the spec has no
    code for it), `code` for an asynchronous ERR, `http_status` of the answer."""

    def __init__(self, code: str, message: str, *, reason: str | None = None, http_status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.http_status = http_status


@dataclass
class Envelope:
    header: dict[str, Any]
    message: dict[str, Any]
    signature: str | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    # The request as sent (its signature covers header and message as they came).
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def message_id(self) -> str:
        return str(self.header["message_id"])

    @property
    def sender_id(self) -> str:
        return str(self.header["sender_id"])

    @property
    def sender_uri(self) -> str:
        return str(self.header.get("sender_uri") or "")

    @property
    def transaction_id(self) -> str:
        return str(self.message.get("transaction_id") or "")


def now_iso() -> str:
    return timezone.now().isoformat(timespec="milliseconds")


def new_id() -> str:
    return uuid.uuid4().hex


def parse_timestamp(value: Any) -> dt.datetime | None:
    """An ISO 8601 date-time with its time zone (the spec's `timestamp`), else None."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


_NUL = "\x00"
_SURROGATE = re.compile("[\ud800-\udfff]")


def _unwritable(data: Any) -> str | None:
    """The first character of the parsed request (key or value) that no answer or row can hold: U+0000 (PostgreSQL's
    text and jsonb refuse it) or a lone UTF-16 surrogate ("\\ud800" in JSON: not a character, so not UTF-8). Read
    without recursion."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if _NUL in value:
                return _NUL
            if _SURROGATE.search(value):
                return "surrogate"
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return None


def _no_constant(name: str) -> Any:
    # NaN, Infinity and -Infinity: Python's json reads them, JSON has no such values (RFC 8259).
    raise ValueError(name)


def _text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value.strip()) <= ID_MAX


def parse(
    body: bytes, *, action: str, receiver_id: str, items_key: str | None, required_message: bool = True
) -> Envelope:
    """The envelope of a request for `action`, or EnvelopeError. `items_key` names the message's list of requests
    (search_request, subscribe_request), whose length header.total_count must give."""
    try:
        data = json.loads(body or b"", parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested deeper than Python reads
        raise EnvelopeError("err.request.bad", _("Isi permintaan bukan JSON yang sah.")) from None
    # Refused here, as any other malformed request, rather than failing at the first write or lookup of the value.
    if (bad := _unwritable(data)) == _NUL:
        raise EnvelopeError("err.request.bad", _("Isi permintaan tidak boleh memuat karakter NUL (\\u0000)."))
    if bad is not None:
        raise EnvelopeError(
            "err.request.bad",
            _("Isi permintaan memuat surrogate UTF-16 tanpa pasangan (mis. \\ud800): bukan karakter."),
        )
    if not isinstance(data, dict) or not isinstance(data.get("header"), dict):
        raise EnvelopeError("err.request.bad", _("Permintaan harus berisi objek header."))
    header: dict[str, Any] = data["header"]
    signature = data.get("signature")
    if signature is not None and not isinstance(signature, str):
        raise EnvelopeError("err.signature.invalid", _("Tanda tangan (signature) harus berupa teks."))
    version = header.get("version", VERSION)
    if version != VERSION:
        raise EnvelopeError(
            "err.version.not_supported",
            _("Versi %(version)s tidak didukung; gunakan %(supported)s.") % {"version": version, "supported": VERSION},
            reason="rjct.version.invalid",
        )
    if not _text(header.get("message_id")):
        raise EnvelopeError("err.request.bad", _("header.message_id wajib diisi (teks, paling banyak 99 karakter)."))
    if parse_timestamp(header.get("message_ts")) is None:
        raise EnvelopeError(
            "err.request.bad",
            _("header.message_ts wajib berupa tanggal-waktu ISO 8601 dengan zona waktu."),
            reason="rjct.message_ts.invalid",
        )
    if header.get("action") != action:
        raise EnvelopeError(
            "err.request.bad",
            _("header.action harus '%(action)s' untuk alamat ini.") % {"action": action},
            reason="rjct.action.invalid",
        )
    if not _text(header.get("sender_id")):
        raise EnvelopeError("err.sender_id.invalid", _("header.sender_id wajib diisi."))
    receiver = header.get("receiver_id")
    if receiver not in (None, "", receiver_id):
        raise EnvelopeError(
            "err.receiver_id.invalid",
            _("header.receiver_id tidak dikenal; penerima ini adalah '%(id)s'.") % {"id": receiver_id},
        )
    sender_uri = header.get("sender_uri")
    if sender_uri not in (None, "") and not isinstance(sender_uri, str):
        raise EnvelopeError("err.sender_uri.invalid", _("header.sender_uri harus berupa alamat URL."))
    message = data.get("message")
    if header.get("is_msg_encrypted") is True or (isinstance(message, dict) and "ciphertext" in message):
        raise EnvelopeError(
            "err.encryption.invalid",
            _("Pesan terenkripsi belum didukung; kirim pesan biasa melalui HTTPS."),
            reason="rjct.action.not_supported",
        )
    if not isinstance(message, dict):
        if required_message:
            raise EnvelopeError("err.request.bad", _("Permintaan harus berisi objek message."))
        message = {}
    total = header.get("total_count")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise EnvelopeError(
            "err.request.bad",
            _("header.total_count wajib berupa bilangan bulat."),
            reason="rjct.total_count.invalid",
        )
    items: list[dict[str, Any]] = []
    if items_key is not None:
        raw_items = message.get(items_key)
        if not isinstance(raw_items, list) or not all(isinstance(i, dict) for i in raw_items) or not raw_items:
            raise EnvelopeError(
                "err.request.bad", _("message.%(key)s wajib berupa daftar permintaan.") % {"key": items_key}
            )
        items = raw_items
        if total > MAX_REQUESTS:
            raise EnvelopeError(
                "err.request.bad",
                _("Paling banyak %(max)s permintaan dalam satu pesan (header.total_count %(n)s).")
                % {"max": MAX_REQUESTS, "n": total},
                reason="rjct.total_count.limit_exceeded",
            )
        if total != len(items):
            raise EnvelopeError(
                "err.request.bad",
                _("header.total_count (%(total)s) tidak sama dengan jumlah permintaan (%(n)s).")
                % {"total": total, "n": len(items)},
                reason="rjct.total_count.invalid",
            )
    if not _text(message.get("transaction_id")) and required_message:
        raise EnvelopeError("err.request.bad", _("message.transaction_id wajib diisi (paling banyak 99 karakter)."))
    return Envelope(header=header, message=message, signature=signature, items=items, raw=data)


# --- answers --------------------------------------------------------------------------------------------------


def ack(correlation_id: str) -> dict[str, Any]:
    return {"message": {"ack_status": "ACK", "timestamp": now_iso(), "correlation_id": correlation_id}}


def err(code: str, message: str, correlation_id: str | None = None) -> dict[str, Any]:
    return {
        "message": {
            "ack_status": "ERR",
            "timestamp": now_iso(),
            "error": {"code": code, "message": message[:999]},
            "correlation_id": correlation_id or new_id(),
        }
    }


def http_error(code: str, message: str) -> dict[str, Any]:
    """The body of a 401/403/500 (the spec's HttpErrorResponse)."""
    return {"errors": [{"code": code, "message": message}]}


def callback_header(
    *,
    action: str,
    status: str,
    sender_id: str,
    receiver_id: str,
    total_count: int,
    completed_count: int | None = None,
    reason: str | None = None,
    reason_message: str = "",
) -> dict[str, Any]:
    """The header of an answer (MsgCallbackHeader): Berdaya is its sender, the client its receiver."""
    header: dict[str, Any] = {
        "version": VERSION,
        "message_id": new_id(),
        "message_ts": now_iso(),
        "action": action,
        "status": status,
        "total_count": total_count,
        "completed_count": total_count if completed_count is None else completed_count,
        "sender_id": sender_id,
        "receiver_id": receiver_id,
        "is_msg_encrypted": False,
    }
    if reason:
        header["status_reason_code"] = reason
    if reason_message:
        header["status_reason_message"] = reason_message[:999]
    return header
