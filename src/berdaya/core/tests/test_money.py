"""Money in one place (core/money.py): how Rupiah is written and which amounts are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template

from berdaya.core.money import format_rupiah, positive_rupiah, thousands


def test_it_writes_rupiah_the_indonesian_way_in_every_language():
    assert format_rupiah(1_500_000) == "Rp1.500.000"
    assert format_rupiah(-25_000) == "-Rp25.000"
    assert format_rupiah(None) == "—"
    assert Template("{% load berdaya %}{{ x|rupiah }}").render(Context({"x": 7950})) == "Rp7.950"


def test_it_groups_thousands_rounded_to_the_rupiah():
    assert thousands(7950) == "7.950"
    assert thousands(11_600.4) == "11.600"
    assert thousands(Decimal("2789.6")) == "2.790"
    assert thousands(None) == "-"  # SMS text: GSM-7 has no dash


@pytest.mark.parametrize("amount", [0, -1])
def test_an_amount_must_be_more_than_zero(amount):
    with pytest.raises(ValidationError, match="lebih dari nol"):
        positive_rupiah(amount)
    positive_rupiah(1)
