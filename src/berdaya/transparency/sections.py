"""The sections of the public transparency page, as a registry an upper app fills from its AppConfig.ready()
(e.g. berdaya.grievances registers grievances received and resolved on time by category), so this app imports no
app above it.

A section returns rows of aggregates only, already through core.disclosure's suppression (SUPPRESSING: the page has
no login), never a person: the page's test scans every section's output for personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class PublicArea:
    """The area a public page is about: a district (kecamatan, 8-character code) or a village (13 characters)."""

    code: str
    name: str
    year: int

    @property
    def is_village(self) -> bool:
        return len(self.code) > 8

    @property
    def district_code(self) -> str:
        return self.code[:8]


@dataclass(frozen=True)
class Section:
    """One table on the public page. `rows(area)` returns dicts keyed by the first items of `columns`
    ((key, title) pairs, titles already translated lazily); counts in them are suppressed by the section."""

    key: str
    title: StrOrPromise
    order: int
    rows: Callable[[PublicArea], list[dict]]
    columns: list[tuple[str, StrOrPromise]] = field(default_factory=list)


_SECTIONS: dict[str, Section] = {}


def register(section: Section) -> Section:
    """Add (or replace, by key: a reloaded app registers again) a section of the public page."""
    _SECTIONS[section.key] = section
    return section


def sections() -> list[Section]:
    """The registered sections, in their order."""
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))
