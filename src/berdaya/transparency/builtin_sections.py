"""The programme section of the public transparency page (grievances and others register theirs from their apps)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from . import selectors
from .sections import PublicArea, Section, register


def _programme_rows(area: PublicArea) -> list[dict[str, Any]]:
    rows = selectors.programme_rows(area)
    totals = selectors.protect_programmes(rows)
    if rows:
        rows.append({"programme": str(_("Jumlah")), "organiser": "", **totals, "total": True})
    return rows


register(
    Section(
        key="programmes",
        title=_("Program, penduduk terjangkau dan bantuan disalurkan"),
        order=10,
        rows=_programme_rows,
        columns=[
            ("programme", _("Program")),
            ("organiser", _("Penyelenggara")),
            ("people", _("Penduduk terjangkau")),
            ("recipients", _("Penerima bantuan")),
            ("items", _("Bantuan disalurkan")),
            ("value", _("Nilai (Rp)")),
        ],
    )
)
