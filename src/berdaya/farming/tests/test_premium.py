import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from berdaya.farming import selectors, services
from berdaya.markets import choices as c
from berdaya.markets.models import Grade
from berdaya.markets.selectors import premium_pct
from berdaya.registry import choices as rc
from berdaya.testing import factories
from berdaya.testing.markets import commodity, observe, point, unit


def test_premium_is_the_price_against_the_reference_in_percent():
    assert premium_pct(11600, 7500) == 54.7
    assert premium_pct(6750, 7500) == -10.0
    assert premium_pct(7500, None) is None


@pytest.fixture
def farmer(areas):
    return factories.person(hh=factories.household(land_ha="1.5"), occupation=rc.Occupation.FARMER)


def _sell(actor, farmer, price, *, date=None, grade=None, channel=c.Channel.UPPB, com="karet"):
    return services.sale_record(
        actor=actor,
        farmer=farmer,
        data={
            "date": date or timezone.localdate(),
            "commodity": commodity(com),
            "grade": grade,
            "quantity": Decimal("100"),
            "unit": unit("kg"),
            "price_per_kg": price,
            "channel": channel,
        },
        confirm=True,
    )


def test_the_reference_is_the_farm_gate_average_of_the_same_commodity_grade_week_and_district(farmer, officer):
    today = timezone.localdate()
    here = point("Pengepul Jangkat", village="15.02.01.2002")  # same district (Jangkat) as the farmer
    observe(7000, at=here, date=today)
    observe(8000, at=here, date=today)
    observe(20000, at=point("Pengepul Bangko", village="15.02.02.2004"), date=today)  # another district
    observe(11600, at=point("UPPB", channel=c.Channel.UPPB), date=today, price_type=c.PriceType.WHOLESALE)
    observe(9000, at=here, date=today - dt.timedelta(weeks=3))  # another week
    kkk60 = Grade.objects.get(code="kkk60")
    observe(9500, at=here, date=today, grade=kkk60)  # another grade
    sale = _sell(officer, farmer, 11600)
    graded = _sell(officer, farmer, 10450, grade=kkk60)
    rows = {s.pk: s for s in selectors.sale_list(actor=officer)}
    assert rows[sale.pk].reference_price == 7500
    assert rows[sale.pk].premium_pct == pytest.approx(54.7)
    assert rows[graded.pk].reference_price == 9500
    assert rows[graded.pk].premium_pct == pytest.approx(10.0)


def test_without_a_reference_the_premium_is_empty(farmer, officer):
    sale = _sell(officer, farmer, 2800, com="tbs")
    row = selectors.sale_list(actor=officer).get(pk=sale.pk)
    assert row.reference_price is None and row.premium_pct is None


def test_the_sales_list_runs_a_fixed_number_of_queries(farmer, officer, client, django_assert_max_num_queries):
    today = timezone.localdate()
    observe(7500, at=point("Pengepul Jangkat", village="15.02.01.2002"), date=today)
    for price in (7400, 7600, 11000, 11500, 7800):
        _sell(officer, farmer, price, channel=c.Channel.COLLECTOR)
    client.force_login(officer)
    with django_assert_max_num_queries(12):
        response = client.get("/tani/penjualan/")
    assert response.status_code == 200
    assert "1,3" in response.content.decode() or "1.3" in response.content.decode()  # 7,600 vs 7,500


def test_without_a_district_price_the_regency_average_is_the_reference(farmer, officer):
    today = timezone.localdate()
    observe(8000, at=point("Pengepul Bangko", village="15.02.02.2004"), date=today)
    observe(7000, at=point("Pengepul Bangko 2", village="15.02.02.1010"), date=today)
    sale = _sell(officer, farmer, 9000)  # the farmer lives in Jangkat, where nobody recorded a price this week
    row = selectors.sale_list(actor=officer).get(pk=sale.pk)
    assert row.reference_price == 7500
    assert row.premium_pct == pytest.approx(20.0)
