"""The dashboard and a map in Chromium (issue 19 acceptance), on a desktop and on a phone; screenshots are saved as
test artefacts (BERDAYA_TEST_ARTEFACTS)."""

import pytest
from django.core.cache import cache

from berdaya.testing.accessibility import axe_violations
from berdaya.testing.browser import browser_page, log_in, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_dashboard_and_a_map_work_in_a_browser(live_server, monkeypatch):
    from django.db import connections

    from berdaya.monitoring import refresh
    from berdaya.testing import factories

    from . import world

    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    cache.clear()
    factories.make_areas()
    officer = factories.user("officer", username="petugas-monev")
    world.build(officer)
    refresh.rebuild()

    shots = []
    # bypass_csp: axe-core is injected to check the pages (the app's CSP rightly forbids that script).
    with browser_page(live_server.url, width=1280, height=900, bypass_csp=True) as page:
        log_in(page, "petugas-monev", factories.PASSWORD)
        page.goto("/?year=2026")
        assert page.locator("h1").inner_text().startswith("Dasbor pemantauan")
        assert page.locator("svg.chart").count() >= 6
        assert page.locator("svg.chart title").first.text_content()  # an accessible name on every chart
        # A filter reloads the figures in place (htmx), without leaving the page.
        with page.expect_response(lambda r: "/pemantauan/" in r.url and r.request.headers.get("hx-request")):
            page.select_option("#id_district", "15.02.02")
        page.wait_for_timeout(200)
        assert "district=15.02.02" in page.url
        # The table view of a chart opens without JavaScript of ours (details/summary).
        page.locator("summary", has_text="Lihat sebagai tabel").first.click()
        assert page.locator("details[open] table").count() == 1
        assert axe_violations(page) == []
        shots.append(screenshot(page, "monitoring-dashboard-desktop"))

        page.goto("/pemantauan/peta/?measure=people&year=2026")
        assert page.locator("svg.choropleth").count() == 1
        legend_text = page.locator("svg.choropleth").text_content() or ""
        assert "tidak ada data" in legend_text
        shots.append(screenshot(page, "monitoring-map-districts"))
        # Zoom into Jangkat by clicking it on the map: its villages and the table beside them.
        page.locator("svg.choropleth a[href*='district=15.02.01']").first.click()
        page.wait_for_url("**district=15.02.01**")
        assert "Jangkat" in page.locator("h1").inner_text()
        assert page.locator("table").inner_text().count("\n") >= 2
        assert axe_violations(page) == []
        shots.append(screenshot(page, "monitoring-map-villages"))

    with browser_page(live_server.url, width=390, height=844) as phone:  # a phone
        log_in(phone, "petugas-monev", factories.PASSWORD)
        phone.goto("/?year=2026")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, f"the dashboard scrolls sideways on a phone ({width}px)"
        shots.append(screenshot(phone, "monitoring-dashboard-phone"))
    assert all(s.exists() for s in shots)
    cache.clear()
