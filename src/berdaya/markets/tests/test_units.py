from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from berdaya.markets.models import Unit, UnitConversion
from berdaya.markets.selectors import to_kg
from berdaya.testing.markets import commodity, unit

pytestmark = pytest.mark.django_db


def test_it_converts_tons_and_kg_with_the_general_factor():
    assert to_kg(Decimal("1.5"), unit("ton"), commodity("karet")) == Decimal("1500.00")
    assert to_kg(12, unit("kg"), commodity("tbs")) == Decimal("12.00")


def test_it_uses_the_commodity_factor_where_it_differs():
    # A kaleng of coffee cherries weighs 10 kg, a kaleng of anything without its own row 15 kg (seeded defaults).
    assert to_kg(3, unit("kaleng"), commodity("kopi_gelondong")) == Decimal("30.00")
    assert to_kg(3, unit("kaleng"), commodity("cabai")) == Decimal("45.00")
    assert to_kg(2, unit("karung"), commodity("kopi_biji")) == Decimal("120.00")


def test_it_follows_a_changed_conversion_table():
    UnitConversion.objects.filter(unit__code="karung", commodity__isnull=True).update(kg_per_unit=Decimal("45"))
    assert to_kg(2, unit("karung"), commodity("gabah")) == Decimal("90.00")


@pytest.mark.parametrize("quantity", [0, -1, "-0.5"])
def test_it_rejects_zero_and_negative_quantities(quantity):
    with pytest.raises(ValidationError) as exc:
        to_kg(quantity, unit("kg"), commodity("karet"))
    assert "lebih dari nol" in str(exc.value)


def test_it_says_when_a_unit_has_no_conversion():
    bakul = Unit.objects.create(code="bakul", name="bakul")
    with pytest.raises(ValidationError) as exc:
        to_kg(1, bakul, commodity("karet"))
    assert "Belum ada konversi" in str(exc.value)
