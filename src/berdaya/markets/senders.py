"""Pluggable message senders. The outbox calls `sender.send(message)`; a sender raises SendError on failure.

- console (default): logs the message; nothing leaves the machine.
- file: appends to DATA_DIR/outbox.log, for a demo or an operator who forwards by hand.
- http: an SMS gateway that takes a JSON POST (url and token from settings). The transport is injectable so tests
  never touch the network.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from django.conf import settings

from berdaya.core.conf import conf

logger = logging.getLogger(__name__)


class SendError(Exception):
    """The message was not accepted; the outbox retries later."""


class Sender(Protocol):
    def send(self, message) -> None: ...


class ConsoleSender:
    def send(self, message) -> None:
        # The number is shortened in the log: logs are not the place for personal data.
        logger.info("pesan %s ke …%s: %s", message.channel, message.to[-4:], message.body)


class FileSender:
    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path or Path(settings.DATA_DIR) / "outbox.log")

    def send(self, message) -> None:
        try:
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"channel": message.channel, "to": message.to, "body": message.body}) + "\n")
        except OSError as exc:
            raise SendError(str(exc)) from exc


Transport = Callable[[str, bytes, dict[str, str], float], tuple[int, str]]


def urllib_transport(url: str, data: bytes, headers: dict[str, str], timeout: float) -> tuple[int, str]:
    if not url.startswith(("https://", "http://")):
        raise SendError(f"URL gateway tidak sah: {url!r}")
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310 (scheme checked)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read(2000).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(2000).decode("utf-8", "replace")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SendError(f"gateway tidak terjangkau: {exc}") from exc


class HttpSmsSender:
    """POST {"to", "message", "channel"} as JSON with a bearer token; any 2xx is a success."""

    def __init__(self, url: str, token: str = "", *, timeout: float = 10.0, transport: Transport | None = None):
        if not url:
            raise SendError("BERDAYA_SMS_GATEWAY_URL belum diisi.")
        self.url = url
        self.token = token
        self.timeout = timeout
        self.transport = transport or urllib_transport

    def send(self, message) -> None:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = json.dumps({"to": message.to, "message": message.body, "channel": message.channel}).encode()
        status, body = self.transport(self.url, payload, headers, self.timeout)
        if not 200 <= status < 300:
            raise SendError(f"gateway menjawab {status}: {body[:200]}")


def get_sender() -> Sender:
    kind = conf().sms_sender
    if kind == "console":
        return ConsoleSender()
    if kind == "file":
        return FileSender()
    if kind == "http":
        return HttpSmsSender(conf().sms_gateway_url, conf().sms_gateway_token)
    from django.utils.module_loading import import_string

    return import_string(kind)()
