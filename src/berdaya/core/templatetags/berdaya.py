from django import template

from berdaya.core import masking

register = template.Library()


@register.filter
def nik(value, caps):
    """A NIK or KK number, masked unless the role needs it."""
    if not value:
        return ""
    return value if caps and caps.sees_identifiers else masking.mask_nik(value)


@register.filter
def phone(value, caps):
    if not value:
        return ""
    return value if caps and caps.sees_identifiers else masking.mask_phone(value)


@register.filter
def address(value, caps):
    if not value:
        return ""
    return value if caps and caps.sees_identifiers else masking.mask_text(value)


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def pct(part, whole):
    try:
        return 100.0 * float(part) / float(whole) if whole else 0.0
    except (TypeError, ValueError):
        return 0.0
