"""A map of the deployment regency's districts as inline SVG, drawn on the server: no JavaScript map library, no tile server.

The shipped district outlines (berdaya.areas, WGS84 lon/lat) are projected once per process with an
equirectangular projection scaled by cos(latitude): at 2° S the distortion over a regency is negligible, and the
paths are cached because they never change while the server runs.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from django.utils.translation import gettext as _

from berdaya.areas.services import boundaries_geojson
from berdaya.core.conf import conf
from berdaya.core.disclosure import EXACT, Disclosure

WIDTH = 640.0
PADDING = 8.0
BINS = 5


@dataclass(frozen=True)
class DistrictShape:
    code: str
    name: str
    path: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Projection:
    shapes: tuple[DistrictShape, ...]
    width: float
    height: float


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def district_shapes() -> Projection | None:
    """The projected SVG paths of the deployment regency's district outlines, or None when it has none."""

    return _district_shapes(str(conf().default_regency))


@functools.cache
def _district_shapes(regency_code: str) -> Projection | None:
    data = boundaries_geojson("districts", regency_code)
    if not data or not data.get("features"):
        return None
    features = [(f["properties"], _rings(f["geometry"])) for f in data["features"]]
    points = [p for _props, rings in features for ring in rings for p in ring]
    min_lon, max_lon = min(p[0] for p in points), max(p[0] for p in points)
    min_lat, max_lat = min(p[1] for p in points), max(p[1] for p in points)
    k = math.cos(math.radians((min_lat + max_lat) / 2))
    scale = (WIDTH - 2 * PADDING) / ((max_lon - min_lon) * k)
    height = (max_lat - min_lat) * scale + 2 * PADDING

    def xy(p: list[float]) -> tuple[float, float]:
        return PADDING + (p[0] - min_lon) * k * scale, PADDING + (max_lat - p[1]) * scale

    shapes = []
    for props, rings in features:
        parts = []
        for ring in rings:
            coords = [xy(p) for p in ring]
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in coords) + "Z")
        # The label sits at the mean vertex of the largest ring: good enough for a district's name.
        largest = max(rings, key=len)
        lx = sum(xy(p)[0] for p in largest) / len(largest)
        ly = sum(xy(p)[1] for p in largest) / len(largest)
        shapes.append(DistrictShape(props["code"], props["name"], "".join(parts), round(lx, 1), round(ly, 1)))
    return Projection(tuple(shapes), WIDTH, round(height, 1))


@dataclass(frozen=True)
class MapArea:
    code: str
    name: str
    path: str
    label_x: float
    label_y: float
    value: int
    bin: int
    title: str


@dataclass(frozen=True)
class LegendItem:
    bin: int
    label: str


@dataclass(frozen=True)
class ChoroplethMap:
    areas: list[MapArea]
    legend: list[LegendItem]
    width: float
    height: float
    caption: str


def _bounds(maximum: int) -> list[int]:
    """Upper bounds of bins 1..BINS-1 (bin 0 is "none"), rounded to whole numbers and strictly increasing."""
    if maximum <= 0:
        return []
    steps = min(BINS - 1, maximum)
    bounds = sorted({max(1, math.ceil(maximum * (i + 1) / steps)) for i in range(steps)})
    return bounds


def choropleth(values: dict[str, int], *, unit: str, caption: str, shown: Disclosure = EXACT) -> ChoroplethMap | None:
    """Districts coloured by `values` (district code -> count) in BINS classes: 0 is its own class, the rest split
    the range up to the maximum evenly. Each area carries a title for screen readers and hover, with the count as
    `shown` lets the user read it (core.disclosure)."""
    projection = district_shapes()
    if projection is None:
        return None
    bounds = _bounds(max(values.values(), default=0))

    def bin_of(v: int) -> int:
        if v <= 0:
            return 0
        for i, upper in enumerate(bounds, start=1):
            if v <= upper:
                return i
        return len(bounds)

    areas = [
        MapArea(
            code=s.code,
            name=s.name,
            path=s.path,
            label_x=s.label_x,
            label_y=s.label_y,
            value=values.get(s.code, 0),
            bin=bin_of(values.get(s.code, 0)),
            title=f"{s.name}: {shown.count(values.get(s.code, 0))} {unit}",
        )
        for s in projection.shapes
    ]
    legend = [LegendItem(0, _("tidak ada"))]
    lower = 1
    for i, upper in enumerate(bounds, start=1):
        legend.append(LegendItem(i, f"{lower}" if lower == upper else f"{lower}–{upper}"))
        lower = upper + 1
    return ChoroplethMap(areas, legend, projection.width, projection.height, caption)
