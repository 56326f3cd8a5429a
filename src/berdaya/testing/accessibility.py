"""axe-core in the browser tests: inject the vendored copy into a page and list the violations that matter."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")
SCREENSHOTS = Path(settings.PROJECT_DIR) / "var" / "screenshots"

_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\\n').slice(1, 2).join(''))
  }));
}"""


def axe_violations(page, impacts: tuple[str, ...] = BLOCKING) -> list[dict]:
    """The violations of the given impacts on the current page. The page's context must bypass the CSP (the app's
    CSP forbids the injected script, rightly)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(_RUN) if v["impact"] in impacts]


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact under var/screenshots/ (gitignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / (re.sub(r"[^\w.-]+", "_", name).strip("_") + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path
