"""Aggregates of grievances for the public transparency page: per area (a district or village code) and year, the
grievances received, those resolved on time, by category. Counts only; no row, no content.

"Resolved on time" counts a closed grievance none of whose stage changes was past due (the engine records
`was_overdue` on every move), so the figure does not move when a holiday is edited afterwards.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q

from . import choices as c
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
    late = GrievanceStageChange.objects.filter(case=OuterRef("pk"), was_overdue=True)
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
