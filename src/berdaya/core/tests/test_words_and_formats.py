"""The Indonesian interface speaks Indonesian and writes dates one way: every page each demo role reaches is
scanned for English words, raw codes (M/F, RT #), and dates in other formats."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from berdaya.accounts.models import User
from berdaya.areas.services import areas_load
from berdaya.targeting.models import RuleSet
from berdaya.testing.crawl import Visit, crawl
from berdaya.testing.demo import demo_build

# English words a page in Bahasa Indonesia must not show (choice codes, Python values, untranslated UI text).
ENGLISH = [
    "disability", "women", "female", "female_headed", "elderly", "less_land", "lower_score", "older", "household",
    "households", "people", "person", "farmer", "approve", "approved", "pending", "draft", "active", "inactive",
    "None", "True", "False", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    "January", "February", "March", "June", "July", "August", "October", "December", "Dec", "Oct", "Aug",
    "a.m.", "p.m.", "Search", "Save", "Cancel", "Delete", "Next", "Previous", "Unknown", "This field", "required",
]  # fmt: skip
ENGLISH_RE = re.compile(r"(?<![\w.@/-])(" + "|".join(re.escape(w) for w in ENGLISH) + r")(?![\w@/-])")
OTHER_DATES = [
    (re.compile(r"\b\d{1,2}-\d{1,2}-\d{4}\b"), "d-m-Y"),
    (re.compile(r"\b\d{1,2} [A-Z][a-z]{2}\. \d{4}\b"), "Django's 'j N Y' (Des.)"),
    (re.compile(r"\b\d{4} \d{1,2}[.:]\d{2}\b"), "a time without the comma of DATETIME_FORMAT"),
    (re.compile(r"\b\d{1,2} [A-Z][a-z]{2} \d{4},? \d{1,2}:\d{2}\b"), "a time with a colon (Indonesian: 07.15)"),
]
RAW = [
    (re.compile(r"\bRT #\d"), "RT # for a household"),
]
SEX_CODE = re.compile(r"<td>\s*[MF]\s*</td>")
VISIBLE_ATTRS = re.compile(r'\b(?:title|placeholder|aria-label|alt)="([^"]*)"')


def visible_text(page: str) -> str:
    page = re.sub(r"(?is)<(script|style|pre)\b.*?</\1>", " ", page)
    attrs = " ".join(VISIBLE_ATTRS.findall(page))
    # <option> values and hidden inputs are codes, not text; tags become separators, so that a date in one cell and
    # a time in the next do not read as one datetime
    text = re.sub(r"(?s)<[^>]+>", " | ", page)
    return html.unescape(text + " " + attrs)


def problems(page: str) -> list[str]:
    text = visible_text(page)
    found = [
        f"English '{m.group(1)}': …{text[max(0, m.start() - 40) : m.end() + 20]}…" for m in ENGLISH_RE.finditer(text)
    ]
    for pattern, what in OTHER_DATES + RAW:
        found += [f"{what}: {m.group(0)}" for m in pattern.finditer(text)]
    found += [f"M/F under an L/P header: {m.group(0)}" for m in SEX_CODE.finditer(page)]
    return found


def test_the_formats_are_one_date_and_one_datetime():
    import datetime as dt

    moment = dt.datetime(2026, 12, 6, 7, 15)
    with translation.override("id"):
        assert date_format(moment.date()) == "6 Des 2026"
        assert date_format(moment.date(), "SHORT_DATE_FORMAT") == "6 Des 2026"
        assert date_format(moment, "DATETIME_FORMAT") == "6 Des 2026, 07.15"
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "6 Des 2026, 07.15"
    with translation.override("en"):
        assert date_format(moment, "DATETIME_FORMAT") == "6 Dec 2026, 07:15"


def test_the_scanner_sees_what_it_must():
    assert len(problems("<td>disability</td><td>RT #382</td><td>06-12-2026</td><td>6 Des. 2026</td><td>F</td>")) == 5
    assert not problems('<td>6 Des 2026, 07.15</td><option value="disability">Penyandang disabilitas</option>')


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DATA_DIR = tmp_path
    areas_load(regency_codes=["15.02"])
    demo_build(tmp_path, households=40)


def test_every_page_speaks_indonesian_and_writes_dates_one_way(demo):
    found: dict[str, list[str]] = {}
    for user in User.objects.filter(username__in=["admin", "petugas", "pendamping", "mitra", "pemantau", "kasus"]):
        browser = Client(HTTP_ACCEPT_LANGUAGE="id")
        browser.force_login(user)
        visits = crawl(browser, limit=100).visits
        if user.username == "admin":
            # every rule set: their quotas and priorities differ, and the crawl sees one page of each kind
            visits += [
                Visit(url, 200, browser.get(url).content.decode())
                for url in (
                    reverse("targeting:ruleset_detail", args=[pk])
                    for pk in RuleSet.objects.values_list("pk", flat=True)
                )
            ]
        for visit in visits:
            issues = problems(visit.html)
            if issues:
                found.setdefault(visit.url, issues[:5])
    assert not found, "\n".join(f"{url}: {issues}" for url, issues in sorted(found.items()))
