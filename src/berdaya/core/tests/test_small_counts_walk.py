"""Every aggregate page and export a viewer reads shows no count of 1 to 4 people (issue 13, item 5).

The data holds small counts everywhere: three people in one village, one with a disability, one elderly, one
without NIK, one migrant worker abroad, two programme participants, one assistance recipient. The walk covers every
URL pattern that takes no argument (resolved from the URLconf, so a new aggregate page is walked too) and the
aggregate pages and exports that need parameters."""

from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser

import openpyxl
import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from berdaya.core import disclosure
from berdaya.migration import choices as mc
from berdaya.migration.models import MigrationEpisode
from berdaya.programmes import services as programme_services
from berdaya.programmes.tests import helpers as h
from berdaya.registry import choices as rc
from berdaya.targeting.models import HouseholdWelfare
from berdaya.testing import factories as f

# Columns that hold something other than a count of people (programmes, sessions, money, dates, codes, shares).
NOT_PEOPLE = re.compile(
    r"^(Program|Sesi|Kapan|Bantuan \(Rp\)|Jumlah program|Sesi berlangsung|Mulai|Selesai|Bantuan disalurkan.*|Kode.*|"
    r".*% belum terjangkau|Organisasi|Wilayah|Kecamatan|Desa|Desa/kelurahan|#|Periode|Tanggal|Seluruh kabupaten|"
    r"Batas kehadiran lulus|Sesi berlangsung / direncanakan|Cakupan wilayah)$"
)
SMALL = re.compile(r"(?<![\w.,<])([1-4])(?![\w.,%])")
SKIPPED = {
    # Signing out is a POST; the health check and the language switch show no counts; the admin is Django's.
    "logout",
    "health",
    "set_language",
}


class Cells(HTMLParser):
    """The text of every table cell (with its column header), definition, card figure and map title in <main>."""

    def __init__(self):
        super().__init__()
        self.cells: list[tuple[str, str]] = []
        self.headers: list[str] = []
        self.stack: list[list] = []  # [tag, header, text]
        self.in_main = False
        self.in_thead = False
        self.column = 0
        self.term = ""  # the <dt> a <dd> answers

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self.in_main = True
        if not self.in_main:
            return
        if tag == "table":
            self.headers = []
        elif tag == "thead":
            self.in_thead = True
        elif tag == "tr":
            self.column = 0
        if tag in {"td", "th"}:
            header = self.headers[self.column] if not self.in_thead and self.column < len(self.headers) else ""
            self.column += int(attrs.get("colspan") or 1)
            self.stack.append([tag, header, ""])
        elif tag == "dt":
            self.stack.append([tag, "", ""])
        elif tag == "dd":
            self.stack.append([tag, self.term, ""])
        elif tag == "title" or re.search(r"\bfs-\d\b", attrs.get("class") or ""):
            self.stack.append([tag, "", ""])

    def handle_endtag(self, tag):
        if tag == "thead":
            self.in_thead = False
        if self.stack and self.stack[-1][0] == tag:
            _tag, header, text = self.stack.pop()
            text = " ".join(text.split())
            if tag == "th" and self.in_thead:
                self.headers.append(text)
            elif tag == "dt":
                self.term = text
            elif tag != "th":
                self.cells.append((header, text))
            if self.stack:
                self.stack[-1][2] += " " + text

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2] += data


def small_counts_in_html(html: str) -> list[tuple[str, str]]:
    parser = Cells()
    parser.feed(html)
    found = []
    for header, text in parser.cells:
        if NOT_PEOPLE.match(header):
            continue
        # A map title reads "Jangkat: 3 penerima manfaat"; a date "3 Des 2026" is not a count.
        text = re.sub(r"\b\d{1,2} \w{3}\.? \d{4}\b", "", text)
        if text.endswith(" organisasi"):  # the map's other measure counts organisations
            continue
        if SMALL.search(text.split(":", 1)[-1]):
            found.append((header, text))
    return found


def small_counts_in_xlsx(content: bytes) -> list[tuple[str, object]]:
    found = []
    for sheet in openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets:
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, ())
        for row in rows:
            for name, value in zip(header, row, strict=False):
                if isinstance(value, int) and 0 < value < disclosure.SMALL_COUNT and not NOT_PEOPLE.match(str(name)):
                    found.append((name, value))
    return found


def _argless_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            yield from _argless_names(entry, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and entry.name and not entry.pattern.regex.groups:
            yield f"{namespace}{entry.name}"


@pytest.fixture
def small_world(officer):
    org = f.organisation("LSM Tani Sejahtera")
    disabled = f.person(name="Warga Disabilitas", hh=f.household(), wgss_walking=3)
    elder = f.person(name="Warga Lansia", sex=rc.Sex.MALE, birth_date=dt.date(1940, 1, 1), hh=f.household())
    nonik = f.person(name="Warga Tanpa NIK", with_nik=False, hh=f.household())
    HouseholdWelfare.objects.create(household=disabled.household, local_decile=2)
    MigrationEpisode.objects.create(
        person=elder,
        created_by=officer,
        destination=mc.Destination.MALAYSIA,
        channel=mc.Channel.NON_PROCEDURAL,
        stage=mc.Stage.WORKING,
    )
    programme = h.programme(officer, organiser=org, name="Pelatihan Kecil", villages=["15.02.01.2001"], capacity=30)
    h.session(officer, programme, days_ago=3)
    for person in (disabled, nonik, elder):
        h.enrol(officer, programme, person)
    assistance = programme_services.assistance_create(
        actor=officer,
        programme=programme,
        person=elder,
        data={"kind": "cash_grant", "amount": 500_000, "date": h.today()},
    )
    programme_services.assistance_transition(actor=officer, assistance=assistance, to_status="approved")
    programme_services.assistance_transition(actor=officer, assistance=assistance, to_status="disbursed")
    return {"programme": programme}


def _aggregate_urls(world) -> list[str]:
    period = {"start": "2020-01-01", "end": "2035-12-31"}
    urls = [reverse(name) for name in sorted(set(_argless_names())) if name.split(":")[-1] not in SKIPPED]
    for level in ("district", "village"):
        query = "&".join(f"{k}={v}" for k, v in {**period, "level": level}.items())
        urls += [
            f"{reverse('partners:matrix')}?{query}&measure=people",
            f"{reverse('partners:matrix_xlsx')}?{query}",
            f"{reverse('partners:gaps')}?{query}",
            f"{reverse('partners:gaps_xlsx')}?{query}",
        ]
    urls.append(reverse("programmes:programme_detail", args=[world["programme"].pk]))
    return urls


def test_a_viewer_reads_no_small_count_on_any_aggregate_page_or_export(small_world, viewer, officer, client):
    # given: the officer sees the small counts exact, so they are there to hide
    client.force_login(officer)
    officer_found = {}
    for url in _aggregate_urls(small_world):
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            officer_found[url] = small_counts_in_html(response.content.decode())
    assert officer_found[reverse("dashboard")] and officer_found[reverse("inclusion:home")]
    assert officer_found[reverse("migration:home")] and officer_found[reverse("targeting:regency")]

    # when / then: the viewer reads none of them
    client.force_login(viewer)
    walked, leaks = [], {}
    for url in _aggregate_urls(small_world):
        response = client.get(url)
        if response.status_code != 200:
            continue
        walked.append(url)
        if response["Content-Type"].startswith("text/html"):
            found = small_counts_in_html(response.content.decode())
        elif "spreadsheetml" in response["Content-Type"]:
            found = small_counts_in_xlsx(response.content)
        else:
            found = []
        if found:
            leaks[url] = found
    assert not leaks, "\n".join(f"{url}: {found}" for url, found in leaks.items())
    for page in ("dashboard", "inclusion:home", "migration:home", "targeting:regency", "partners:gaps"):
        assert reverse(page) in walked
    assert any("xlsx" in url for url in walked) and any("level=village" in url for url in walked)
