"""Outlines of districts and villages from GeoJSON files with Kemendagri codes, and village centre points.

Geometry is plain GeoJSON (WGS84 lon/lat) read with the standard library: the app draws its maps as SVG and needs
only a point inside each village for distances, so a GIS stack (GDAL, GEOS) would be a heavy install for little.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

CODE_KEYS = ("code", "kode", "kode_wilayah", "kode_kemendagri", "kdepum", "kd_wilayah", "id")
NAME_KEYS = ("name", "nama", "nama_wilayah", "wadmkd", "wadmkc", "namobj")


class BoundaryFileError(ValueError):
    """The file cannot be used; the message says why in Bahasa Indonesia."""


def normalise_code(raw: object) -> str | None:
    """'15.02.01.2001', '1502012001' or 1502012001 -> '15.02.01.2001'; '150201' -> '15.02.01'; else None."""
    digits = re.sub(r"\D", "", str(raw or ""))
    if len(digits) == 6:
        return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}"
    if len(digits) == 10:
        return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"
    return None


def polygons(geometry: dict | None) -> list[list[list[list[float]]]]:
    """The polygons (each a list of rings, the first the outer one) of a Polygon or MultiPolygon; else []."""
    if not geometry:
        return []
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"]]
    if geometry.get("type") == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


def _ring_area_centroid(ring: list[list[float]]) -> tuple[float, float, float]:
    """Signed area and area centroid (shoelace formula) of a ring."""
    area = cx = cy = 0.0
    for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    area /= 2
    if area == 0:
        n = len(ring)
        return 0.0, sum(p[0] for p in ring) / n, sum(p[1] for p in ring) / n
    return area, cx / (6 * area), cy / (6 * area)


def _inside(x: float, y: float, rings: list[list[list[float]]]) -> bool:
    inside = False
    for ring in rings:
        for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                inside = not inside
    return inside


def _crossings(y: float, rings: list[list[list[float]]]) -> list[float]:
    xs = []
    for ring in rings:
        for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y0 > y) != (y1 > y):
                xs.append(x0 + (y - y0) * (x1 - x0) / (y1 - y0))
    return sorted(xs)


def centre_point(geometry: dict) -> tuple[float, float] | None:
    """(lon, lat) of a point inside the village: the area centroid of its largest polygon when that lies inside
    (the usual case), otherwise the middle of the widest span across the polygon at the centroid's latitude (a
    crescent-shaped village's centroid falls outside it; a distance from outside the village would mislead)."""
    candidates = [(abs(_ring_area_centroid(p[0])[0]), p) for p in polygons(geometry) if p and len(p[0]) >= 3]
    if not candidates:
        return None
    _area, polygon = max(candidates, key=lambda c: c[0])
    _signed, cx, cy = _ring_area_centroid(polygon[0])
    if _inside(cx, cy, polygon):
        return cx, cy
    xs = _crossings(cy, polygon)
    spans = [(xs[i + 1] - xs[i], (xs[i] + xs[i + 1]) / 2) for i in range(0, len(xs) - 1, 2)]
    if spans:
        return max(spans)[1], cy
    return cx, cy


@dataclass
class BoundarySet:
    """The outlines of one regency, as GeoJSON FeatureCollections with properties {code, name}."""

    districts: list[dict]
    villages: list[dict]
    skipped: int = 0


def _property(props: dict, keys: Iterable[str]) -> object:
    lowered = {str(k).lower(): v for k, v in props.items()}
    for key in keys:
        if lowered.get(key) not in (None, ""):
            return lowered[key]
    return None


def read_boundaries(path: Path, regency_code: str) -> BoundarySet:
    """The district and village outlines of one regency from a GeoJSON file. Features of other regencies are left
    out (a province-wide file is fine); features without a usable code or geometry are counted as skipped."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BoundaryFileError(f"Berkas batas wilayah tidak ditemukan: {path}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BoundaryFileError(f"Berkas {path} bukan GeoJSON yang sah: {exc}") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BoundaryFileError(f"Berkas {path} bukan GeoJSON FeatureCollection.")
    prefix = regency_code + "."
    result = BoundarySet([], [])
    for feature in data.get("features") or []:
        props = feature.get("properties") or {}
        code = normalise_code(_property(props, CODE_KEYS))
        if code is None or not polygons(feature.get("geometry")):
            result.skipped += 1
            continue
        if not code.startswith(prefix):
            continue
        name = str(_property(props, NAME_KEYS) or code)
        clean = {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": feature["geometry"]}
        (result.villages if code.count(".") == 3 else result.districts).append(clean)
    if not result.districts and not result.villages:
        raise BoundaryFileError(
            f"Tidak ada batas kecamatan atau desa/kelurahan kabupaten/kota {regency_code} di {path}. Setiap fitur "
            "perlu properti kode Kemendagri (mis. 'code': '15.01.01.2001' atau '1501012001')."
        )
    if not result.districts:
        result.districts = districts_from_villages(result.villages)
    return result


def districts_from_villages(villages: list[dict]) -> list[dict]:
    """District shapes made of their villages' polygons (drawn together they cover the district; the inner borders
    are not dissolved, which a filled map does not show)."""
    grouped: dict[str, list] = {}
    for feature in villages:
        grouped.setdefault(feature["properties"]["code"][:8], []).extend(polygons(feature["geometry"]))
    return [
        {
            "type": "Feature",
            "properties": {"code": code, "name": code},
            "geometry": {"type": "MultiPolygon", "coordinates": parts},
        }
        for code, parts in sorted(grouped.items())
    ]
