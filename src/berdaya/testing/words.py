"""The scanner of the Indonesian interface: English words, raw codes (M/F, RT #) and dates in other formats."""

from __future__ import annotations

import html
import re

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
