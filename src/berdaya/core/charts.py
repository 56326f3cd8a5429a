"""Charts as inline SVG, drawn on the server: bar, stacked bar and line. No JavaScript, no chart library.

Every chart is one `<svg role="img">` with a `<title>` and a `<desc>` (screen readers read those), scales to the
width of its container through its viewBox, and keeps its text at least ~10 px on a 360 px phone (the default width
of 480 units and 13-unit text). The page shows the same numbers as a table next to it: the chart is the picture, the
table is the accessible and downloadable version (monitoring, reports).

Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies), set through presentation
attributes (`fill`, `stroke`): the content security policy forbids `style` attributes, not these.

Values may be a number, None (no data: nothing drawn) or a string such as "<5" (a count suppressed by
core.disclosure): a string is never drawn as a bar or a point, only written as its label, so a chart never shows a
suppressed count by its length.

Public API (stable; `monitoring` and `reports` use it):
- `Series(label, values)`: one series, one value per category label.
- `bar_chart(labels, series, *, title, desc="", unit="", width=480) -> SafeString`: horizontal bars, grouped when
  several series are given.
- `stacked_bar_chart(labels, series, *, title, desc="", unit="", width=480) -> SafeString`: horizontal bars, one per
  label, its segments the series (a legend below).
- `line_chart(labels, series, *, title, desc="", unit="", width=480, height=260) -> SafeString`: one line per series
  over the labels (e.g. months), gaps where a value is missing.
- `PALETTE`, `number(value)` (grouped as the active language writes numbers).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

Value = int | float | str | None

# Okabe & Ito (2008): distinguishable with protanopia, deuteranopia and tritanopia.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
DASHES = ["", "6 3", "2 2", "8 2 2 2", "4 4", "1 3", "10 3", ""]
FONT = 13
_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    """One series of a chart: `values[i]` belongs to the chart's `labels[i]`."""

    label: str
    values: Sequence[Value] = field(default_factory=list)


def _num(value: Value) -> float | None:
    """The value to draw, or None (missing or suppressed)."""
    if value is None or isinstance(value, str):
        return None
    return float(value)


def number(value: Value) -> str:
    """A value as the reader's language writes it: in Indonesian 1.234.567 (integers), 12,5 and 2,0 (floats keep
    one decimal: a share or a mean, never read as a count); in English 1,234,567 and 12.5 (Django's formats of the
    active language, grouping always); strings as they are."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if isinstance(value, int) or (not isinstance(value, float) and float(value).is_integer()):
        return number_format(int(value), force_grouping=True, use_l10n=True)
    return number_format(round(float(value), 1), 1, force_grouping=True, use_l10n=True)


def _axis_end(high: float) -> str:
    """The axis end as written: a whole number without a decimal (an axis of counts reads "0 – 500 orang", not
    "500,0"); a fraction (the end of an axis of shares) with its decimal."""
    return number(int(high) if high >= 1 and float(high).is_integer() else high)


def _total(cells: Sequence[Value]) -> Value:
    """The sum of a bar's drawn segments, of the values' own kind: counts add up to a count (418, never "418,0"),
    floats to a float."""
    return sum((v for v in cells if v is not None and not isinstance(v, str)), start=0)


def _nice_max(high: float) -> float:
    """The smallest 1/2/2.5/5 × 10^k at or above `high` (the axis end)."""
    if high <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(high))
    for step in (1, 2, 2.5, 5, 10):
        if high <= step * exp:
            return step * exp
    return 10 * exp


def _open(width: float, height: float, title: str, desc: str, css: str) -> list[str]:
    uid = f"ch{next(_ids)}"
    return [
        f'<svg class="chart {css}" viewBox="0 0 {width:.0f} {height:.0f}" width="100%" role="img" '
        f'aria-labelledby="{uid}t {uid}d" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" '
        f'font-size="{FONT}">',
        f'<title id="{uid}t">{escape(title)}</title><desc id="{uid}d">{escape(desc or title)}</desc>',
    ]


def _empty(title: str, width: float) -> SafeString:
    parts = _open(width, 40, title, title, "chart-empty")
    parts.append(f'<text x="4" y="24" fill="#555">{escape(_("Belum ada data."))}</text></svg>')
    return mark_safe("".join(parts))  # every text above is escaped


def _label_width(labels: Sequence[str], width: float) -> float:
    longest = max((len(str(label)) for label in labels), default=4)
    return min(width * 0.38, 12 + longest * FONT * 0.55)


def _fit(label: str, room: float) -> str:
    """The label as a category name: shortened with "…" to the room beside the bars, its full text in a <title>."""
    chars = max(4, int((room - 8) / (FONT * 0.55)))
    if len(label) <= chars:
        return escape(label)
    return f"{escape(label[: chars - 1])}…<title>{escape(label)}</title>"


def _legend(series: Sequence[Series], y: float, width: float, left: float) -> tuple[list[str], float]:
    """Swatches with labels, wrapped onto as many rows as the width needs; returns the parts and the height used."""
    parts: list[str] = []
    x, row_y = left, y
    for i, s in enumerate(series):
        text_w = 18 + len(s.label) * FONT * 0.55 + 14
        if x + text_w > width and x > left:
            x, row_y = left, row_y + FONT + 8
        parts.append(f'<rect x="{x:.1f}" y="{row_y - FONT + 2:.1f}" width="12" height="12" fill="{PALETTE[i % 8]}"/>')
        parts.append(f'<text x="{x + 16:.1f}" y="{row_y:.1f}">{escape(s.label)}</text>')
        x += text_w
    return parts, row_y - y + FONT + 8


def bar_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str = "",
    unit: str = "",
    width: int = 480,
) -> SafeString:
    """Horizontal bars: one group per label, one bar per series in it, each with its value written at its end.

    Horizontal because category names (districts, groups) are long and a phone is narrow."""
    labels = [str(label) for label in labels]
    values = [_num(v) for s in series for v in s.values]
    if not labels or not series or all(v is None for s in series for v in s.values):
        return _empty(title, width)
    high = _nice_max(max((v for v in values if v is not None), default=0.0))
    left = _label_width(labels, width)
    value_room = 8 + FONT * 0.6 * max(len(number(v)) for s in series for v in s.values)
    plot_w = max(40.0, width - left - value_room - 4)
    bar_h = 16 if len(series) == 1 else 12
    group_h = bar_h * len(series) + 8
    legend_parts, legend_h = _legend(series, 0, width, 4) if len(series) > 1 else ([], 0.0)
    top = 6.0
    height = top + group_h * len(labels) + 22 + legend_h
    parts = _open(width, height, title, desc, "chart-bar")
    parts.append(
        f'<line x1="{left:.1f}" y1="{top:.1f}" x2="{left:.1f}" y2="{top + group_h * len(labels):.1f}" stroke="#888"/>'
    )
    for gi, label in enumerate(labels):
        gy = top + gi * group_h
        parts.append(
            f'<text x="{left - 6:.1f}" y="{gy + group_h / 2 + FONT / 3:.1f}" text-anchor="end">{_fit(label, left)}</text>'
        )
        for si, s in enumerate(series):
            raw = s.values[gi] if gi < len(s.values) else None
            v = _num(raw)
            y = gy + 4 + si * bar_h
            w = 0.0 if v is None else plot_w * max(v, 0.0) / high
            if v is not None:
                parts.append(
                    f'<rect x="{left:.1f}" y="{y:.1f}" width="{w:.1f}" height="{bar_h - 2}" fill="{PALETTE[si % 8]}">'
                    f"<title>{escape(f'{label} – {s.label}: {number(raw)} {unit}'.strip())}</title></rect>"
                )
            parts.append(
                f'<text x="{left + w + 4:.1f}" y="{y + bar_h - 4:.1f}" font-size="{FONT - 1}">{escape(number(raw))}</text>'
            )
    axis_y = top + group_h * len(labels) + 16
    parts.append(f'<text x="{left:.1f}" y="{axis_y:.1f}" font-size="{FONT - 2}" fill="#555">0</text>')
    parts.append(
        f'<text x="{left + plot_w:.1f}" y="{axis_y:.1f}" font-size="{FONT - 2}" fill="#555" text-anchor="end">'
        f"{escape(_axis_end(high))} {escape(unit)}</text>"
    )
    if legend_parts:
        parts.append(f'<g transform="translate(0 {axis_y + FONT + 6:.1f})">{"".join(legend_parts)}</g>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


def stacked_bar_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str = "",
    unit: str = "",
    width: int = 480,
) -> SafeString:
    """Horizontal stacked bars: one bar per label, one segment per series (e.g. completed / active / dropped out),
    the bar's total written at its end and a legend below. A suppressed segment ("<5") is left out of the bar and the
    total reads "≥" the sum of what is drawn, so no suppressed count can be measured off the picture."""
    labels = [str(label) for label in labels]
    if not labels or not series:
        return _empty(title, width)
    totals: list[float] = []
    written: list[Value] = []
    partial: list[bool] = []
    for gi in range(len(labels)):
        cells = [s.values[gi] if gi < len(s.values) else None for s in series]
        written.append(_total(cells))
        totals.append(float(written[-1] or 0))
        partial.append(any(isinstance(v, str) for v in cells))
    if not any(totals) and not any(partial):
        return _empty(title, width)
    high = _nice_max(max(totals))
    left = _label_width(labels, width)
    value_room = 12 + FONT * 0.6 * max(len(number(t)) + 1 for t in written)
    plot_w = max(40.0, width - left - value_room)
    bar_h, gap, top = 18.0, 8.0, 6.0
    legend_parts, legend_h = _legend(series, 0, width, 4)
    height = top + (bar_h + gap) * len(labels) + 22 + legend_h
    parts = _open(width, height, title, desc, "chart-stacked")
    for gi, label in enumerate(labels):
        y = top + gi * (bar_h + gap)
        parts.append(
            f'<text x="{left - 6:.1f}" y="{y + bar_h / 2 + FONT / 3:.1f}" text-anchor="end">{_fit(label, left)}</text>'
        )
        x = left
        for si, s in enumerate(series):
            raw = s.values[gi] if gi < len(s.values) else None
            v = _num(raw)
            if not v:
                continue
            w = plot_w * v / high
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{bar_h:.0f}" fill="{PALETTE[si % 8]}" '
                f'stroke="#fff" stroke-width="0.5"><title>{escape(f"{label} – {s.label}: {number(raw)} {unit}".strip())}'
                "</title></rect>"
            )
            x += w
        total = ("≥" if partial[gi] else "") + number(written[gi])
        parts.append(f'<text x="{x + 4:.1f}" y="{y + bar_h - 4:.1f}" font-size="{FONT - 1}">{escape(total)}</text>')
    axis_y = top + (bar_h + gap) * len(labels) + 12
    parts.append(
        f'<text x="{left + plot_w:.1f}" y="{axis_y:.1f}" font-size="{FONT - 2}" fill="#555" text-anchor="end">'
        f"0 – {escape(_axis_end(high))} {escape(unit)}</text>"
    )
    parts.append(f'<g transform="translate(0 {axis_y + FONT + 6:.1f})">{"".join(legend_parts)}</g>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str = "",
    unit: str = "",
    width: int = 480,
    height: int = 260,
) -> SafeString:
    """One line per series over the labels (time, left to right), a marker on every point (each with a hover title),
    a gap where a value is missing, and the axis from zero or near the lowest value. At most ~8 labels are written
    under the axis; every point keeps its own title."""
    labels = [str(label) for label in labels]
    values = [v for s in series for v in (_num(x) for x in s.values) if v is not None]
    if not labels or not values:
        return _empty(title, width)
    low, high = min(values), max(values)
    low = 0.0 if low >= 0 and low < (high - low) else low - (high - low) * 0.1
    high = high + (high - low) * 0.08 if high > low else (high or 1) * 1.1
    legend_parts, legend_h = _legend(series, 0, width, 4) if len(series) > 1 else ([], 0.0)
    left = 12 + FONT * 0.6 * max(len(number(round(high))), len(number(round(low))))
    right, top, bottom = 12.0, 10.0, 30.0
    plot_w, plot_h = width - left - right, height - top - bottom
    total_h = height + legend_h
    n = len(labels)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - low) / (high - low))

    parts = _open(width, total_h, title, desc, "chart-line")
    for k in range(5):
        v = low + (high - low) * k / 4
        parts.append(f'<line x1="{left:.1f}" x2="{width - right:.1f}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
        parts.append(
            f'<text x="{left - 4:.1f}" y="{y(v) + 4:.1f}" font-size="{FONT - 2}" text-anchor="end">{number(round(v))}</text>'
        )
    step = max(1, math.ceil(n / 8))
    for i in range(0, n, step):
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - 10:.1f}" font-size="{FONT - 2}" text-anchor="middle">{escape(labels[i])}</text>'
        )
    for si, s in enumerate(series):
        colour, dash = PALETTE[si % 8], DASHES[si % 8]
        segment: list[str] = []
        runs: list[list[str]] = []
        for i, raw in enumerate(s.values[:n]):
            point = _num(raw)
            if point is None:
                if segment:
                    runs.append(segment)
                segment = []
                continue
            segment.append(f"{x(i):.1f},{y(point):.1f}")
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(point):.1f}" r="3" fill="{colour}">'
                f"<title>{escape(f'{s.label}, {labels[i]}: {number(raw)} {unit}'.strip())}</title></circle>"
            )
        if segment:
            runs.append(segment)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for run in runs:
            if len(run) > 1:
                parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>'
                )
    if legend_parts:
        parts.append(f'<g transform="translate(0 {height + 4:.1f})">{"".join(legend_parts)}</g>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped
