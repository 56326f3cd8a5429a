"""The price chart's axis writes its numbers as the page's table does, in the reader's language."""

from __future__ import annotations

import re

from django.utils import translation

from berdaya.markets.charts import Series, line_chart


def _axis(language: str) -> list[str]:
    with translation.override(language):
        svg = line_chart(["15/06", "22/06"], [Series("Pengepul", [7520, 11829])], title="Karet")
    return re.findall(r'text-anchor="end" font-size="11" fill="#444">([^<]+)</text>', svg)


def test_the_axis_follows_the_language_of_the_page():
    indonesian, english = _axis("id"), _axis("en")
    assert len(indonesian) == len(english) == 5
    assert all(re.fullmatch(r"\d{1,2}\.\d{3}", label) for label in indonesian), indonesian
    assert all(re.fullmatch(r"\d{1,2},\d{3}", label) for label in english), english
    assert [label.replace(".", "") for label in indonesian] == [label.replace(",", "") for label in english]
