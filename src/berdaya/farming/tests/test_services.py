import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from berdaya.farming import services
from berdaya.farming.models import Harvest, Plot, Practice, Sale
from berdaya.markets import choices as c
from berdaya.registry import choices as rc
from berdaya.testing import factories
from berdaya.testing.markets import commodity, observe, point, unit

today = timezone.localdate


@pytest.fixture
def plot(areas, officer):
    farmer = factories.person(hh=factories.household(land_ha="1"), occupation=rc.Occupation.FARMER)
    return services.plot_save(
        actor=officer,
        plot=Plot(
            farmer=farmer,
            village_id="15.02.01.2001",
            area_ha=Decimal("0.5"),
            tenure="own",
            commodity=commodity("kopi_biji"),
            planting_year=2015,
        ),
    )


def test_a_plot_needs_a_positive_area_and_a_planting_year_for_tree_crops(plot, officer):
    bad = Plot(
        farmer=plot.farmer, village_id="15.02.01.2001", area_ha=Decimal("0"), tenure="own", commodity=commodity("karet")
    )
    with pytest.raises(ValidationError) as exc:
        services.plot_save(actor=officer, plot=bad)
    assert "area_ha" in exc.value.message_dict
    assert "Isi tahun tanam" in exc.value.message_dict["planting_year"][0]


def test_a_harvest_is_converted_to_kg_with_the_commodity_unit(plot, officer):
    practice = Practice.objects.get(code="kopi_jemur_para")
    harvest = services.harvest_record(
        actor=officer, plot=plot, harvested_on=today(), quantity="20", unit=unit("kaleng"), practices=[practice]
    )
    assert harvest.quantity_kg == Decimal("240.00")  # a kaleng of dry beans: 12 kg
    assert harvest.season == str(today().year)
    assert list(harvest.practices.all()) == [practice]


def test_a_harvest_above_area_times_max_yield_needs_confirmation(plot, officer):
    # 0.5 ha × 2,500 kg/ha = 1,250 kg; 2 tons is suspicious (a unit or an area mistake).
    with pytest.raises(services.NeedsConfirmation) as exc:
        services.harvest_record(actor=officer, plot=plot, harvested_on=today(), quantity="2", unit=unit("ton"))
    assert "melebihi batas wajar 2.500 kg/ha" in exc.value.warnings[0]
    assert not Harvest.objects.exists()
    harvest = services.harvest_record(
        actor=officer, plot=plot, harvested_on=today(), quantity="2", unit=unit("ton"), confirm=True
    )
    assert "melebihi" in harvest.warning


def test_the_season_total_counts_towards_the_limit(plot, officer):
    services.harvest_record(actor=officer, plot=plot, harvested_on=today(), quantity="1000", unit=unit("kg"))
    with pytest.raises(services.NeedsConfirmation):
        services.harvest_record(actor=officer, plot=plot, harvested_on=today(), quantity="400", unit=unit("kg"))


@pytest.mark.parametrize("quantity", ["0", "-5"])
def test_zero_and_negative_harvests_are_refused(plot, officer, quantity):
    with pytest.raises(ValidationError, match="lebih dari nol"):
        services.harvest_record(actor=officer, plot=plot, harvested_on=today(), quantity=quantity, unit=unit("kg"))
    assert not Harvest.objects.exists()


def test_future_dates_are_refused(plot, officer):
    with pytest.raises(ValidationError, match="masa depan"):
        services.harvest_record(
            actor=officer, plot=plot, harvested_on=today() + dt.timedelta(days=1), quantity="5", unit=unit("kg")
        )


def _sale(plot, officer, qty, price=52000, confirm=False, **kw):
    data = {
        "date": today(),
        "commodity": commodity("kopi_biji"),
        "quantity": qty,
        "unit": unit("kg"),
        "price_per_kg": price,
        "channel": c.Channel.COLLECTOR,
        "plot": plot,
    } | kw
    return services.sale_record(actor=officer, farmer=plot.farmer, data=data, confirm=confirm)


def test_a_sale_stores_kg_amount_week_and_district(plot, officer):
    sale = _sale(plot, officer, Decimal("1.5"), unit=unit("kuintal"))
    assert sale.quantity_kg == Decimal("150.00")
    assert sale.amount == 150 * 52000
    assert sale.district_id == "15.02.01"
    assert sale.week == today().isocalendar()[0] * 100 + today().isocalendar()[1]


def test_selling_more_than_was_harvested_needs_confirmation(plot, officer):
    services.harvest_record(actor=officer, plot=plot, harvested_on=today(), quantity="300", unit=unit("kg"))
    _sale(plot, officer, "200")
    with pytest.raises(services.NeedsConfirmation) as exc:
        _sale(plot, officer, "150")
    assert "350 kg, lebih dari panen yang tercatat (300 kg)" in exc.value.warnings[0]
    assert Sale.objects.count() == 1


def test_a_sale_price_per_ton_is_caught(plot, officer):
    observe(52000, com="kopi_biji", at=point())
    with pytest.raises(services.NeedsConfirmation) as exc:
        _sale(plot, officer, "10", price=52_000_000)
    assert "per ton" in exc.value.warnings[0]
    assert not Sale.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"), [("quantity", "0", "lebih dari nol"), ("price_per_kg", 0, "lebih dari nol")]
)
def test_zero_sales_are_refused(plot, officer, field, value, message):
    with pytest.raises(ValidationError, match=message):
        _sale(plot, officer, "10", **{field: value})


def test_the_sale_form_shows_warnings_and_saves_after_confirmation(plot, officer, client):
    services.harvest_record(actor=officer, plot=plot, harvested_on=today(), quantity="100", unit=unit("kg"))
    client.force_login(officer)
    post = {
        "date": today().isoformat(),
        "commodity": commodity("kopi_biji").pk,
        "quantity": "500",
        "unit": unit("kg").pk,
        "price_per_kg": "52000",
        "channel": "collector",
    }
    url = f"/tani/petani/{plot.farmer_id}/penjualan/baru/"
    response = client.post(url, post)
    assert response.status_code == 200 and "lebih dari panen" in response.content.decode()
    assert not Sale.objects.exists()
    assert client.post(url, post | {"confirm": "on"}).status_code == 302
    assert Sale.objects.get().warning.startswith("Penjualan")
