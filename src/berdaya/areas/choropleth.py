"""Choropleth maps of districts or villages as inline SVG, drawn on the server from the loaded boundaries: offline, no
tile server, no JavaScript.

The outlines (shipped or loaded with `berdaya areas load --boundaries`, WGS84 lon/lat) are projected with an
equirectangular projection scaled by cos(latitude) (at 2° S the distortion over a regency is negligible) and cached
per process, since they do not change while the server runs.

- Classes: up to five classes from the quantiles of the positive values (rounded, strictly increasing), coloured on
  ColorBrewer's YlGnBu scale (colour-blind safe, prints in grey); zero and "no data" have their own light grey, a
  suppressed count ("<5", core.disclosure) its own hatched grey, so a suppressed value is never given a class.
- Labels: the name at a point inside each area (areas.boundaries.centre_point); placed largest area first and skipped
  when its box would overlap a label already placed (the table beside the map lists every area anyway).
- Every area has a `<title>` (name and value) and, when `link` is given, is a link (e.g. into the district's villages).

Public API (stable; `monitoring` and `reports` use it):
- `projection(level, *, within=None, regency=None) -> Projection | None`: the shapes of "districts" (of the regency)
  or "villages" (of one district when `within` is a district code).
- `choropleth(level, values, *, title, unit="", within=None, link=None, width=640) -> Choropleth | None`: the map;
  `values` maps an area code to a number, None or a string such as "<5". `Choropleth.svg` is the SafeString,
  `.legend` the classes, `.rows` the table (code, name, value, class), sorted by name.
- `class_bounds(values, k=5)`, `COLOURS`.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from berdaya.core.charts import number
from berdaya.core.conf import conf

from .boundaries import centre_point
from .services import boundaries_geojson

COLOURS = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"]  # ColorBrewer YlGnBu, 5 classes
NO_DATA = "#eeeeee"
SUPPRESSED_FILL = "url(#hatch)"
PADDING = 8.0
LABEL_FONT = 11

Value = int | float | str | None


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    path: str
    label_x: float
    label_y: float
    area: float  # in projected units², to place the labels of large areas first


@dataclass(frozen=True)
class Projection:
    shapes: tuple[Shape, ...]
    width: float
    height: float


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def projection(
    level: str, *, within: str | None = None, regency: str | None = None, width: float = 640.0
) -> Projection | None:
    """The projected shapes of `level` ("districts" or "villages") of the regency (default: the deployment's), only
    the villages of district `within` when given; None when no outline is loaded."""
    return _projection(level, within or "", regency or str(conf().default_regency), float(width))


@functools.cache
def _projection(level: str, within: str, regency: str, width: float) -> Projection | None:
    data = boundaries_geojson(level, regency)
    if not data:
        return None
    features = [f for f in data["features"] if not within or f["properties"]["code"].startswith(within + ".")]
    if not features:
        return None
    rings_of = [(f["properties"], _rings(f["geometry"]), f["geometry"]) for f in features]
    points = [p for _props, rings, _g in rings_of for ring in rings for p in ring]
    min_lon, max_lon = min(p[0] for p in points), max(p[0] for p in points)
    min_lat, max_lat = min(p[1] for p in points), max(p[1] for p in points)
    k = math.cos(math.radians((min_lat + max_lat) / 2))
    scale = (width - 2 * PADDING) / max((max_lon - min_lon) * k, 1e-9)
    height = (max_lat - min_lat) * scale + 2 * PADDING

    def xy(p: Sequence[float]) -> tuple[float, float]:
        return PADDING + (p[0] - min_lon) * k * scale, PADDING + (max_lat - p[1]) * scale

    shapes = []
    for props, rings, geometry in rings_of:
        parts = []
        area = 0.0
        for ring in rings:
            coords = [xy(p) for p in ring]
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in coords) + "Z")
            area += abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(coords))) / 2
        centre = centre_point(geometry)
        lx, ly = xy(centre) if centre else xy(rings[0][0])
        shapes.append(Shape(props["code"], props["name"], "".join(parts), round(lx, 1), round(ly, 1), area))
    return Projection(tuple(shapes), width, round(height, 1))


def _num(value: Value) -> float | None:
    if value is None or isinstance(value, str):
        return None
    return float(value)


def class_bounds(values: Sequence[Value], k: int = 5) -> list[float]:
    """Upper bounds of up to `k` classes from the quantiles of the positive values, rounded to two significant
    digits and strictly increasing; the last bound is the maximum. Empty when no value is positive."""
    positive = sorted(v for v in (_num(x) for x in values) if v is not None and v > 0)
    if not positive:
        return []
    bounds: list[float] = []
    for i in range(1, k + 1):
        q = positive[min(len(positive) - 1, math.ceil(i * len(positive) / k) - 1)]
        if i < k:
            q = _two_digits(q)
        if not bounds or q > bounds[-1]:
            bounds.append(q)
    if bounds[-1] < positive[-1]:
        bounds.append(positive[-1])
    return bounds


def _two_digits(value: float) -> float:
    """`value` rounded to two significant digits (1234 -> 1200, 0.456 -> 0.46), for readable class bounds."""
    if value <= 0:
        return value
    digits = 1 - math.floor(math.log10(value))
    rounded = round(value, digits)
    return float(int(rounded)) if digits <= 0 else rounded


@dataclass(frozen=True)
class LegendItem:
    colour: str
    label: str
    hatched: bool = False


@dataclass(frozen=True)
class MapRow:
    code: str
    name: str
    value: Value
    klass: int  # 0 none/zero, -1 suppressed, 1..k


@dataclass(frozen=True)
class Choropleth:
    svg: SafeString
    legend: list[LegendItem]
    rows: list[MapRow]
    title: str


def _class_of(value: Value, bounds: list[float]) -> int:
    if isinstance(value, str):
        return -1
    v = _num(value)
    if v is None or v <= 0:
        return 0
    for i, upper in enumerate(bounds, start=1):
        if v <= upper:
            return i
    return len(bounds)


def _colour(klass: int, nclasses: int) -> str:
    if klass < 0:
        return SUPPRESSED_FILL
    if klass == 0:
        return NO_DATA
    # Spread fewer classes over the whole scale, so two classes are still far apart.
    index = round((klass - 1) * (len(COLOURS) - 1) / max(1, nclasses - 1)) if nclasses > 1 else len(COLOURS) - 2
    return COLOURS[index]


def _bound(value: float) -> str:
    # A class bound that is a whole number is written as one ("1–160 orang", not "1–160,0"); a fraction keeps its
    # decimal.
    return number(int(value) if float(value).is_integer() else value)


def _legend(bounds: list[float], any_suppressed: bool, unit: str) -> list[LegendItem]:
    items = [LegendItem(NO_DATA, _("0 / tidak ada data"))]
    lower = 0.0
    for i, upper in enumerate(bounds, start=1):
        low_text = _bound(math.floor(lower) + 1 if float(lower).is_integer() and float(upper).is_integer() else lower)
        text = _bound(upper) if i == 1 and lower == 0 and upper <= 1 else f"{low_text}–{_bound(upper)}"
        items.append(LegendItem(_colour(i, len(bounds)), f"{text} {unit}".strip()))
        lower = upper
    if any_suppressed:
        items.append(LegendItem(SUPPRESSED_FILL, _("<5 (disamarkan)"), hatched=True))
    return items


def _place_labels(shapes: Sequence[Shape], scale: float) -> list[tuple[Shape, float, float]]:
    """Labels largest area first; one whose box overlaps a placed one is tried just above and below, else skipped."""
    placed: list[tuple[float, float, float, float]] = []
    result = []
    font = LABEL_FONT * scale
    for shape in sorted(shapes, key=lambda s: -s.area):
        w = len(shape.name) * font * 0.56 + 2
        h = font + 2
        for dy in (0.0, -h, h):
            x0, y0 = shape.label_x - w / 2, shape.label_y + dy - h / 2
            box = (x0, y0, x0 + w, y0 + h)
            if all(box[2] <= b[0] or box[0] >= b[2] or box[3] <= b[1] or box[1] >= b[3] for b in placed):
                placed.append(box)
                result.append((shape, shape.label_x, shape.label_y + dy))
                break
    return result


def choropleth(
    level: str,
    values: Mapping[str, Value],
    *,
    title: str,
    unit: str = "",
    within: str | None = None,
    link: Callable[[str], str] | None = None,
    width: float = 640.0,
) -> Choropleth | None:
    """The map of `values` (area code -> value) over `level`'s shapes (module docstring); None without outlines."""
    proj = projection(level, within=within, width=width)
    if proj is None:
        return None
    bounds = class_bounds(list(values.values()))
    rows = [
        MapRow(s.code, s.name, values.get(s.code), _class_of(values.get(s.code), bounds))
        for s in sorted(proj.shapes, key=lambda s: s.name)
    ]
    klass = {r.code: r.klass for r in rows}
    any_suppressed = any(r.klass < 0 for r in rows)
    legend = _legend(bounds, any_suppressed, unit)
    # Text keeps its size on the page: the drawing is scaled to the container, so label sizes follow the width.
    scale = width / 640.0
    legend_h = (20 * len(legend) + 8) * scale
    height = proj.height + legend_h
    uid = abs(hash((level, within, title))) % 10**8
    parts = [
        f'<svg class="choropleth" viewBox="0 0 {width:.0f} {height:.0f}" width="100%" role="img" '
        f'aria-labelledby="m{uid}t m{uid}d" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif">',
        f'<title id="m{uid}t">{escape(title)}</title>',
        f'<desc id="m{uid}d">{escape(title)}: '
        f"{escape(_('peta %(n)s wilayah, nilai lengkap di tabel.') % {'n': len(rows)})}</desc>",
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#d9d9d9"/><line x1="0" y1="0" x2="0" y2="6" stroke="#888" stroke-width="2"/>'
        "</pattern></defs>",
    ]
    by_code = {r.code: r for r in rows}
    for shape in proj.shapes:
        row = by_code[shape.code]
        # "Jangkat: 1.234 orang"; without a value, "Jangkat: tidak ada data" (no unit after it).
        value_text = f"{number(row.value)} {unit}".strip() if row.value is not None else _("tidak ada data")
        tip = escape(f"{shape.name}: {value_text}")
        path = (
            f'<path d="{shape.path}" fill="{_colour(klass[shape.code], len(bounds))}" stroke="#555" '
            f'stroke-width="{0.8 * scale:.1f}"><title>{tip}</title></path>'
        )
        if link is not None:
            path = f'<a href="{escape(link(shape.code))}" aria-label="{tip}">{path}</a>'
        parts.append(path)
    font = LABEL_FONT * scale
    for shape, x, y in _place_labels(proj.shapes, scale):
        parts.append(
            f'<text x="{x:.1f}" y="{y + font / 3:.1f}" font-size="{font:.1f}" text-anchor="middle" fill="#111" '
            f'stroke="#fff" stroke-width="{2.5 * scale:.1f}" paint-order="stroke" pointer-events="none">'
            f"{escape(shape.name)}</text>"
        )
    y = proj.height + 8
    for item in legend:
        parts.append(
            f'<rect x="{PADDING:.0f}" y="{y:.1f}" width="{16 * scale:.1f}" height="{12 * scale:.1f}" '
            f'fill="{item.colour}" stroke="#555" stroke-width="0.5"/>'
        )
        parts.append(
            f'<text x="{PADDING + 22 * scale:.1f}" y="{y + 10 * scale:.1f}" font-size="{12 * scale:.1f}">'
            f"{escape(item.label)}</text>"
        )
        y += 20 * scale
    parts.append("</svg>")
    return Choropleth(mark_safe("".join(parts)), legend, rows, title)  # every text above is escaped
