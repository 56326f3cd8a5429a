"""Inbound SMS/WhatsApp messages: a STOP (or START) is the messaging's own business and is handled here; every other
message goes to the handler an upper app registers from its AppConfig.ready() (grievances: a new complaint or an
addition to one). Markets never imports the apps above it.

A keyword is recognised only when it is the whole message, in any case and spacing, optionally followed by one word
naming what to stop ("STOP", " berhenti ", "Unreg harga", "STOP BULETIN."): "Berhenti dapat bantuan sejak Mei..."
is a complaint, not a withdrawal.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import choices as c
from .providers import Inbound

STOP_WORDS = {"stop", "berhenti", "unreg", "unsub", "unsubscribe", "henti", "keluar", "batal", "stopall"}
START_WORDS = {"start", "mulai", "reg", "daftar", "unstop"}
# The one word that may follow a keyword: what the sender wants stopped.
TOPIC_WORDS = {"harga", "buletin", "info", "semua", "all", "sms", "wa", "pesan", "langganan"}

Handler = Callable[[Inbound], dict[str, Any]]
_handlers: list[Handler] = []


def register(handler: Handler) -> None:
    """Called by an upper app's AppConfig.ready(): it receives every inbound message that is not a keyword. The
    first handler registered answers; registering the same one twice (a re-run ready()) is harmless."""
    if handler not in _handlers:
        _handlers.append(handler)


def keyword_of(body: str) -> str | None:
    """c.Keyword.STOP or START when the message is one, else None."""
    words = re.findall(r"[a-z]+", (body or "").casefold())
    if not words or len(words) > 2 or (len(words) == 2 and words[1] not in TOPIC_WORDS):
        return None
    # Nothing but letters, spaces and closing punctuation: "STOP!!" yes, "stop 1234" no.
    if re.fullmatch(r"[\s\w.!,]*", body or "") is None or re.search(r"\d", body or ""):
        return None
    if words[0] in STOP_WORDS:
        return c.Keyword.STOP
    if words[0] in START_WORDS:
        return c.Keyword.START
    return None


def dispatch(*, provider: str, inbound: Inbound) -> dict[str, Any]:
    """Handle one inbound message; the answer is JSON for the gateway. Raises ValidationError on bad content."""
    from .services import inbound_keyword

    keyword = keyword_of(inbound.body)
    if keyword is not None:
        return inbound_keyword(provider=provider, inbound=inbound, keyword=keyword)
    for handler in _handlers:
        return handler(inbound)
    return {"handled": "ignored", "duplicate": False}
