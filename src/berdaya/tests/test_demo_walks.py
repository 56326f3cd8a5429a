"""Walks over every page of the demo, for every demo role, on one demo world built once for the module:

- every page a user can reach from the menu opens (issue #15, items 1 and 7). The walk reads the links the pages
  really render: the main menu, then every link on those pages one level deep (pages of one kind beyond the first
  few: once for all users, see SAME_SHAPE). No page may answer 500; no menu entry (the main menu and each app's own
  menu of pills or tabs) may answer 403, because a role is shown only what it may open;
- the Indonesian interface speaks Indonesian and writes dates one way: every page each demo role reaches is scanned
  for English words, raw codes (M/F, RT #), and dates in other formats (berdaya.testing.words).
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from berdaya.accounts.models import User
from berdaya.areas.services import areas_load
from berdaya.targeting.models import RuleSet
from berdaya.testing.crawl import Visit, crawl, url_shape
from berdaya.testing.demo import demo_build
from berdaya.testing.words import problems
from berdaya.testing.worlds import built_once

# Every test in its own transaction, inside the module's demo world. Side by side (make test), the walks run in the
# PostgreSQL suite only; CI runs them on both databases (conftest.runs_on_this_side).
pytestmark = [pytest.mark.django_db, pytest.mark.one_side("postgresql")]

# Links that change state or leave the pages a user reads (logging out, the language switch posts, file downloads
# are still fetched: they must not crash either).
SKIP_PREFIXES = ("/keluar/", "/admin/", "/i18n/", "/static/", "/media/")

# Every page reachable is opened by at least one user, and every kind of page by every user: a user opens up to
# SAME_SHAPE pages of one shape (/registri/penduduk/#/, one per person listed) and, beyond them, only those no user
# before them opened. Menu entries are always opened (the 403 check). Opening every listed person for every user
# cost most of the walk's minute and found nothing the first pages of a kind do not.
SAME_SHAPE = 3


class _Links(HTMLParser):
    """The hrefs of a page, and those inside its menus (the main navbar and nav pills/tabs)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.menu_links: list[str] = []
        self._menu_depth: list[str] = []
        self._stack: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        is_menu = tag == "nav" or (tag == "ul" and ("nav" in classes or "navbar-nav" in classes))
        if tag not in {"br", "hr", "img", "input", "meta", "link"}:
            self._stack.append((tag, is_menu))
        if tag == "a" and attrs.get("href"):
            href = attrs["href"]
            self.links.append(href)
            if any(menu for _t, menu in self._stack) and "breadcrumb-item" not in classes:
                self.menu_links.append(href)

    def handle_endtag(self, tag):
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break


def _local(href: str) -> str | None:
    href = urldefrag(href)[0]
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(SKIP_PREFIXES):
        return None
    return href


def _links(html: str) -> tuple[list[str], list[str]]:
    parser = _Links()
    parser.feed(html)
    links = [u for u in map(_local, parser.links) if u]
    menu = [u for u in map(_local, parser.menu_links) if u]
    return links, menu


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    # One demo for both walks; each test's own writes roll back (berdaya.testing.worlds).
    tmp = tmp_path_factory.mktemp("demo")
    with built_once(django_db_blocker, MEDIA_ROOT=tmp / "media", DATA_DIR=tmp):
        areas_load(regency_codes=["15.02"])
        demo_build(tmp, households=60, seed=1)
        yield


class _Walk:
    """One user's walk; `opened_by_anyone` is shared by the users' walks (SAME_SHAPE)."""

    def __init__(self, user: User, opened_by_anyone: set[str]) -> None:
        self.user = user
        self.client = Client(raise_request_exception=False)
        self.client.force_login(user)
        self.opened_by_anyone = opened_by_anyone
        self.seen: dict[str, int] = {}
        self.shapes: Counter[str] = Counter()
        self.crashes: list[str] = []
        self.forbidden: list[str] = []

    def open(self, url: str, in_menu: bool) -> tuple[int, str] | None:
        """The page's status and HTML; None for a page left to the user who opened it (SAME_SHAPE)."""
        shape = url_shape(url)
        if not in_menu and self.shapes[shape] >= SAME_SHAPE and url in self.opened_by_anyone:
            return None
        self.shapes[shape] += 1
        response = self.client.get(url)
        self.opened_by_anyone.add(url)
        self.seen[url] = response.status_code
        html = "" if getattr(response, "streaming", False) else response.content.decode("utf-8", "replace")
        return response.status_code, html

    def check(self, url: str, status: int, source: str, in_menu: bool) -> None:
        who = f"{self.user.username} ({self.user.role})"
        if status >= 500:
            self.crashes.append(f"{who}: {url} <- {source} answered {status}")
        if status == 403 and in_menu:
            self.forbidden.append(f"{who}: menu link {url} on {source} answered 403")

    def run(self) -> None:
        home = self.client.get("/")
        assert home.status_code == 200, self.user.username
        _all, first_level = _links(home.content.decode())
        depth_one: list[tuple[str, str]] = []
        for url in dict.fromkeys(first_level):
            status, html = self.open(url, in_menu=True)
            if status == 200:
                depth_one.append((url, html))
            self.check(url, status, "/", in_menu=True)
        # One level deeper: every link on the pages the menu opens, and the menus those pages show.
        for page, html in depth_one:
            links, menu = _links(html)
            for url in dict.fromkeys(links):
                status = self.seen.get(url)
                if status is None:
                    opened = self.open(url, in_menu=url in menu)
                    if opened is None:
                        continue
                    status = opened[0]
                self.check(url, status, page, in_menu=url in menu)


def test_no_page_reachable_from_the_menu_crashes_and_no_menu_entry_is_forbidden(demo):
    users = list(User.objects.filter(is_active=True).order_by("username"))
    assert {u.role for u in users} >= {"admin", "officer", "facilitator", "partner", "viewer"}
    opened_by_anyone: set[str] = set()
    walks = [_Walk(user, opened_by_anyone) for user in users]
    for walk in walks:
        walk.run()
    crashes = [line for walk in walks for line in walk.crashes]
    forbidden = [line for walk in walks for line in walk.forbidden]
    assert sum(len(walk.seen) for walk in walks) > 100
    assert not crashes, "\n".join(crashes)
    assert not forbidden, "\n".join(forbidden)


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
