"""Accessibility in headless Chromium: axe-core finds no serious or critical violation on the main pages of every
role; the navbar reads at 4.5:1, the language selector fits at 1366 px, the member table's badges are not cut."""

from __future__ import annotations

import pytest

from berdaya.accounts.models import User
from berdaya.areas.services import areas_load
from berdaya.registry.models import Household, Person
from berdaya.registry.vulnerability import profiles
from berdaya.testing.accessibility import axe_violations, screenshot
from berdaya.testing.browser import browser_page, chromium_or_skip, log_in
from berdaya.testing.demo import demo_build

# serialized_rollback: the flush between transactional tests would drop the rows data migrations load (commodities).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
ROLES = ["admin", "petugas", "pendamping", "mitra", "pemantau", "kasus"]
PASSWORD = "kata-sandi-uji-123"


@pytest.fixture
def demo(settings, tmp_path):
    chromium_or_skip()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DATA_DIR = tmp_path
    areas_load(regency_codes=["15.02"])
    demo_build(tmp_path, households=30)
    for user in User.objects.filter(username__in=ROLES):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])


def _contrast(page, selector: str) -> float:
    """WCAG contrast of an element's text colour against the navbar's background."""
    return page.evaluate(
        """([sel]) => {
          const el = document.querySelector(sel);
          const rgb = s => s.match(/[\\d.]+/g).slice(0, 4).map(Number);
          const lum = ([r, g, b]) => { const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
          const bg = rgb(getComputedStyle(document.querySelector('nav.navbar')).backgroundColor);
          let fg = rgb(getComputedStyle(el).color);
          const alpha = fg.length > 3 ? fg[3] : 1;
          fg = [0, 1, 2].map(i => fg[i] * alpha + bg[i] * (1 - alpha));
          const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
          return (a + 0.05) / (b + 0.05);
        }""",
        [selector],
    )


def test_main_pages_have_no_serious_accessibility_violations(demo, live_server):
    found: dict[str, list] = {}
    household = Household.objects.filter(members__isnull=False).order_by("id").first()
    with browser_page(live_server.url, bypass_csp=True) as page:
        page.goto("/masuk/")
        found.update({f"anonim {page.url}": v for v in [axe_violations(page)] if v})
        for username in ROLES:
            log_in(page, username, PASSWORD)
            links = page.eval_on_selector_all(
                "nav a.nav-link[href^='/'], nav a.dropdown-item[href^='/']",
                "els => els.map(e => e.getAttribute('href'))",
            )
            urls = ["/", *dict.fromkeys(u for u in links if not u.startswith("/admin/") and u != "/")]
            if username == "petugas":
                urls.append(f"/registri/rumah-tangga/{household.pk}/")
            for url in urls:
                page.goto(url)
                screenshot(page, f"a11y-{username}-{url}")
                violations = axe_violations(page)
                if violations:
                    found[f"{username} {url}"] = violations
            page.context.clear_cookies()
    assert not found, "\n".join(
        f"{where}: " + "; ".join(f"{v['id']} ({v['impact']}) {v['nodes'][:1]}" for v in violations)
        for where, violations in list(found.items())[:15]
    )


def test_navbar_text_reads_at_4_5_to_1_and_the_language_selector_fits_at_1366(demo, live_server):
    with browser_page(live_server.url, width=1366, height=768) as page:
        log_in(page, "admin", PASSWORD)
        screenshot(page, "navbar-1366-admin")
        for selector in ("nav .nav-link", "nav .navbar-text", "nav .navbar-brand small"):
            assert _contrast(page, selector) >= 4.5, selector
        box = page.locator("#lang").bounding_box()
        # form-select-sm: .5rem left padding, the code ("ID", about 20 px), 2.25rem right padding for the arrow
        assert box is not None and box["width"] >= 64 and box["x"] + box["width"] <= 1366, box
        assert page.eval_on_selector("#lang", "el => el.options[el.selectedIndex].text.trim()") in {"ID", "EN"}


def test_badges_in_the_member_table_are_not_cut_off(demo, live_server):
    # the household whose members carry the most vulnerability badges, with their long reasons
    people = Person.objects.filter(status="active")
    flags = profiles(people)
    household = max(
        {p.household_id for p in people},
        key=lambda h: sum(len(flags.get(p.pk, [])) for p in people if p.household_id == h),
    )
    with browser_page(live_server.url, width=1366, height=768) as page:
        log_in(page, "petugas", PASSWORD)
        page.goto(f"/registri/rumah-tangga/{household}/")
        screenshot(page, "member-table-badges")
        cut = page.eval_on_selector_all(
            "#members-title ~ div .flag",
            """els => els.filter(e => {
                 // the scrolling wrapper (.table-responsive) hides what runs past its edge
                 const box = e.closest('.table-responsive').getBoundingClientRect(), r = e.getBoundingClientRect();
                 return e.scrollWidth > e.clientWidth + 1 || r.right > box.right + 1;
               }).map(e => e.textContent)""",
        )
        assert page.locator("#members-title ~ div .flag").count() > 0
        assert not cut
