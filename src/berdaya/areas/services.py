"""Loading official areas from the vendored idn-area-data CSVs (ODbL, see data/LICENSE-ODbL.md)."""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from .models import District, Province, Regency, Village

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


def _centroids() -> dict[str, tuple[Decimal, Decimal]]:
    """Village centroids (mean of the outer ring's vertices) for the regencies we ship boundaries for."""
    result: dict[str, tuple[Decimal, Decimal]] = {}
    for path in BOUNDARIES_DIR.glob("*_villages.geojson"):
        data = json.loads(path.read_text(encoding="utf-8"))
        for feature in data["features"]:
            geometry = feature["geometry"]
            rings = (
                [geometry["coordinates"][0]]
                if geometry["type"] == "Polygon"
                else [poly[0] for poly in geometry["coordinates"]]
            )
            ring = max(rings, key=len)
            lon = sum(p[0] for p in ring) / len(ring)
            lat = sum(p[1] for p in ring) / len(ring)
            result[feature["properties"]["code"]] = (
                Decimal(f"{lat:.6f}"),
                Decimal(f"{lon:.6f}"),
            )
    return result


def _upsert(model, objects: list, fields: list[str]) -> int:
    model.objects.bulk_create(
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


def boundaries_geojson(level: str) -> dict | None:
    """The shipped GeoJSON outlines ("districts" or "villages"), or None when none are shipped."""
    paths = sorted(BOUNDARIES_DIR.glob(f"*_{level}.geojson"))
    if not paths:
        return None
    features: list[dict] = []
    for path in paths:
        features.extend(json.loads(path.read_text(encoding="utf-8"))["features"])
    return {"type": "FeatureCollection", "features": features}
