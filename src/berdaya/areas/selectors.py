from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import Count, QuerySet

from berdaya.core.compiled import CompiledQuery
from berdaya.core.conf import conf

from .models import District, Regency, Village
from .services import DATA_DIR


@dataclass(frozen=True)
class DeploymentRegency:
    """The regency this deployment serves (BERDAYA_REGENCY): what the interface, SMS and prints call it."""

    code: str
    name: str  # "Kabupaten Merangin", "Kota Jambi"
    short_name: str  # "Merangin", "Jambi"
    government: str  # "Pemerintah Kabupaten Merangin"
    government_short: str  # "Pemkab Merangin", "Pemkot Jambi"


@lru_cache(maxsize=8)
def _regency_from_codes(code: str) -> DeploymentRegency:
    # From the vendored official codes rather than the database: the name is known before any area is loaded.
    with (DATA_DIR / "regencies.csv").open(encoding="utf-8", newline="") as handle:
        name = next((row["name"] for row in csv.DictReader(handle) if row["code"] == code), None)
    if name is None:
        return DeploymentRegency(code, code, code, code, code)
    kind, _, short = name.partition(" ")
    is_city = kind.lower() == "kota"
    return DeploymentRegency(
        code=code,
        name=name,
        short_name=short or name,
        government=f"Pemerintah {name}",
        government_short=f"{'Pemkot' if is_city else 'Pemkab'} {short or name}",
    )


def deployment_regency_code() -> str:
    return str(conf().default_regency)


def deployment_regency() -> DeploymentRegency:
    """The one place the regency's name comes from (cached per code; the codes never change at run time)."""
    return _regency_from_codes(deployment_regency_code())


def default_regency() -> Regency | None:
    return Regency.objects.filter(code=deployment_regency_code()).first()


def _districts_with_villages(regency: str) -> QuerySet[District]:
    return District.objects.filter(regency_id=regency, villages__isnull=False).distinct()


_DEPLOYMENT_DISTRICTS = CompiledQuery(_districts_with_villages, regency=str)


def deployment_districts() -> QuerySet[District]:
    """The deployment regency's districts with villages loaded: what drop-downs and aggregates offer. Villages of
    other regencies may be loaded too (another deployment's data, a neighbour for NIK checks); they are not ours."""
    return _districts_with_villages(deployment_regency_code())


def deployment_district_list() -> list[District]:
    """deployment_districts(), read: by a query compiled once (core.compiled), for a page that lists them all."""
    return _DEPLOYMENT_DISTRICTS(regency=deployment_regency_code())


def deployment_regencies() -> dict[str, str]:
    """code -> name of the regencies this deployment serves (BERDAYA_REGENCIES, else BERDAYA_REGENCY)."""
    codes = list(conf().regencies or []) or [conf().default_regency]
    names = dict(Regency.objects.filter(code__in=codes).values_list("code", "name"))
    return {code: names.get(code, code) for code in codes}


def districts_in_use() -> QuerySet[District]:
    """Districts of the deployment regency whose villages are loaded: the ones the interface offers."""
    return (
        District.objects.filter(regency_id=deployment_regency_code(), villages__isnull=False)
        .annotate(village_count=Count("villages"))
        .order_by("code")
    )


def villages_of(district_code: str) -> QuerySet[Village]:
    return Village.objects.filter(district_id=district_code).order_by("code")
