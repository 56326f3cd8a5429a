"""Money: whole Rupiah, stored as an integer (BigIntegerField, or PositiveIntegerField for a price per kg), never a
float. The one place of its rules:

- the input is core.forms.RupiahField ("Rp1.500.000", "1.500.000" or "1500000");
- an amount or a price is more than zero: `positive_rupiah` on the model field (a budget that may still be zero says
  so itself);
- it is written `format_rupiah` (the `rupiah` template filter of core's `berdaya` tag library), or `thousands` where
  the "Rp" belongs to the sentence around it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

positive_rupiah = MinValueValidator(1, message=_("Jumlah Rupiah harus lebih dari nol; nilai negatif tidak diterima."))


def thousands(value: int | float | Decimal | None) -> str:
    """A whole amount with Indonesian thousand dots, rounded to the rupiah: 7950 -> "7.950"; "-" when there is none
    (ASCII, for the SMS alphabet)."""
    return "-" if value is None else f"{round(value):,}".replace(",", ".")


def format_rupiah(value: Any) -> str:
    """Integer Rupiah with Indonesian thousand separators, e.g. Rp1.500.000, whatever the interface language:
    amounts are read against Indonesian documents (receipts, budgets) that always write them this way."""
    if value is None or value == "":
        return "—"
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{thousands(abs(amount))}"
