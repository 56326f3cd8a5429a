"""A log filter that keeps NIK, KK and phone numbers out of every log line (UU 27/2022)."""

from __future__ import annotations

import logging
import re

# 16-digit identity numbers, and Indonesian mobile numbers in local or international form.
_PATTERNS = [
    re.compile(r"(?<!\d)\d{16}(?!\d)"),
    re.compile(r"(?<![\d+])(?:\+62|62|0)8\d{7,11}(?!\d)"),
    # The same numbers written with spaces, dots or dashes, e.g. 0812-3456-7890 or 1502 0154 0385 0002.
    re.compile(r"(?<![\d+])(?:\+62 ?|62 ?|0)8\d{1,3}(?:[ .-]\d{2,5}){2,4}(?!\d)"),
    re.compile(r"(?<!\d)\d{4}(?:[ .-]\d{4}){3}(?!\d)"),
]


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub("[disamarkan]", text)
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
