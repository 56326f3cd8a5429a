import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from berdaya.markets import choices as c
from berdaya.testing.markets import locate_villages, observe, point


@pytest.fixture
def prices(areas):
    cache.clear()
    locate_villages()
    collector = point("Pengepul Jangkat")
    uppb = point("UPPB Jangkat", channel=c.Channel.UPPB, village="15.02.01.2002")
    today = timezone.localdate()
    for k in range(12):
        observe(7000 + 50 * k, at=collector, date=today - dt.timedelta(weeks=11 - k))
    observe(11600, at=uppb, price_type=c.PriceType.WHOLESALE)
    yield
    cache.clear()


def test_it_is_public_small_and_cached(client, prices):
    response = client.get("/harga/publik/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Karet (bokar/slab)" in body
    assert "<svg" in body and "<script" not in body
    assert len(response.content) < 30_000
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]


def test_it_shows_the_best_net_price_near_a_district(client, prices):
    body = client.get("/harga/publik/", {"kecamatan": "15.02.01", "komoditas": "karet"}).content.decode()
    assert "Tempat jual dengan harga bersih terbaik" in body
    assert "UPPB Jangkat" in body
    assert body.index("UPPB Jangkat<br>") < body.index("Pengepul Jangkat<br>")


def test_the_internal_price_pages_need_a_login(client, prices):
    assert client.get("/harga/").status_code == 302
    assert client.get("/tani/").status_code == 302


def test_the_chart_page_has_the_gap_and_a_data_table(client, prices, viewer):
    client.force_login(viewer)
    body = client.get("/harga/", {"komoditas": "karet", "minggu": 12}).content.decode()
    assert 'role="img"' in body
    assert "Selisih (Rp)" in body
    # This week: UPPB 11,600 against the collector's 7,550, a gap of 4,050 (53.6%).
    assert "4,050" in body or "4.050" in body
    assert "53.6" in body or "53,6" in body
