"""No suppressed count follows from a shown total minus its shown parts (secondary suppression, issue 13).

A viewer reads "<5" for a small count; where the table also shows the total and the other parts exact, the total
minus the parts gives it back (Bangko Barat: 156 − 145 − 8 = 3). The walk reads each table row as a viewer and,
for each sum the page shows, checks that no small count can be computed from the cells shown exact."""

from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser

import openpyxl
import pytest
from django.urls import reverse

from berdaya.core import disclosure
from berdaya.programmes.tests import helpers as h
from berdaya.registry import choices as rc
from berdaya.testing import factories as f


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


PERIOD = "start=2020-01-01&end=2035-12-31"
HTML_SUMS = {
    "dashboard": [("Penduduk", ["Perempuan", "(laki-laki)"])],
    "inclusion:home": [("Penduduk", ["Disabilitas", "Bukan disabilitas", "Belum ditanya"])],
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
    assert {"dashboard", "gaps district", "gaps xlsx village"} <= set(as_officer)

    # when / then: a viewer can compute none of them
    client.force_login(viewer)
    leaks = _leaks(client)
    assert not leaks, "\n".join(f"{k}: {v}" for k, v in leaks.items())
