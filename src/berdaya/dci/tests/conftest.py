import datetime as dt

import pytest

from berdaya.core.auth_hooks import register_bearer_authenticator, unregister_bearer_authenticator
from berdaya.farming.models import Plot
from berdaya.markets.models import Commodity
from berdaya.registry import choices as c
from berdaya.testing import factories

from .helpers import authenticator


@pytest.fixture(autouse=True)
def bearer():
    register_bearer_authenticator(authenticator, name="dci-tests")
    yield
    unregister_bearer_authenticator("dci-tests")


@pytest.fixture
def world(areas):
    """Two households in Jangkat (one registered by a partner's organisation), one in another district; a farmer
    with a plot; a partner of another organisation."""
    org = factories.organisation("LSM Tani Sejahtera")
    other_org = factories.organisation("Yayasan Lain")
    hh1 = factories.household(village="15.02.01.2001", kk_number=factories.kk_number(), address="Jl. Merdeka 1")
    head = factories.person(hh=hh1, name="Budi Santoso", sex=c.Sex.MALE, birth_date=dt.date(1970, 1, 5))
    child = factories.person(
        hh=hh1, name="Ani Santoso", birth_date=dt.date(2010, 4, 2), relationship=c.Relationship.CHILD
    )
    hh2 = factories.household(village="15.02.01.2001", registered_by_organisation=org)
    partner_person = factories.person(hh=hh2, name="Sri Wahyuni", occupation=c.Occupation.FARMER)
    hh3 = factories.household(village="15.02.02.2004", registered_by_organisation=other_org)
    other_person = factories.person(hh=hh3, name="Joko Widodo", sex=c.Sex.MALE, birth_date=dt.date(1990, 2, 2))
    commodity = Commodity.objects.first() or Commodity.objects.create(code="kopi", name="Kopi", short_name="Kopi")
    plot = Plot.objects.create(
        farmer=partner_person,
        village_id="15.02.01.2001",
        area_ha="1.250",
        tenure="own",
        commodity=commodity,
        latitude="-2.100000",
        longitude="102.200000",
    )
    return {
        "org": org,
        "other_org": other_org,
        "head": head,
        "child": child,
        "hh1": hh1,
        "partner_person": partner_person,
        "other_person": other_person,
        "plot": plot,
        "officer": factories.user("officer"),
        "partner": factories.user("partner", org=org),
        "other_partner": factories.user("partner", org=other_org),
        "viewer": factories.user("viewer"),
        "facilitator": factories.user("facilitator", villages=["15.02.02.2004"]),
    }
