"""Masking of identifiers for roles that do not need them."""

from __future__ import annotations


def mask_nik(value: str | None) -> str:
    if not value:
        return ""
    # Keep the province+regency (where first registered) and the last two digits: enough to tell records apart
    # in a list, not enough to use the number.
    return value[:4] + "•" * (len(value) - 6) + value[-2:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    return value[:4] + "•" * max(len(value) - 7, 0) + value[-3:]


def mask_text(value: str | None) -> str:
    return "•••" if value else ""
