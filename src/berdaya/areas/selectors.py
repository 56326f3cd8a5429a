from __future__ import annotations

from django.conf import settings
from django.db.models import Count, QuerySet

from .models import District, Regency, Village


def default_regency() -> Regency | None:
    return Regency.objects.filter(code=settings.BERDAYA["DEFAULT_REGENCY"]).first()


def districts_in_use() -> QuerySet[District]:
    """Districts of the regencies whose villages are loaded: the ones the interface offers."""
    return District.objects.filter(villages__isnull=False).annotate(village_count=Count("villages")).order_by("code")


def villages_of(district_code: str) -> QuerySet[Village]:
    return Village.objects.filter(district_id=district_code).order_by("code")
