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
from berdaya.monitoring import refresh
from berdaya.programmes import services as programme_services
from berdaya.registry import choices as rc
from berdaya.targeting.models import HouseholdWelfare
from berdaya.testing import factories as f
from berdaya.testing import programmes as h

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
    refresh.rebuild()  # the monitoring dashboard's analytics tables
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


# --- Sums: no suppressed count follows from a shown total minus its shown parts (secondary suppression) ----------
# A viewer reads "<5" for a small count; where the table also shows the total and the other parts exact, the total
# minus the parts gives it back (Bangko Barat: 156 − 145 − 8 = 3). The walk reads each table row as a viewer and,
# for each sum the page shows, checks that no small count can be computed from the cells shown exact.


def test_protect_hides_a_second_part_when_one_alone_would_follow_from_the_total():
    values = {"total": 156, "yes": 3, "no": 145, "unknown": 8}
    hidden = disclosure.SUPPRESSING.protect(values, [("total", ["yes", "no", "unknown"])])
    # the smallest other part goes too, so 156 − 145 leaves yes + unknown = 11, not one of them
    assert hidden == {"yes", "unknown"}
    assert disclosure.EXACT.protect(values, [("total", ["yes", "no", "unknown"])]) == set()


def test_protect_hides_the_pair_when_a_part_left_out_is_small():
    # the gaps cell: the group and the not reached are shown, the reached (their difference) is 2
    values = {"total": 40, "gap": 38, "reached": 2}
    hidden = disclosure.SUPPRESSING.protect(values, [("total", ["gap", "reached"])], shown={"total", "gap"})
    assert hidden == {"gap"}


def test_protect_follows_the_hiding_into_the_column_sums():
    rows = [{"a": 3, "b": 20}, {"a": 30, "b": 40}, {"a": 50, "b": 60}]
    totals = {"a": 83, "b": 120}
    disclosure.SUPPRESSING.protect_table(rows, ["a", "b"], totals=totals)
    # 83 − 30 − 50 would give row 0's a back: the smallest other cell in the column is hidden too
    assert [r["a"] for r in rows] == ["<5", "<5", 50] and totals["a"] == 83


class Rows(HTMLParser):
    """Each table row in <main> as {column header: text}, with the table's headers."""

    def __init__(self):
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self.headers: list[str] = []
        self.cell: list[str] | None = None
        self.row: list[str] | None = None
        self.in_thead = False

    def handle_starttag(self, tag, attrs):
        if tag == "thead":
            self.in_thead, self.headers = True, []
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(" ".join(" ".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.in_thead:
                self.headers = self.row
            else:
                self.rows.append(dict(zip(self.headers, self.row, strict=False)))
            self.row = None
        elif tag == "thead":
            self.in_thead = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def _number(text):
    text = str(text).strip().replace(".", "").replace(",", "")
    return int(text) if re.fullmatch(r"\d+", text) else None


def recoverable(row: dict, total: str, parts: list[str]) -> list[str]:
    """A small count the row gives away: the total minus the exact parts, where one part is hidden or left out."""
    shown = {k: _number(row.get(k, "")) for k in (total, *parts)}
    hidden = [k for k in parts if shown[k] is None]
    if shown[total] is None or len(hidden) != 1:
        return []
    rest = shown[total] - sum(v for k, v in shown.items() if k != total and v is not None)
    return [f"{hidden[0]} = {rest} in {row}"] if 0 < rest < disclosure.SMALL_COUNT else []


@pytest.fixture
def mixed_world(officer):
    """One district with many people and a few of them in each small group (the Bangko Barat shape)."""
    f.person(name="Warga Disabilitas", hh=f.household(), wgss_walking=3)
    for i in range(8):
        f.person(name=f"Warga Belum {i}", hh=f.household())
    f.person(name="Warga Laki", sex=rc.Sex.MALE, hh=f.household())
    elders = [
        f.person(name=f"Lansia {i}", hh=f.household(), birth_date=dt.date(1940, 1, 1), wgss_walking=1, wgss_seeing=1)
        for i in range(12)
    ]
    programme = h.programme(officer, name="Pelatihan", villages=["15.02.01.2001"], capacity=30)
    h.session(officer, programme, days_ago=3)
    for person in elders[:2]:
        h.enrol(officer, programme, person)
    # six working in Malaysia, one of them through the procedural channel
    for i, person in enumerate(elders[:6]):
        channel = mc.Channel.NON_PROCEDURAL if i else mc.Channel.P3MI
        MigrationEpisode.objects.create(
            person=person,
            created_by=officer,
            destination=mc.Destination.MALAYSIA,
            channel=channel,
            stage=mc.Stage.WORKING,
        )


PERIOD = "start=2020-01-01&end=2035-12-31"
HTML_SUMS = {
    "dashboard": [("Penduduk", ["Perempuan", "(laki-laki)"])],
    "inclusion:home": [("Penduduk", ["Disabilitas", "Bukan disabilitas", "Belum ditanya"])],
    "migration:home": [("Jumlah", ["Non-prosedural", "(prosedural)"])],
}


def _gap_cells(row: dict) -> list[str]:
    """A gaps cell reads "not reached / group": their difference is the reached."""
    found = []
    for header, text in row.items():
        m = re.match(r"^(\S+) / (\S+)", text)
        gap, total = (_number(m[1]), _number(m[2])) if m else (None, None)
        if gap is not None and total is not None and 0 < total - gap < disclosure.SMALL_COUNT:
            found.append(f"{header}: {text}")
    return found


def _leaks(client) -> dict[str, list[str]]:
    leaks = {}
    for name, sums in HTML_SUMS.items():
        parser = Rows()
        parser.feed(client.get(reverse(name)).content.decode())
        leaks[name] = [x for row in parser.rows for total, parts in sums for x in recoverable(row, total, parts)]
    for level in ("district", "village"):
        parser = Rows()
        parser.feed(client.get(f"{reverse('partners:gaps')}?{PERIOD}&level={level}").content.decode())
        leaks[f"gaps {level}"] = [x for row in parser.rows for x in _gap_cells(row)]
        content = client.get(f"{reverse('partners:gaps_xlsx')}?{PERIOD}&level={level}").content
        rows = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True)
        header = next(rows)
        groups = [str(x).removesuffix(": jumlah") for x in header if str(x).endswith(": jumlah")]
        leaks[f"gaps xlsx {level}"] = [
            x
            for values in rows
            for g in groups
            for x in recoverable(
                dict(zip(header, values, strict=False)), f"{g}: jumlah", [f"{g}: belum terjangkau", "(terjangkau)"]
            )
        ]
    return {k: v for k, v in leaks.items() if v}


def test_no_suppressed_count_follows_from_a_total_and_its_shown_parts(mixed_world, viewer, officer, client):
    # given: as an officer every page shows the differences that are small
    client.force_login(officer)
    as_officer = _leaks(client)
    assert {"dashboard", "migration:home", "gaps district", "gaps xlsx village"} <= set(as_officer)

    # when / then: a viewer can compute none of them
    client.force_login(viewer)
    leaks = _leaks(client)
    assert not leaks, "\n".join(f"{k}: {v}" for k, v in leaks.items())
