"""Visit the pages a user can reach by following links, as a smoke test: no page may answer 500."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urldefrag

HREF = re.compile(r'<a\b[^>]*\bhref="(/[^"]*)"', re.IGNORECASE)
SKIP = ("/keluar", "/admin/", "/static/", "/media/", "/i18n/")
# Links that change something or stream files are left out: a GET must not, but these are not pages to read.
SKIP_WORDS = ("unduh", "ekspor", "download", "csv", "xlsx", "pdf")


@dataclass
class Visit:
    url: str
    status: int
    html: str


@dataclass
class Crawl:
    visits: list[Visit] = field(default_factory=list)

    @property
    def errors(self) -> list[Visit]:
        return [v for v in self.visits if v.status >= 500]


def url_shape(url: str) -> str:
    """The URL with its numbers as # (/penduduk/12/ -> /penduduk/#/): pages of one kind share a shape."""
    return re.sub(r"\d+", "#", url.split("?", 1)[0]) + ("?" if "?" in url else "")


def crawl(client, start: str = "/", *, limit: int = 150, per_pattern: int = 1) -> Crawl:
    """Breadth-first over same-site links, at most `per_pattern` URLs of each shape (/penduduk/#/) so that a
    thousand people do not mean a thousand visits."""
    result = Crawl()
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    queue: deque[str] = deque([start])
    while queue and len(result.visits) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        html = ""
        if "text/html" in response.get("Content-Type", "") and not getattr(response, "streaming", False):
            html = response.content.decode("utf-8", "replace")
        result.visits.append(Visit(url, response.status_code, html))
        for href in HREF.findall(html):
            link = urldefrag(href.replace("&amp;", "&"))[0]
            if not link or link.startswith(SKIP) or any(w in link.lower() for w in SKIP_WORDS) or link in seen:
                continue
            shape = url_shape(link)
            if shapes.get(shape, 0) >= per_pattern:
                continue
            shapes[shape] = shapes.get(shape, 0) + 1
            queue.append(link)
    return result
