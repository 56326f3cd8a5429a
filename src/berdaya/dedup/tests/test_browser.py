"""End to end, in headless Chromium: review a pair side by side, merge it, follow the old link, undo."""

from __future__ import annotations

import pytest

from berdaya.dedup.models import DedupRun, MatchPair
from berdaya.registry import choices as c
from berdaya.registry.models import Person
from berdaya.testing import factories
from berdaya.testing.accessibility import axe_violations
from berdaya.testing.browser import browser_page, chromium_or_skip, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officer_merges_a_pair_and_undoes_it(live_server):
    chromium_or_skip()
    factories.make_areas()
    officer = factories.user("officer", username="petugas")
    a = factories.person(name="Hermawan", sex=c.Sex.MALE)
    b = factories.person(name="Wawan", sex=c.Sex.MALE)
    run = DedupRun.objects.create(status=DedupRun.Status.SUCCEEDED)
    pair = MatchPair.objects.create(
        run=run,
        person_low=a,
        person_high=b,
        match_probability=0.96,
        match_weight=7.5,
        explanation=[{"field": "name", "label": "Nama panggilan cocok", "weight": 3.1}],
    )

    with browser_page(live_server.url, bypass_csp=True) as page:
        log_in(page, officer.username, "kata-sandi-uji-123")
        page.goto("/duplikat/")
        page.click(f"a[href='/duplikat/pasangan/{pair.pk}/']")
        assert "Nama panggilan cocok" in page.content()
        assert page.locator("tr.table-warning").count() >= 2  # name and birth date... differ
        assert axe_violations(page) == []
        page.check("#sv-low")
        page.fill("#merge-reason", "KTP yang sama")
        page.click("button:has-text('Gabungkan')")
        page.wait_for_url("**/duplikat/")
        assert Person.objects.get(pk=b.pk).status == c.PersonStatus.MERGED

        page.goto(f"/registri/penduduk/{b.pk}/")
        page.wait_for_url(f"**/registri/penduduk/{a.pk}/")
        assert "sudah digabungkan ke data ini" in page.content()

        page.goto("/duplikat/penggabungan/")
        page.fill("input[name='reason']", "Salah pilih")  # a reason is required, as for the merge
        page.click("button:has-text('Batalkan')")
        page.wait_for_url("**/duplikat/penggabungan/")
        assert Person.objects.get(pk=b.pk).status == c.PersonStatus.ACTIVE
