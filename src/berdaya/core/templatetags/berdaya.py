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


SMALL_COUNT = 5


@register.filter
def small(value, caps):
    """A count for aggregate pages. Below 5 (but not 0) it reads "<5" for roles that do not see people regency-wide:
    a tiny count in one village can point to a person (statistical disclosure control, UU 27/2022)."""
    from django.contrib.humanize.templatetags.humanize import intcomma

    try:
        number = int(value)
    except (TypeError, ValueError):
        return value
    if 0 < number < SMALL_COUNT and not (caps and caps.role in {"admin", "officer"}):
        return f"<{SMALL_COUNT}"
    return intcomma(number)
