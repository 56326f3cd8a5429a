"""The public transparency page on a weak phone connection (issue 20 acceptance): Chromium with CDP network
emulation (a slow 3G-like link), the bytes transferred measured by the browser itself, under 50 KB."""

import pytest
from django.core.cache import cache

from berdaya.testing.browser import browser_page, screenshot

from .helpers import VILLAGE, public_world

BUDGET = 50 * 1024


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_transparency_page_is_light_on_a_throttled_connection(live_server, monkeypatch):
    from django.db import connections

    from berdaya.testing import factories

    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    cache.clear()
    factories.make_areas()
    officer = factories.user("officer")
    public_world(officer)

    with browser_page(live_server.url, width=412, height=915) as page:
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        # About 400 kbit/s down, 150 kbit/s up, 400 ms round trip: a weak mobile signal.
        cdp.send(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 400, "downloadThroughput": 50_000, "uploadThroughput": 18_750},
        )
        transferred: list[int] = []
        cdp.on("Network.loadingFinished", lambda event: transferred.append(int(event["encodedDataLength"])))
        page.goto(f"/transparansi/{VILLAGE}/", wait_until="load")
        page.wait_for_timeout(300)  # the last loadingFinished events
        assert page.locator("h1").inner_text().startswith("Desa")
        assert "Pelatihan Menjahit Jangkat" in page.content()
        assert page.locator("text=<5").count() >= 1
        assert page.locator("#id_password").count() == 0  # public: no login
        shot = screenshot(page, "transparency-village-throttled")
        total = sum(transferred)
        print(f"transparency page: {total} bytes in {len(transferred)} responses")
        assert 0 < total < BUDGET, f"{total} bytes transferred"
        assert len(transferred) <= 3  # the page and its stylesheet; no script, font or image
    assert shot.exists()
    cache.clear()
