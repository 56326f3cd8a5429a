"""Template helpers of programmes: certificate initials, attendance shares, status badges (Rupiah: core's `rupiah`)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def initials(name: str | None) -> str:
    """'Siti Aminah Lubis' -> 'S. A. L.': enough for a certificate check without publishing a name."""
    if not name:
        return ""
    return " ".join(f"{word[0].upper()}." for word in name.split() if word[:1].isalpha())


@register.filter
def percent_of(part, whole) -> int:
    try:
        return int(int(part) * 100 // int(whole)) if int(whole) else 0
    except (TypeError, ValueError):
        return 0


STATUS_CLASSES = {
    "draft": "text-bg-secondary",
    "open": "text-bg-info",
    "running": "text-bg-primary",
    "closed": "text-bg-dark",
    "proposed": "text-bg-light border",
    "enrolled": "text-bg-info",
    "active": "text-bg-primary",
    "completed": "text-bg-success",
    "dropped_out": "text-bg-warning",
    "rejected": "text-bg-secondary",
    "planned": "text-bg-light border",
    "approved": "text-bg-info",
    "disbursed": "text-bg-primary",
    "acknowledged": "text-bg-success",
    "cancelled": "text-bg-secondary",
}


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "text-bg-light border")
