"""A log filter that keeps NIK, KK and phone numbers out of every log line (UU 27/2022)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

# A separator inside a written number: space, dot or dash, and in a URL's query string "+" or "%20" for a space.
_SEP = r"(?:[ .+-]|%20)"
# 16-digit identity numbers, and Indonesian mobile numbers in local or international form ("%2B" is an encoded "+").
_PATTERNS = [
    re.compile(r"(?<!\d)\d{16}(?!\d)"),
    re.compile(r"(?<![\d+])(?:\+62|%2B62|62|0)8\d{7,11}(?!\d)", re.IGNORECASE),
    # The same numbers written with separators, e.g. 0812-3456-7890, 1502 0154 0385 0002 or q=1502+0154+0385+0002.
    re.compile(
        rf"(?<![\d+])(?:\+62{_SEP}?|%2B62{_SEP}?|62{_SEP}?|0)8\d{{1,3}}(?:{_SEP}\d{{2,5}}){{2,4}}(?!\d)", re.IGNORECASE
    ),
    re.compile(rf"(?<!\d)\d{{4}}(?:{_SEP}\d{{4}}){{3}}(?!\d)"),
]


def redact(text: str, replacement: str | Callable[[re.Match], str] = "[disamarkan]") -> str:
    """`text` with every NIK, KK and phone number replaced (by a fixed text, or by what `replacement` makes of the
    match, e.g. a keyed hash in audit details)."""
    for pattern in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            # A malformed call (wrong number of arguments) must not crash the caller from inside a filter:
            # keep what was passed, redacted, for the log reader.
            message = f"{record.msg} {record.args!r}"
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        # Exception text carries values too (a unique-NIK violation quotes the NIK): format it here, redacted.
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
