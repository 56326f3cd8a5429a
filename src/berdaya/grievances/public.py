"""Aggregates of grievances for the public transparency page: per area (a district or village code) and year, the
grievances received, those resolved on time, by category. Counts only; no row, no content.

"Resolved on time" counts a closed grievance that was forwarded and answered within the service levels (the engine
records `was_overdue` on every move, so the figure does not move when a holiday is edited afterwards); the wait for
the complainant's reply does not count against the office.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from berdaya.core.disclosure import SUPPRESSING

from . import choices as c

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise
from .models import Grievance, GrievanceStageChange


def area_q(code: str) -> Q:
    """A village code (15.02.01.2001) or a district code (15.02.01), or the regency ("" or 15.02)."""
    if not code or code.count(".") < 2:
        return Q()
    if code.count(".") == 2:
        return Q(village__district_id=code)
    return Q(village_id=code)


def grievance_aggregates(*, area_code: str = "", year: int) -> dict[str, Any]:
    """{"received", "resolved", "resolved_on_time", "by_category": [(code, label, received, resolved_on_time)]}.
    Small counts are the page's to suppress (core.disclosure): this returns the plain counts."""
    # The wait for the complainant's reply after the follow-up is not the office's delay.
    late = GrievanceStageChange.objects.filter(
        case=OuterRef("pk"), was_overdue=True, from_stage__in=[c.Stage.RECEIVED, c.Stage.FORWARDED]
    )
    qs = (
        Grievance.objects.filter(area_q(area_code), received_on__year=year, appeal_of__isnull=True)
        .annotate(late=Exists(late))
        .values("category")
        .annotate(
            received=Count("id"),
            resolved=Count("id", filter=Q(stage=c.Stage.CLOSED)),
            on_time=Count("id", filter=Q(stage=c.Stage.CLOSED, late=False)),
        )
    )
    rows = {r["category"]: r for r in qs}
    by_category = [
        (code, str(label), rows.get(code, {}).get("received", 0), rows.get(code, {}).get("on_time", 0))
        for code, label in c.Category.choices
    ]
    return {
        "received": sum(r["received"] for r in rows.values()),
        "resolved": sum(r["resolved"] for r in rows.values()),
        "resolved_on_time": sum(r["on_time"] for r in rows.values()),
        "by_category": by_category,
    }


def transparency_rows(area: Any) -> list[dict[str, Any]]:
    """The rows of the public page's grievance section for `area` (anything with `code` and `year`: the
    transparency page's PublicArea): one per category and a total, small counts suppressed (the page has no login)
    so that no count, nor any difference of counts, is below five."""
    data = grievance_aggregates(area_code=area.code, year=area.year)
    rows = [
        {"category": str(label), "received": received, "on_time": on_time, "late_or_open": received - on_time}
        for _code, label, received, on_time in data["by_category"]
    ]
    totals = {
        "category": str(_("Semua kategori")),
        "received": data["received"],
        "on_time": data["resolved_on_time"],
        "late_or_open": data["received"] - data["resolved_on_time"],
    }
    SUPPRESSING.protect_table(
        rows, ["received", "on_time"], row_sums=[("received", ["on_time", "late_or_open"])], totals=totals
    )
    for row in (*rows, totals):
        row.pop("late_or_open", None)
    totals["total"] = True
    return [*rows, totals]


COLUMNS: list[tuple[str, str | StrPromise]] = [
    ("category", _("Kategori")),
    ("received", _("Pengaduan diterima")),
    ("on_time", _("Selesai tepat waktu")),
]
