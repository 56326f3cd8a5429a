"""Masked identifiers for roles that do not need them (partner staff, exports for them)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from berdaya.core.masking import is_identifying, mask_field, mask_nik, mask_phone, mask_text

NIK = "1502015403850012"  # Jangkat, woman born 14-03-85, serial 0012


def _consistent(masked: str, candidate: str) -> bool:
    return len(masked) == len(candidate) and all(m in ("•", c) for m, c in zip(masked, candidate, strict=True))


def test_a_masked_nik_does_not_narrow_what_the_page_already_shows():
    # Beside a masked NIK pages show the district, the birth date and the sex: they give the first twelve digits.
    # The mask must leave every one of the 9,999 serials possible (the old mask kept 1502 and the last two digits,
    # leaving 100 candidates).
    shown = "150201" + "540385"
    candidates = [f"{shown}{serial:04d}" for serial in range(1, 10000)]
    masked = mask_nik(NIK)
    assert sum(_consistent(masked, candidate) for candidate in candidates) == 9999
    assert not re.search(r"\d", masked)
    assert len(masked) == len(NIK)


@pytest.mark.parametrize(
    ("field", "value", "masked"),
    [
        ("nik", NIK, "•" * 16),
        ("household__kk_number", "1502011506180003", "•" * 16),
        ("phone", "081234567890", "0812•••••890"),
        ("household__address", "Jl. Lintas", "•••"),
        ("rt", "003", "•••"),
        ("rw", "01", "•••"),
        ("latitude", Decimal("-2.0833"), "•••"),
        ("longitude", Decimal("102.2"), "•••"),
        ("full_name", "Siti Aminah", "Siti Aminah"),
        ("birth_date", "1985-03-14", "1985-03-14"),
        ("rt", None, ""),
    ],
)
def test_one_list_decides_which_fields_are_masked(field, value, masked):
    assert mask_field(field, value) == masked
    assert is_identifying(field) == (masked != value)


@pytest.mark.parametrize("empty", [None, ""])
def test_it_masks_nothing_into_nothing(empty):
    assert mask_nik(empty) == mask_phone(empty) == mask_text(empty) == ""


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("081234567890", "0812•••••890"),
        ("+6281234567890", "+62812•••••890"),
        ("08123456789", "0812••••789"),
    ],
)
def test_it_keeps_the_operator_prefix_and_last_three_digits_of_a_phone(phone, masked):
    assert mask_phone(phone) == masked
    assert len(mask_phone(phone)) == len(phone)


def test_it_hides_free_text_entirely():
    assert mask_text("Jl. Lintas Sumatra No. 3") == "•••"
