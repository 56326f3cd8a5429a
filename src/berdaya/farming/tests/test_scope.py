from decimal import Decimal

import pytest

from berdaya.farming import access
from berdaya.farming.models import Plot
from berdaya.registry import choices as rc
from berdaya.testing import factories
from berdaya.testing.markets import commodity


@pytest.fixture
def farmers(areas):
    mine = factories.person(
        hh=factories.household(village="15.02.01.2001", land_ha="1"), occupation=rc.Occupation.FARMER
    )
    other = factories.person(
        hh=factories.household(village="15.02.02.2004", land_ha="1"), occupation=rc.Occupation.FARMER
    )
    for person in (mine, other):
        Plot.objects.create(
            farmer=person,
            village_id=person.household.village_id,
            area_ha=Decimal("1"),
            tenure="own",
            commodity=commodity("gabah"),
        )
    return mine, other


def test_a_facilitator_sees_only_the_farmers_of_their_villages(farmers, facilitator, client):
    mine, other = farmers
    assert list(access.plots_visible_to(facilitator).values_list("farmer", flat=True)) == [mine.pk]
    client.force_login(facilitator)
    assert client.get(f"/tani/petani/{mine.pk}/").status_code == 200
    assert client.get(f"/tani/petani/{other.pk}/").status_code == 404
    other_plot = other.plots.get()
    assert client.get(f"/tani/lahan/{other_plot.pk}/panen/baru/").status_code == 404
    assert client.post(f"/tani/petani/{other.pk}/penjualan/baru/", {}).status_code == 404
    body = client.get("/tani/").content.decode()
    assert mine.full_name in body


def test_a_viewer_reads_no_farmer_records(farmers, viewer, client):
    client.force_login(viewer)
    assert client.get("/tani/").status_code == 403
    assert client.get(f"/tani/petani/{farmers[0].pk}/").status_code == 404
    assert access.sales_visible_to(viewer).count() == 0


def test_a_facilitator_cannot_add_a_plot_outside_their_villages(farmers, facilitator, client):
    client.force_login(facilitator)
    mine = farmers[0]
    response = client.post(
        f"/tani/petani/{mine.pk}/lahan/baru/",
        {
            "village": "15.02.02.2004",
            "area_ha": "0.5",
            "tenure": "own",
            "commodity": commodity("gabah").pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert mine.plots.count() == 1


def test_partner_staff_see_no_plot_harvest_or_sale_of_a_farmer_who_withdrew_sharing(officer, partner, client):
    # Both farmers live in one household the partner's organisation registered; the wife withdrew consent to sharing
    # with partners. Her sales, plots and harvests are not the partner's to see (the sales list names her), his are.
    import datetime as dt

    from berdaya.farming import services
    from berdaya.registry import services as registry_services
    from berdaya.testing.markets import unit

    hh = factories.household(village="15.02.01.2001", registered_by_organisation=partner.organisation)
    husband = factories.person(hh=hh, name="Pak Tani Terlihat", occupation=rc.Occupation.FARMER)
    wife = factories.person(
        hh=hh, name="Bu Tani Menarik", relationship=rc.Relationship.SPOUSE, occupation=rc.Occupation.FARMER
    )
    for person in (husband, wife):
        plot = Plot.objects.create(
            farmer=person, village_id="15.02.01.2001", area_ha=Decimal("1"), tenure="own", commodity=commodity("gabah")
        )
        services.harvest_record(
            actor=officer, plot=plot, harvested_on=dt.date.today(), quantity="100", unit=unit("kg"), confirm=True
        )
        services.sale_record(
            actor=officer,
            farmer=person,
            data={
                "date": dt.date.today(),
                "commodity": commodity("gabah"),
                "quantity": Decimal("100"),
                "unit": unit("kg"),
                "price_per_kg": 6000,
                "channel": "collector",
            },
            confirm=True,
        )
    registry_services.consent_withdraw(
        actor=officer, person=wife, purpose=rc.ConsentPurpose.SHARING, on=dt.date.today() - dt.timedelta(days=1)
    )
    for visible in (access.plots_visible_to, access.sales_visible_to):
        assert set(visible(partner).values_list("farmer", flat=True)) == {husband.pk}
        assert set(visible(officer).values_list("farmer", flat=True)) == {husband.pk, wife.pk}
    assert set(access.harvests_visible_to(partner).values_list("plot__farmer", flat=True)) == {husband.pk}
    client.force_login(partner)
    page = client.get("/tani/penjualan/").content.decode()
    assert "Pak Tani Terlihat" in page and "Bu Tani Menarik" not in page
