"""Masked identifiers for roles that do not need them (partner staff, exports for them)."""

from __future__ import annotations

import re

import pytest

from berdaya.core.masking import mask_nik, mask_phone, mask_text

NIK = "1502015403850012"  # Jangkat, woman born 14-03-85, serial 0012


def test_it_keeps_only_the_regency_and_last_two_digits_of_a_nik():
    masked = mask_nik(NIK)
    assert masked == "1502" + "•" * 10 + "12"
    assert len(re.findall(r"\d", masked)) == 6
    # The district, the birth date (and so the sex) are hidden.
    assert "540385" not in masked
    assert masked[4:6] == "••"


@pytest.mark.parametrize("empty", [None, ""])
def test_it_masks_nothing_into_nothing(empty):
    assert mask_nik(empty) == mask_phone(empty) == mask_text(empty) == ""


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("081234567890", "0812•••••890"),
        ("+6281234567890", "+628•••••••890"),
        ("08123456789", "0812••••789"),
    ],
)
def test_it_keeps_the_operator_prefix_and_last_three_digits_of_a_phone(phone, masked):
    assert mask_phone(phone) == masked
    assert len(mask_phone(phone)) == len(phone)


def test_it_hides_free_text_entirely():
    assert mask_text("Jl. Lintas Sumatra No. 3") == "•••"
