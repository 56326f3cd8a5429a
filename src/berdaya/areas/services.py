"""Loading official areas from the vendored idn-area-data CSVs (ODbL, see data/LICENSE-ODbL.md)."""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Model

from berdaya.core.conf import conf

from .boundaries import centre_point, read_boundaries
from .models import District, Province, Regency, Village

M = TypeVar("M", bound=Model)

DATA_DIR = Path(__file__).resolve().parent / "data"
BOUNDARIES_DIR = DATA_DIR / "boundaries"
ATTRIBUTION = (
    "Kode dan nama wilayah: idn-area-data 4.0.1 (ODbL 1.0, © kontributor idn-area-data); "
    "batas wilayah Merangin: cahyadsn/wilayah_boundaries (MIT)."
)


@dataclass(frozen=True)
class LoadResult:
    provinces: int
    regencies: int
    districts: int
    villages: int


class UnknownRegency(ValueError):
    pass


def _rows(name: str) -> Iterator[dict[str, str]]:
    path = DATA_DIR / name
    if name.endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            yield from csv.DictReader(handle)
    else:
        with path.open(encoding="utf-8", newline="") as handle:
            yield from csv.DictReader(handle)


def _decimal_point(lon: float, lat: float) -> tuple[Decimal, Decimal]:
    return Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")


def loaded_boundaries_dir() -> Path:
    """Where `areas load --boundaries` keeps the outlines it loaded: beside the uploads, outside the code."""
    return Path(settings.DATA_DIR) / "boundaries"


def _boundary_files(level: str) -> list[Path]:
    # Shipped first, loaded after: a loaded outline replaces a shipped one with the same code.
    return sorted(BOUNDARIES_DIR.glob(f"*_{level}.geojson")) + sorted(
        loaded_boundaries_dir().glob(f"*_{level}.geojson")
    )


def _centroids() -> dict[str, tuple[Decimal, Decimal]]:
    """A point inside each village (boundaries.centre_point) for the villages whose outlines we have."""
    result: dict[str, tuple[Decimal, Decimal]] = {}
    for path in _boundary_files("villages"):
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            point = centre_point(feature["geometry"])
            if point is not None:
                result[feature["properties"]["code"]] = _decimal_point(*point)
    return result


def _upsert(model: type[M], objects: list[M], fields: list[str]) -> int:
    model._default_manager.bulk_create(
        objects,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=fields,
    )
    return len(objects)


@transaction.atomic
def areas_load(*, regency_codes: list[str]) -> LoadResult:
    """Load all provinces, regencies and districts of Indonesia, and the villages of the given regencies.

    Idempotent: rows are upserted by code, so running it twice changes nothing.
    """
    known_regencies = {row["code"] for row in _rows("regencies.csv")}
    unknown = [code for code in regency_codes if code not in known_regencies]
    if unknown:
        raise UnknownRegency(", ".join(unknown))

    provinces = [Province(code=r["code"], name=r["name"]) for r in _rows("provinces.csv")]
    regencies = [
        Regency(code=r["code"], province_id=r["province_code"], name=r["name"]) for r in _rows("regencies.csv")
    ]
    districts = [District(code=r["code"], regency_id=r["regency_code"], name=r["name"]) for r in _rows("districts.csv")]
    centroids = _centroids()
    wanted = tuple(code + "." for code in regency_codes)
    villages = []
    for r in _rows("villages.csv.gz"):
        if not r["code"].startswith(wanted):
            continue
        lat, lon = centroids.get(r["code"], (None, None))
        villages.append(
            Village(
                code=r["code"],
                district_id=r["district_code"],
                name=r["name"],
                kind=Village.kind_from_code(r["code"]),
                latitude=lat,
                longitude=lon,
            )
        )
    return LoadResult(
        provinces=_upsert(Province, provinces, ["name"]),
        regencies=_upsert(Regency, regencies, ["province", "name"]),
        districts=_upsert(District, districts, ["regency", "name"]),
        villages=_upsert(Village, villages, ["district", "name", "kind", "latitude", "longitude"]),
    )


def boundaries_geojson(level: str, regency_code: str | None = None) -> dict | None:
    """The outlines ("districts" or "villages") of the regency (default: the deployment's), shipped or loaded with
    `areas load --boundaries`, or None when there are none."""
    prefix = (regency_code or str(conf().default_regency)) + "."
    features: dict[str, dict] = {}
    for path in _boundary_files(level):
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            code = feature["properties"]["code"]
            if code.startswith(prefix):
                features[code] = feature
    if not features:
        return None
    return {"type": "FeatureCollection", "features": [features[code] for code in sorted(features)]}


@dataclass(frozen=True)
class BoundariesResult:
    districts: int
    villages: int
    centres: int
    skipped: int
    missing: int  # villages of the regency without an outline in the file


class VillagesNotLoaded(ValueError):
    pass


@transaction.atomic
def boundaries_load(*, path: Path, regency_code: str) -> BoundariesResult:
    """Load a regency's district and village outlines from a GeoJSON file with Kemendagri codes, and set each
    village's centre point from its outline. The villages must be loaded first (areas_load). Idempotent."""
    if not Village.objects.filter(code__startswith=regency_code + ".").exists():
        raise VillagesNotLoaded(
            f"Belum ada desa/kelurahan {regency_code}: jalankan dulu berdaya areas load --regency {regency_code}"
        )
    found = read_boundaries(path, regency_code)
    names = dict(District.objects.filter(regency_id=regency_code).values_list("code", "name"))
    for feature in found.districts:
        props = feature["properties"]
        if props["name"] == props["code"] and props["code"] in names:
            props["name"] = names[props["code"]]
    villages = {v.code: v for v in Village.objects.filter(code__startswith=regency_code + ".")}
    updated = []
    for feature in found.villages:
        village = villages.get(feature["properties"]["code"])
        point = centre_point(feature["geometry"])
        if village is None or point is None:
            continue
        village.latitude, village.longitude = _decimal_point(*point)
        updated.append(village)
    Village.objects.bulk_update(updated, ["latitude", "longitude"], batch_size=2000)
    target = loaded_boundaries_dir()
    target.mkdir(parents=True, exist_ok=True)
    for level, features in (("districts", found.districts), ("villages", found.villages)):
        out = target / f"{regency_code}_{level}.geojson"
        if features:
            out.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
        else:
            out.unlink(missing_ok=True)
    return BoundariesResult(
        districts=len(found.districts),
        villages=len(found.villages),
        centres=len(updated),
        skipped=found.skipped,
        missing=len(set(villages) - {f["properties"]["code"] for f in found.villages}),
    )
