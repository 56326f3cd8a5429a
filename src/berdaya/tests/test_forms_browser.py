"""In Chromium: the date picker shows its date, a price typed with the thousands dot is saved, and the checkboxes
of the programme form can be seen and ticked (issue #15, items 4 and 5)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from berdaya.testing import factories
from berdaya.testing.browser import browser_page, chromium_or_skip, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_price_form_shows_today_and_saves_a_price_written_7_950(live_server):
    chromium_or_skip()
    from berdaya.markets.models import Commodity, PriceObservation
    from berdaya.markets.tests.util import point

    factories.make_areas()
    officer = factories.user("officer", username="petugas")
    # A transactional test may run after another flushed the rows the data migration seeded.
    rubber = Commodity.objects.get_or_create(code="karet", defaults={"name": "Karet", "short_name": "Karet"})[0]
    collector = point("Pengepul Jangkat")

    with browser_page(live_server.url) as page:
        log_in(page, officer.username, factories.PASSWORD)
        page.goto("/harga/catat/")
        assert page.input_value("#id_date") == timezone.localdate().isoformat()
        page.select_option("#id_point", str(collector.pk))
        page.select_option("#id_commodity", str(rubber.pk))
        page.select_option("#id_price_type", "farm_gate")
        page.fill("#id_price_per_kg", "7.950")
        page.select_option("#id_source", index=1)
        page.click("main form button:has-text('Simpan')")
        page.wait_for_selector(".alert-success")
        screenshot(page, "price-form-saved")
        assert "Rp7.950/kg" in page.locator(".alert-success").inner_text()
    assert PriceObservation.objects.get().price_per_kg == 7950


def test_the_programme_form_checkboxes_can_be_seen_and_ticked(live_server):
    chromium_or_skip()
    from berdaya.programmes.tests.helpers import need

    factories.make_areas()
    officer = factories.user("officer", username="petugas")
    need("sewing")
    need("bookkeeping")

    with browser_page(live_server.url) as page:
        log_in(page, officer.username, factories.PASSWORD)
        page.goto("/program/baru/")
        for box in ("#id_target_groups_0", "#id_needs_0", "#id_districts_0"):
            checkbox = page.locator(box)
            size = checkbox.bounding_box()
            # A checkbox, not a text-box-wide blank bar.
            assert size and 8 <= size["width"] <= 40 and 8 <= size["height"] <= 40, (box, size)
            page.click(f"label[for={box[1:]}]")
            assert checkbox.is_checked(), box
        assert page.locator("select[multiple]").count() == 0
        screenshot(page, "programme-form-checkboxes")
