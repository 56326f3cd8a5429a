"""Every page a user can reach from the menu opens, for every role of the demo (issue #15, items 1 and 7).

The walk reads the links the pages really render: the main menu, then every link on those pages one level deep.
No page may answer 500; no menu entry (the main menu and each app's own menu of pills or tabs) may answer 403,
because a role is shown only what it may open.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.test import Client

from berdaya.accounts.models import User
from berdaya.areas.services import areas_load
from berdaya.testing.demo import demo_build
from berdaya.testing.worlds import FAST_HASHERS

pytestmark = pytest.mark.django_db

# Links that change state or leave the pages a user reads (logging out, the language switch posts, file downloads
# are still fetched: they must not crash either).
SKIP_PREFIXES = ("/keluar/", "/admin/", "/i18n/", "/static/", "/media/")


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


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    settings.MEDIA_ROOT = tmp_path / "media"
    areas_load(regency_codes=["15.02"])
    demo_build(tmp_path, households=60, seed=1)


def test_no_page_reachable_from_the_menu_crashes_and_no_menu_entry_is_forbidden(demo):
    users = list(User.objects.filter(is_active=True).order_by("username"))
    assert {u.role for u in users} >= {"admin", "officer", "facilitator", "partner", "viewer"}
    crashes: list[str] = []
    forbidden: list[str] = []
    visited_pages = 0
    for user in users:
        client = Client(raise_request_exception=False)
        client.force_login(user)
        home = client.get("/")
        assert home.status_code == 200, user.username
        _all, first_level = _links(home.content.decode())
        seen: dict[str, int] = {}
        queue = [(url, "/", True) for url in dict.fromkeys(first_level)]
        depth_one: list[str] = []
        for url, source, in_menu in queue:
            if url in seen:
                status = seen[url]
            else:
                status = client.get(url).status_code
                seen[url] = status
                visited_pages += 1
                if status == 200 and source == "/":
                    depth_one.append(url)
            if status >= 500:
                crashes.append(f"{user.username} ({user.role}): {url} <- {source} answered {status}")
            if status == 403 and in_menu:
                forbidden.append(f"{user.username} ({user.role}): menu link {url} on {source} answered 403")
        # One level deeper: every link on the pages the menu opens, and the menus those pages show.
        for page in depth_one:
            links, menu = _links(client.get(page).content.decode())
            for url in dict.fromkeys(links):
                status = seen.get(url)
                if status is None:
                    status = seen[url] = client.get(url).status_code
                    visited_pages += 1
                if status >= 500:
                    crashes.append(f"{user.username} ({user.role}): {url} <- {page} answered {status}")
                if status == 403 and url in menu:
                    forbidden.append(f"{user.username} ({user.role}): menu link {url} on {page} answered 403")
    assert visited_pages > 100
    assert not crashes, "\n".join(crashes)
    assert not forbidden, "\n".join(forbidden)
