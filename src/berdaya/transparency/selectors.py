"""Aggregates of the public transparency page: set-based (one grouped query each), never a person's row.

Counts go through core.disclosure's one suppression rule (SUPPRESSING: the page has no login, so no reader may read
a small count exact), including the secondary suppression of a table with its totals row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, Sum

from berdaya.areas.models import District, Village
from berdaya.areas.selectors import deployment_districts
from berdaya.core.disclosure import SUPPRESSED, SUPPRESSING
from berdaya.programmes import choices as pc
from berdaya.programmes.models import Assistance, Enrolment, Programme

from .sections import PublicArea

# Took part in a programme (proposed and rejected enrolments did not).
REACHED = [
    pc.EnrolmentStatus.ENROLLED,
    pc.EnrolmentStatus.ACTIVE,
    pc.EnrolmentStatus.COMPLETED,
    pc.EnrolmentStatus.DROPPED_OUT,
]
DELIVERED = [pc.AssistanceStatus.DISBURSED, pc.AssistanceStatus.ACKNOWLEDGED]


def area_of(code: str, year: int) -> PublicArea | None:
    """The public area for a district or village code of this deployment, or None."""
    districts = deployment_districts()
    if len(code) == 8:
        district = districts.filter(code=code).first()
        return PublicArea(code=district.code, name=district.name, year=year) if district else None
    village = Village.objects.filter(code=code, district__in=districts).first()
    return PublicArea(code=village.code, name=village.name, year=year) if village else None


def districts() -> list[District]:
    return list(deployment_districts().order_by("name"))


def villages(district_code: str) -> list[Village]:
    return list(Village.objects.filter(district_id=district_code).order_by("name"))


def _lives_in(area: PublicArea, prefix: str) -> Q:
    if area.is_village:
        return Q(**{f"{prefix}household__village_id": area.code})
    return Q(**{f"{prefix}household__village__district_id": area.code})


def _year(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def programme_rows(area: PublicArea) -> list[dict[str, Any]]:
    """Per programme active in the area in the year: people reached (living in the area) and assistance delivered
    (recipients, items, value). Programmes covering the area, or reaching people in it, count."""
    start, end = _year(area.year)
    enrolments = (
        Enrolment.objects.filter(_lives_in(area, "person__"), status__in=REACHED)
        .filter(Q(enrolled_on__isnull=True) | Q(enrolled_on__lte=end))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
        .filter(programme__start_date__lte=end, programme__end_date__gte=start)
        .values("programme_id")
        .annotate(people=Count("person_id", distinct=True))
    )
    reached = {r["programme_id"]: r["people"] for r in enrolments}
    assistance = (
        Assistance.objects.filter(_lives_in(area, "person__"), status__in=DELIVERED, date__range=(start, end))
        .values("programme_id")
        .annotate(recipients=Count("person_id", distinct=True), items=Count("pk"), value=Sum("amount"))
    )
    delivered = {r["programme_id"]: r for r in assistance}
    covering = Q(villages=area.code) if area.is_village else Q(districts=area.code) | Q(villages__district=area.code)
    programmes = (
        Programme.objects.filter(start_date__lte=end, end_date__gte=start)
        .exclude(status=pc.ProgrammeStatus.DRAFT)
        .filter(covering | Q(pk__in=list(reached) + list(delivered)))
        .select_related("organiser")
        .distinct()
        .order_by("name", "pk")
    )
    rows = []
    for p in programmes:
        d = delivered.get(p.pk, {})
        rows.append(
            {
                "programme": p.name,
                "organiser": p.organiser.name,
                "kind": p.get_kind_display(),
                "people": reached.get(p.pk, 0),
                "recipients": d.get("recipients", 0),
                "items": d.get("items", 0),
                "value": d.get("value") or 0,
            }
        )
    return rows


def protect_programmes(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Suppress small counts in place (core.disclosure, with secondary suppression over the totals row); a value in
    Rupiah is hidden with its recipients, since the value of one or two people's aid is theirs. Returns totals."""
    columns = ["people", "recipients", "items"]
    totals: dict[str, Any] = {k: sum(int(r[k]) for r in rows) for k in columns}
    totals["value"] = sum(int(r["value"]) for r in rows)
    SUPPRESSING.protect_table(rows, columns, totals=totals)
    for line in [*rows, totals]:
        if line["recipients"] == SUPPRESSED or line["items"] == SUPPRESSED:
            line["value"] = SUPPRESSED
    # The total value less the shown values would give a hidden one back.
    if any(r["value"] == SUPPRESSED for r in rows):
        totals["value"] = SUPPRESSED
    return totals
