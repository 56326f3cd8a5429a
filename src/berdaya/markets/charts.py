"""Price charts as inline SVG, drawn on the server: no JavaScript, no chart library, a few kilobytes.

Every chart is `role="img"` with a title and description, and the page shows the same numbers in a table next to it
(the accessible version). Colours come from presentation attributes, which the content security policy allows (it
forbids `style` attributes, not `stroke`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from berdaya.core.charts import number

PALETTE = ["#b35806", "#1b7837", "#2166ac", "#762a83", "#666666", "#d6604d"]
DASHES = ["", "6 3", "2 2", "8 2 2 2", "4 4", ""]


@dataclass
class Series:
    label: str
    points: list[int | None]  # one value per x label; None is a gap


def _nice_range(values: Sequence[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    if low == high:
        low, high = low * 0.9, high * 1.1 or 1
    pad = (high - low) * 0.08
    return max(0.0, low - pad), high + pad


def line_chart(
    labels: list[str], series: list[Series], *, title: str, desc: str = "", width: int = 720, height: int = 260
) -> SafeString:
    values = [v for s in series for v in s.points if v is not None]
    if not values or not labels:
        return mark_safe("")
    left, right, top, bottom = 64, 12, 12, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    low, high = _nice_range(values)
    n = len(labels)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - low) / (high - low))

    uid = abs(hash((title, n))) % 10**8
    parts = [
        f'<svg class="price-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="c{uid}t c{uid}d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="c{uid}t">{escape(title)}</title><desc id="c{uid}d">{escape(desc)}</desc>',
    ]
    for k in range(5):
        v = low + (high - low) * k / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11" fill="#444">{number(round(v))}</text>'
        )
    step = max(1, n // 8)
    for i in range(0, n, step):
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11" fill="#444">'
            f"{escape(labels[i])}</text>"
        )
    for idx, s in enumerate(series):
        colour, dash = PALETTE[idx % len(PALETTE)], DASHES[idx % len(DASHES)]
        segments: list[list[str]] = [[]]
        for i, value in enumerate(s.points):
            if value is None:
                segments.append([])
            else:
                segments[-1].append(f"{x(i):.1f},{y(value):.1f}")
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for seg in segments:
            if len(seg) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash_attr} points="{" ".join(seg)}"/>'
                )
            elif len(seg) == 1:
                cx, cy = seg[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{colour}"/>')
        lx = left + 8 + (idx % 3) * 200
        ly = height - 14 + 0 * idx
        if idx >= 3:
            ly = height - 2
        parts.append(
            f'<line x1="{lx}" x2="{lx + 22}" y1="{ly - 4}" y2="{ly - 4}" stroke="{colour}" stroke-width="2"{dash_attr}/>'
            f'<text x="{lx + 26}" y="{ly}" font-size="11" fill="#222">{escape(s.label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def sparkline(values: list[int | None], *, label: str, width: int = 96, height: int = 24) -> SafeString:
    """A tiny trend line for the public page; the numbers themselves are in the table."""
    present = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(present) < 2:
        return mark_safe("")
    low, high = min(v for _i, v in present), max(v for _i, v in present)
    span = (high - low) or 1
    n = len(values)
    pts = " ".join(
        f"{1 + (width - 2) * i / (n - 1):.1f},{height - 2 - (height - 4) * (v - low) / span:.1f}" for i, v in present
    )
    last_i, last_v = present[-1]
    lx = 1 + (width - 2) * last_i / (n - 1)
    ly = height - 2 - (height - 4) * (last_v - low) / span
    return mark_safe(
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        f'<polyline fill="none" stroke="#1b7837" stroke-width="1.5" points="{pts}"/>'
        f'<circle cx="{lx:.1f}" cy="{ly:.1f}" r="2" fill="#1b7837"/></svg>'
    )
