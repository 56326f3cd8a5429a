"""End to end, in headless Chromium: log in, register a household with two members, find it by NIK."""

from __future__ import annotations

import datetime as dt

import pytest

from berdaya.registry.models import Household
from berdaya.testing import factories
from berdaya.testing.browser import browser_page, chromium_or_skip, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_registers_a_household_and_finds_it_by_nik(live_server):
    chromium_or_skip()
    factories.make_areas()
    officer = factories.user("officer", username="petugas")
    head_nik = factories.nik(birth_date=dt.date(1979, 11, 5), sex="M")
    spouse_nik = factories.nik(birth_date=dt.date(1982, 4, 21), sex="F")

    from playwright.sync_api import expect

    with browser_page(live_server.url) as page:
        log_in(page, officer.username, "kata-sandi-uji-123")
        # An officer lands on the monitoring dashboard; the registry's summary moved to /ringkasan/.
        assert page.locator("h1").first.inner_text() == "Dasbor pemantauan dan evaluasi"
        page.goto("/ringkasan/")
        assert page.locator("h1").first.inner_text() == "Ringkasan kerentanan"

        page.goto("/registri/rumah-tangga/baru/")
        page.select_option("#id_village", "15.02.01.2001")
        page.fill("#id_address", "Jl. Bangko-Kerinci Km 5")
        page.fill("#id_m-0-full_name", "Rahmat Hidayat")
        page.fill("#id_m-0-nik", head_nik)
        page.select_option("#id_m-0-sex", "M")
        page.fill("#id_m-0-birth_date", "1979-11-05")
        page.select_option("#id_m-0-relationship", "head")

        page.click("[data-add-member]")
        page.fill("#id_m-1-full_name", "Nur Aini")
        page.fill("#id_m-1-nik", spouse_nik)
        page.select_option("#id_m-1-sex", "F")
        page.fill("#id_m-1-birth_date", "1982-04-21")
        page.select_option("#id_m-1-relationship", "spouse")
        page.click("button[type=submit]:has-text('Simpan rumah tangga')")

        page.wait_for_url("**/rumah-tangga/*/")
        assert "Rumah tangga dan 2 anggota terdaftar" in page.content()

        page.goto("/registri/")
        page.fill("#id_q", spouse_nik)
        page.press("#id_q", "Enter")
        # The unfiltered table already lists both members: wait for the search to narrow it to one row.
        rows = page.locator("#people-table tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Nur Aini")

    household = Household.objects.get()
    assert household.members.count() == 2
