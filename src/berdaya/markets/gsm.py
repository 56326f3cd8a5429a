"""SMS text that every handset and gateway accepts: the GSM 03.38 basic character set only, at most 160 characters
per message.

Characters of the GSM extension table (``[ ] { } ~ | ^ \\ €``) cost two septets and some gateways mangle them, so
they are transliterated too: every character of a part then costs exactly one septet and ``len(part) <= 160`` is the
real limit. Parts are sent as separate messages numbered "(1/2)", not as a concatenated SMS (whose parts hold only
153 characters and which cheap phones sometimes show out of order).

`sms_segments` counts what any text costs on the air (GSM-7 with extension characters at two septets, else UCS-2;
160/70 units for one message, 153/67 per segment of a concatenated one), and `pack_sms` builds a bulletin from whole
items so that a part boundary never falls inside an item and an optional footer never costs a part of its own.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

SMS_LIMIT = 160

# GSM 03.38 basic character set, without ESC (0x1B) and without CR: a line feed is the only line break we send.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)

# The extension table: each costs ESC + the character, two septets. Form feed is in it too.
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

# Units (septets or UTF-16 code units) of one message, and of each segment of a concatenated message (the user data
# header of 6 octets takes 7 septets or 3 UCS-2 units).
SINGLE_UNITS = {"gsm7": 160, "ucs2": 70}
SEGMENT_UNITS = {"gsm7": 153, "ucs2": 67}

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


@dataclass(frozen=True)
class Segments:
    """What a text costs as one (possibly concatenated) SMS."""

    encoding: str  # "gsm7" or "ucs2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int  # messages billed: 1 when it fits one SMS, else concatenated segments


def _gsm7_costs(text: str) -> list[int] | None:
    costs = []
    for ch in text:
        if ch in GSM7_BASIC or ch == "\r":
            costs.append(1)
        elif ch in GSM7_EXTENDED:
            costs.append(2)
        else:
            return None
    return costs


def _ucs2_costs(text: str) -> list[int]:
    # A character outside the Basic Multilingual Plane (an emoji) is a surrogate pair: two units.
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _fill(costs: list[int], size: int) -> int:
    """Segments of `size` units needed for characters of these costs, never splitting one character (an escape
    sequence or a surrogate pair stays in one segment, as handsets and gateways require)."""
    count, used = 1, 0
    for cost in costs:
        if used + cost > size:
            count += 1
            used = 0
        used += cost
    return count


def sms_segments(text: str) -> Segments:
    """The encoding, units and number of SMS segments `text` takes as it is (no transliteration)."""
    gsm = _gsm7_costs(text)
    encoding, costs = ("gsm7", gsm) if gsm is not None else ("ucs2", _ucs2_costs(text))
    units = sum(costs)
    if units <= SINGLE_UNITS[encoding]:
        return Segments(encoding, units, 1)
    return Segments(encoding, units, _fill(costs, SEGMENT_UNITS[encoding]))


def fits_one_sms(text: str) -> bool:
    return sms_segments(text).count == 1


def pack_sms(
    head: str,
    items: Sequence[str],
    footers: Sequence[str] = (),
    *,
    transliterate: bool = True,
) -> list[str]:
    """Whole items packed into as few standalone SMS parts as their order allows, each one segment.

    The first part starts with `head`; items are joined with "; " and the last ends with "."; parts are numbered
    "(i/n) " when there is more than one. `footers` are optional endings in order of preference (e.g. the full and
    the short "reply STOP" line): the first one that fits without adding a part is used, else none. An item longer
    than a whole part (which a bulletin never has) is cut at spaces, as `split_sms` would.

    Packing is greedy in order: each part takes as many of the next items as fit. For items in a fixed order this is
    the fewest parts possible (every part of any other packing ends at or before the greedy part of the same number),
    and it leaves the last part as short as possible, so a footer that does not fit there fits no packing of as many
    parts."""
    clean = _clean if transliterate else (lambda t: " ".join(t.split()))
    head = clean(head)
    pieces = [clean(item) for item in items]
    pieces = [p for p in pieces if p]
    if not pieces:
        return []
    # An item too long for any part (with the longest prefix it could get) is cut into words first.
    widest = "(99/99) "
    room = max(10, SINGLE_UNITS["gsm7" if transliterate else "ucs2"] - len(widest) - len(head) - 2)
    whole: list[str] = []
    for piece in pieces:
        whole.extend(_chunk(piece, room) if not fits_one_sms(f"{widest}{head} {piece};") else [piece])
    best = _pack(head, whole) or []
    for footer in [clean(f) for f in footers if clean(f)]:
        parts = _pack(head, whole, footer)
        if parts is not None and len(parts) <= len(best):
            return parts
    return best


def _pack(head: str, items: list[str], footer: str = "") -> list[str] | None:
    """Greedy in-order packing; None when the footer does not fit after the last items."""
    n = 1
    while True:
        groups = _greedy(head, items, n)
        if len(groups) <= n:
            break
        n = len(groups)
    total = len(groups)
    last = _render(head, groups[-1], total, total, footer)
    if footer and not fits_one_sms(last):
        return None
    return [_render(head, group, i, total, footer) for i, group in enumerate(groups, 1)]


def _render(head: str, group: list[str], i: int, n: int, footer: str = "") -> str:
    text = "; ".join(group) + ("." if i == n else ";")
    if i == 1 and head:
        text = f"{head} {text}"
    if i == n and footer:
        text = f"{text} {footer}"
    return (f"({i}/{n}) " if n > 1 else "") + text


def _greedy(head: str, items: list[str], n: int) -> list[list[str]]:
    # Measured with n's part numbers and a middle part's ";" (as long as the last part's "."): when the count comes
    # out as n, or less, the rendered parts are never longer than measured.
    groups: list[list[str]] = []
    current: list[str] = []
    for item in items:
        trial = [*current, item]
        if not current or fits_one_sms(_render(head, trial, len(groups) + 1, n)):
            current = trial
        else:
            groups.append(current)
            current = [item]
    groups.append(current)
    return groups
