"""A log filter that keeps NIK, KK and phone numbers out of every log line (UU 27/2022)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from urllib.parse import quote, unquote_plus

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


# Any run of 10 or more digits, with single separators between them, standing on its own (not inside a word, a hex
# id or after a dash): a NIK prefix ("q=150201070169") finds people through the registry search as well as the whole
# number. Applied where a value is data rather than prose (URLs, audit details); ids, dates (8 digits), counts and
# UUIDs stay readable, and so do area codes in their dotted form (village 15.02.01.2001: ten digits, not personal).
LONG_NUMBER = re.compile(r"(?<![\w.-])(?!\d\d\.\d\d\.\d\d\.\d{4}(?![\w.-]))\d(?:[ .-]?\d){9,}(?![\w-])")
# A URL in a log line: the request line, a referrer. Its query string is percent-encoded by the client, freely:
# "%30%35" is "05" and "+" a space, so it is decoded before matching.
_URL = re.compile(r"(?:https?://|(?<![\w./])/)[^\s\"'<>]*")
# Kept as they are when a redacted URL is written back; everything else (spaces, line breaks, quotes that the decoding
# produced) is encoded again, so one request stays one log line.
_URL_SAFE = "/?&=:;,@!$'()*~[]#%"

Replacement = str | Callable[[re.Match], str]


def _redact_plain(text: str, replacement: Replacement, *, long_numbers: bool) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(replacement, text)
    if long_numbers:
        text = LONG_NUMBER.sub(replacement, text)
    return text


def _redact_url(match: re.Match, replacement: Replacement) -> str:
    url = match.group()
    decoded = unquote_plus(url, errors="replace")
    cleaned = _redact_plain(decoded, replacement, long_numbers=True)
    return url if cleaned == decoded else quote(cleaned, safe=_URL_SAFE)


def redact(text: str, replacement: Replacement = "[disamarkan]", *, long_numbers: bool = False) -> str:
    """`text` with every NIK, KK and phone number replaced (by a fixed text, or by what `replacement` makes of the
    match, e.g. a keyed hash in audit details). In URLs, after decoding them, also every run of 10 or more digits;
    with `long_numbers`, everywhere."""
    text = _URL.sub(lambda match: _redact_url(match, replacement), text)
    return _redact_plain(text, replacement, long_numbers=long_numbers)


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


class OneLineRefusals(logging.Filter):
    """A refused request (403, 400: `PermissionDenied`, `BadRequest`) is logged as one line, status and path.

    Django logs these at WARNING with the exception attached, so each refusal printed a full traceback: noise that
    buries real errors, and the exception text of a refusal may quote what was asked for. A 5xx keeps its traceback.
    Put before RedactPersonalData, which formats the traceback it finds.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.exc_info and isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
            try:
                message = record.getMessage()
            except Exception:
                message = str(record.msg)
            record.msg = f"{status} {message}"
            record.args = None
        return True
