"""Headless Chromium for end-to-end tests: Debian's /usr/bin/chromium driven by Playwright.

The test machines reach no network beyond the package registries, so Playwright never downloads a browser; the
flags stop Chromium from trying to reach Google's services.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# Screenshots of the pages the browser tests check: artefacts for a reviewer, under the git-ignored var/.
ARTEFACTS = Path(
    os.environ.get("BERDAYA_TEST_ARTEFACTS", Path(__file__).resolve().parents[3] / "var" / "test-artefacts")
)
CHROMIUM = os.environ.get("BERDAYA_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"Chromium tidak ditemukan di {CHROMIUM}: uji peramban dilewati (apt-get install chromium)."
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright tidak terpasang: uji peramban dilewati."
    return None


def chromium_or_skip() -> str:
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    return CHROMIUM


@contextmanager
def browser_page(base_url: str, *, bypass_csp: bool = False, width: int = 1280, height: int = 900) -> Iterator:
    """A page in a fresh context. bypass_csp lets a test inject its own script (axe-core): never the app's pages."""
    from playwright.sync_api import sync_playwright

    executable = chromium_or_skip()
    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        context = browser.new_context(
            base_url=base_url, locale="id-ID", viewport={"width": width, "height": height}, bypass_csp=bypass_csp
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def log_in(page, username: str, password: str) -> None:
    page.goto("/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact and return its path."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
