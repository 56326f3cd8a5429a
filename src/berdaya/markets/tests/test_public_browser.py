import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.utils import timezone

from berdaya.markets import choices as c
from berdaya.testing.browser import browser_page
from berdaya.testing.markets import locate_villages, observe, point


@pytest.mark.browser
# serialized_rollback: an earlier transactional test may have flushed the commodities the data migration loads.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_farmer_reads_prices_without_logging_in(live_server):
    from berdaya.testing import factories

    cache.clear()
    # The commodities come from a data migration, and an earlier transactional test (imports' crash test) flushed
    # them: seed them again (the seed is idempotent).
    importlib.import_module("berdaya.markets.migrations.0002_seed_commodities").seed(django_apps, None)
    factories.make_areas()
    locate_villages()
    collector = point("Pengepul Jangkat")
    point_uppb = point("UPPB Jangkat", channel=c.Channel.UPPB, village="15.02.01.2002")
    today = timezone.localdate()
    for k in range(12):
        observe(7200 + 30 * k, at=collector, date=today - dt.timedelta(weeks=11 - k))
    observe(11600, at=point_uppb, price_type=c.PriceType.WHOLESALE)

    with browser_page(live_server.url) as page:
        page.goto("/harga/publik/")
        assert page.locator("h1").inner_text() == "Harga Komoditas Merangin"
        assert page.locator("svg.spark").count() >= 1
        page.select_option("#kec", "15.02.01")
        page.click("button")
        page.wait_for_url("**kecamatan=15.02.01**")
        page.select_option("#kom", "karet")
        page.click("button")
        page.wait_for_url("**komoditas=karet**")
        ranking = page.locator("text=Tempat jual dengan harga bersih terbaik")
        assert ranking.count() == 1
        first = page.locator("table").last.locator("tbody tr").first.inner_text()
        assert "UPPB Jangkat" in first
        # No login form anywhere: the page is public.
        assert page.locator("#id_password").count() == 0
    cache.clear()
