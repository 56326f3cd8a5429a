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
    from berdaya.testing.markets import point

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
    from berdaya.testing.programmes import need

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


def test_registration_lists_every_error_at_the_top_and_never_cuts_a_long_name(live_server):
    chromium_or_skip()
    import datetime as dt

    from berdaya.registry.models import Person

    factories.make_areas()
    officer = factories.user("officer", username="petugas")
    long_name = ("Siti Nurhaliza binti Abdullah " * 13)[:369]

    def member(page, i: int, name: str, nik: str, sex: str, born: str, relationship: str) -> None:
        if i:
            page.click("[data-add-member]")
        page.fill(f"#id_m-{i}-full_name", name)
        page.fill(f"#id_m-{i}-nik", nik)
        page.select_option(f"#id_m-{i}-sex", sex)
        page.fill(f"#id_m-{i}-birth_date", born)
        page.select_option(f"#id_m-{i}-relationship", relationship)

    with browser_page(live_server.url) as page:
        log_in(page, officer.username, factories.PASSWORD)
        page.goto("/registri/rumah-tangga/baru/")
        page.select_option("#id_village", "15.02.01.2001")
        member(page, 0, long_name, factories.nik(birth_date=dt.date(1979, 11, 5), sex="F"), "F", "1979-11-05", "head")
        # The browser keeps all 369 characters (nothing cut without a word) and says the limit while typing.
        assert len(page.input_value("#id_m-0-full_name")) == 369
        assert "369 dari paling banyak 150 karakter" in page.locator("#id_m-0-full_name-count").inner_text()
        member(
            page, 1, "Kepala Kedua", factories.nik(birth_date=dt.date(1980, 1, 2), sex="M"), "M", "1980-01-02", "head"
        )
        short_nik = factories.nik(birth_date=dt.date(2010, 2, 3), sex="M")[:14]
        member(page, 2, "Anak Ketiga", short_nik, "M", "2010-02-03", "child")
        page.click("button[type=submit]:has-text('Simpan rumah tangga')")
        page.wait_for_selector("[data-error-summary]")

        summary = page.locator("[data-error-summary]")
        text = summary.inner_text()
        assert "tepat satu kepala keluarga (tercatat 2)" in text
        assert "paling banyak 150 karakter" in text
        assert "Anggota 3 · NIK" in text
        # The summary has the focus (the page opens at it), and its links put the cursor in the field.
        assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
        screenshot(page, "registration-error-summary")
        summary.locator("a[href='#id_m-2-nik']").click()
        assert page.evaluate("document.activeElement.id") == "id_m-2-nik"
        assert page.locator("#id_m-2-nik").is_visible()
    assert not Person.objects.exists()
