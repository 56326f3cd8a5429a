import pytest

from berdaya.markets.models import SubscriberConsent
from berdaya.registry import choices as rc
from berdaya.testing import factories
from berdaya.testing.markets import commodity


@pytest.fixture
def subscribers(areas):
    mine = factories.person(hh=factories.household(village="15.02.01.2001"), occupation=rc.Occupation.FARMER)
    other = factories.person(hh=factories.household(village="15.02.02.2004"), occupation=rc.Occupation.FARMER)
    a = SubscriberConsent.objects.create(person=mine, phone="081200000001", district_id="15.02.01")
    b = SubscriberConsent.objects.create(person=other, phone="081200000002", district_id="15.02.02")
    c = SubscriberConsent.objects.create(phone="081200000003", district_id="15.02.01")
    return mine, other, a, b, c


def test_a_facilitator_manages_only_the_subscribers_of_their_area(subscribers, facilitator, client):
    _mine, other, _a, b, c = subscribers
    client.force_login(facilitator)
    body = client.get("/harga/penerima/").content.decode()
    assert "081200000001" in body
    assert "0002" not in body
    assert client.post(f"/harga/penerima/{b.pk}/tarik/").status_code == 404
    assert client.post(f"/harga/penerima/{c.pk}/tarik/").status_code == 302
    assert client.get("/harga/penerima/", {"penduduk": other.pk}).status_code == 404


def test_consent_is_recorded_for_a_farmer_from_their_page(subscribers, facilitator, client):
    mine = subscribers[0]
    mine.phone = "081377700011"
    mine.save()
    client.force_login(facilitator)
    page = client.get("/harga/penerima/", {"penduduk": mine.pk}).content.decode()
    assert 'value="081377700011"' in page
    response = client.post(
        "/harga/penerima/",
        {
            "penduduk": mine.pk,
            "phone": "081377700011",
            "channel": "sms",
            "commodities": [commodity("karet").pk],
            "district": "15.02.01",
            "basis": "consent",
            "consent_date": "2025-01-10",
        },
    )
    assert response.status_code == 302
    sub = SubscriberConsent.objects.get(phone="+6281377700011")  # stored in one form (E.164), as the registry
    assert sub.person == mine and sub.recorded_by == facilitator


def test_roles_without_people_cannot_manage_subscribers_or_enter_prices(subscribers, viewer, partner, client):
    client.force_login(viewer)
    assert client.get("/harga/").status_code == 200  # prices are not personal data
    assert client.get("/harga/penerima/").status_code == 403
    assert client.get("/harga/catat/").status_code == 403
    assert client.get("/harga/kotak-keluar/").status_code == 403
    client.force_login(partner)
    assert client.get("/harga/catat/").status_code == 200  # partners report prices (source: partner)
    assert client.get("/harga/penerima/").status_code == 403
