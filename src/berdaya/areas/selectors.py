from __future__ import annotations

from django.conf import settings
from django.db.models import Count, QuerySet

from .models import District, Regency, Village


def default_regency() -> Regency | None:
    return Regency.objects.filter(code=settings.BERDAYA["DEFAULT_REGENCY"]).first()


def deployment_regencies() -> dict[str, str]:
    """code -> name of the regencies this deployment serves (BERDAYA_REGENCIES, else BERDAYA_REGENCY)."""
    codes = list(settings.BERDAYA.get("REGENCIES") or []) or [settings.BERDAYA["DEFAULT_REGENCY"]]
    names = dict(Regency.objects.filter(code__in=codes).values_list("code", "name"))
    return {code: names.get(code, code) for code in codes}


def districts_in_use() -> QuerySet[District]:
    """Districts of the regencies whose villages are loaded: the ones the interface offers."""
    return District.objects.filter(villages__isnull=False).annotate(village_count=Count("villages")).order_by("code")


def villages_of(district_code: str) -> QuerySet[Village]:
    return Village.objects.filter(district_id=district_code).order_by("code")
