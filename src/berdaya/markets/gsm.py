"""SMS text that every handset and gateway accepts: the GSM 03.38 basic character set only, at most 160 characters
per message.

Characters of the GSM extension table (``[ ] { } ~ | ^ \\ €``) cost two septets and some gateways mangle them, so
they are transliterated too: every character of a part then costs exactly one septet and ``len(part) <= 160`` is the
real limit. Parts are sent as separate messages numbered "(1/2)", not as a concatenated SMS (whose parts hold only
153 characters and which cheap phones sometimes show out of order).
"""

from __future__ import annotations

import unicodedata

SMS_LIMIT = 160

# GSM 03.38 basic character set, without ESC (0x1B) and without CR: a line feed is the only line break we send.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)

_REPLACEMENTS = {
    "\r": "",
    "\t": " ",
    "\u00a0": " ",
    "–": "-",
    "—": "-",
    "‒": "-",
    "−": "-",
    "“": '"',
    "”": '"',
    "„": '"',
    "‘": "'",
    "’": "'",
    "`": "'",
    "…": "...",
    "•": "-",
    "·": "-",
    "≤": "<=",
    "≥": ">=",
    "×": "x",
    "÷": ":",
    "€": "EUR",
    "[": "(",
    "]": ")",
    "{": "(",
    "}": ")",
    "~": "-",
    "|": "/",
    "^": "'",
    "\\": "/",
    "²": "2",
    "³": "3",
    "°": "o",
    "±": "+/-",
    "½": "1/2",
    "¼": "1/4",
    "©": "(c)",
    "®": "(R)",
    "™": "TM",
}


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC for ch in text)


def to_gsm7(text: str) -> str:
    """Transliterate `text` into the GSM-7 basic set: known look-alikes, then accents stripped, else '?'."""
    out: list[str] = []
    for ch in text:
        if ch in GSM7_BASIC:
            out.append(ch)
            continue
        if ch in _REPLACEMENTS:
            out.append(_REPLACEMENTS[ch])
            continue
        decomposed = unicodedata.normalize("NFKD", ch)
        base = "".join(d for d in decomposed if not unicodedata.combining(d))
        if base and all(b in GSM7_BASIC for b in base):
            out.append(base)
        elif unicodedata.category(ch).startswith(("Z", "C")):
            out.append(" ")
        else:
            out.append("?")
    return "".join(out)


def _clean(text: str) -> str:
    # One line, single spaces: a bulletin SMS reads as one sentence and spaces are where parts may break.
    return " ".join(to_gsm7(text).split())


def split_sms(text: str, limit: int = SMS_LIMIT) -> list[str]:
    """The GSM-7 parts of `text`, each at most `limit` characters, numbered "(i/n) " when there is more than one."""
    body = _clean(text)
    if not body:
        return []
    if len(body) <= limit:
        return [body]
    total = 2
    while True:
        # The prefix grows with the number of parts ("(1/9) " vs "(10/12) "): recompute until stable.
        prefix_len = len(f"({total}/{total}) ")
        chunks = _chunk(body, limit - prefix_len)
        if len(chunks) <= total:
            return [f"({i}/{len(chunks)}) {chunk}" for i, chunk in enumerate(chunks, 1)]
        total = len(chunks)


def _chunk(body: str, size: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for word in body.split(" "):
        while len(word) > size:  # a word longer than a part: cut it hard
            if current:
                chunks.append(current)
                current = ""
            chunks.append(word[:size])
            word = word[size:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= size:
            current = candidate
        else:
            chunks.append(current)
            current = word
    if current:
        chunks.append(current)
    return chunks
