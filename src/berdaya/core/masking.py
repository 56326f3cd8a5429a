"""Masking of identifiers for roles that do not need them.

IDENTIFYING_FIELDS is the one list of the fields that identify or locate a person or a household: pages, forms,
history, exports and the API mask each of them for a role whose capabilities say `sees_identifiers` is false, and
services refuse a change to them from such a role.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MASK = "•••"


def mask_nik(value: str | None) -> str:
    """A NIK (or KK number) with no digit shown.

    NIK = 6 digits of the district of first registration + DDMMYY of birth (day + 40 for women) + a 4-digit serial.
    Pages show the district, the birth date and the sex beside the NIK, so the first twelve digits follow from them,
    and the serial is small (it counts people of one district born on one day). Any digit shown is therefore either
    already known or part of the serial, the only part that is not: see docs/security.md.
    """
    if not value:
        return ""
    return "•" * len(value)


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    # The operator prefix stays ("0812", or "+62812" as numbers are stored since they are normalised), and the last
    # three digits: enough to tell two numbers of one person apart, too little to call either.
    keep = 6 if value.startswith("+62") else 4
    return value[:keep] + "•" * max(len(value) - keep - 3, 0) + value[-3:]


def mask_text(value: Any) -> str:
    return MASK if value not in (None, "") else ""


IDENTIFYING_FIELDS: dict[str, Callable[[Any], str]] = {
    "nik": mask_nik,
    "kk_number": mask_nik,
    "phone": mask_phone,
    "address": mask_text,
    "rt": mask_text,
    "rw": mask_text,
    "latitude": mask_text,
    "longitude": mask_text,
    # Reasons given for accepting a number that failed its check tend to quote the number.
    "nik_override_reason": mask_text,
    "kk_override_reason": mask_text,
}


def _field_name(path: str) -> str:
    # "household__kk_number" (an ORM path, an export column) names the field kk_number.
    return path.rsplit("__", 1)[-1]


def is_identifying(path: str) -> bool:
    return _field_name(path) in IDENTIFYING_FIELDS


def mask_field(path: str, value: Any) -> Any:
    """`value` masked if the field identifies or locates a person, unchanged otherwise."""
    masker = IDENTIFYING_FIELDS.get(_field_name(path))
    return masker(value if masker is mask_text else (str(value) if value is not None else "")) if masker else value
