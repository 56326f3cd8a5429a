"""A log filter that keeps NIK, KK and phone numbers out of every log line (UU 27/2022)."""

from __future__ import annotations

import logging
import re

# 16-digit identity numbers, and Indonesian mobile numbers in local or international form.
_PATTERNS = [
    re.compile(r"(?<!\d)\d{16}(?!\d)"),
    re.compile(r"(?<![\d+])(?:\+62|62|0)8\d{7,11}(?!\d)"),
]


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub("[disamarkan]", text)
    return text


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True
