import datetime as dt

import pytest
from django.utils import timezone

from berdaya.areas.models import Village
from berdaya.markets import choices as c
from berdaya.markets.models import Buyer, BuyerOffer
from berdaya.markets.selectors import haversine_km, rank_channels
from berdaya.testing.markets import commodity, locate_villages, observe, point


def test_haversine_matches_a_known_distance():
    # Bangko to Jambi city is about 200 km in a straight line.
    assert 150 < haversine_km((-2.08, 102.28), (-1.61, 103.61)) < 170


@pytest.fixture
def channels(areas, settings):
    settings.BERDAYA = {**settings.BERDAYA, "TRANSPORT_RP_PER_KM_KG": 10}
    locate_villages()
    near = point("Pengepul Desa", village="15.02.01.2001")
    far = point("UPPB Bangko", channel=c.Channel.UPPB, village="15.02.02.1010")
    observe(7500, at=near)
    observe(7400, at=near, date=timezone.localdate() - dt.timedelta(days=9))  # older: ignored for this point
    observe(11600, at=far, price_type=c.PriceType.WHOLESALE)
    observe(15000, at=point("Pasar Jangkat", channel=c.Channel.MARKET), price_type=c.PriceType.RETAIL)
    buyer = Buyer.objects.create(name="Pabrik Karet Uji", kind="mill", village_id="15.02.01.2002")
    BuyerOffer.objects.create(buyer=buyer, commodity=commodity("karet"), price_per_kg=9000, min_quantity_kg=1000)
    BuyerOffer.objects.create(
        buyer=buyer,
        commodity=commodity("karet"),
        price_per_kg=20000,
        valid_to=timezone.localdate() - dt.timedelta(days=1),
    )
    return Village.objects.get(code="15.02.01.2001")


def test_channels_are_ranked_by_price_minus_transport(channels):
    origin = (float(channels.latitude), float(channels.longitude))
    options = rank_channels(commodity=commodity("karet"), origin=origin)
    names = [o.name for o in options]
    # Retail prices and expired offers are not places to sell.
    assert names == ["UPPB Bangko", "Pabrik Karet Uji", "Pengepul Desa"]
    uppb, mill, collector = options
    assert collector.distance_km == 0 and collector.net == 7500
    assert 45 < uppb.distance_km < 55
    assert uppb.transport == round(uppb.distance_km * 10)
    assert uppb.net == 11600 - uppb.transport
    assert mill.min_quantity_kg == 1000 and mill.channel == c.Channel.MILL


def test_a_high_transport_cost_puts_the_nearby_collector_first(channels, settings):
    settings.BERDAYA = {**settings.BERDAYA, "TRANSPORT_RP_PER_KM_KG": 200}
    origin = (float(channels.latitude), float(channels.longitude))
    assert rank_channels(commodity=commodity("karet"), origin=origin)[0].name == "Pengepul Desa"


def test_without_a_location_no_transport_is_assumed(channels):
    options = rank_channels(commodity=commodity("karet"), origin=None)
    assert all(o.distance_km is None and o.transport == 0 for o in options)
    assert options[0].name == "UPPB Bangko"


def test_the_ranking_page(channels, client, facilitator):
    client.force_login(facilitator)
    response = client.get("/harga/saluran/", {"commodity": commodity("karet").pk, "village": "15.02.01.2001"})
    assert response.status_code == 200
    assert response.content.decode().index("UPPB Bangko") < response.content.decode().index("Pengepul Desa")


def test_partner_market_access_commitments_show_with_buyers(channels, client, officer):
    try:
        from berdaya.partners.models import Commitment
    except ImportError:
        pytest.skip("berdaya.partners belum punya Commitment")
    from berdaya.testing import factories

    org = factories.organisation("PT Karet Jaya", kind="company")
    today = timezone.localdate()
    Commitment.objects.create(
        organisation=org,
        kind="market_access",
        description="Membeli bokar bersih anggota UPPB",
        quantity=50,
        unit="ton",
        commodity="Karet",
        price_per_kg=12000,
        start_date=today - dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=300),
        created_by=officer,
    )
    client.force_login(officer)
    body = client.get("/harga/pembeli/", {"komoditas": "karet"}).content.decode()
    assert "PT Karet Jaya" in body and "Membeli bokar bersih" in body
    body = client.get("/harga/pembeli/", {"komoditas": "tbs"}).content.decode()
    assert "PT Karet Jaya" not in body
