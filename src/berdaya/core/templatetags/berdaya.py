from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import template

from berdaya.core import charts, disclosure, masking, money
from berdaya.core.access import Capabilities

register = template.Library()


@register.filter
def nik(value: str | None, caps: Capabilities | None) -> str:
    """A NIK or KK number, masked unless the role needs it."""
    if not value:
        return ""
    return value if caps and caps.sees_identifiers else masking.mask_nik(value)


@register.filter
def phone(value: str | None, caps: Capabilities | None) -> str:
    if not value:
        return ""
    return value if caps and caps.sees_identifiers else masking.mask_phone(value)


@register.filter
def address(value: str | None, caps: Capabilities | None) -> str:
    if not value:
        return ""
    return value if caps and caps.sees_identifiers else masking.mask_text(value)


@register.filter
def rupiah(value: Any) -> str:
    """Rp1.500.000 in every interface language (core.money.format_rupiah)."""
    return money.format_rupiah(value)


@register.filter
def figure(value: Any) -> str:
    """A figure as the reader's language writes it (1.234.567 and 12,5 in Indonesian; 1,234,567 and 12.5 in English), a
    suppressed "<5" or a dash as it is (core.charts)."""
    return charts.number(value)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def pct(part: Any, whole: Any) -> float:
    try:
        return 100.0 * float(part) / float(whole) if whole else 0.0
    except (TypeError, ValueError):
        return 0.0


SMALL_COUNT = disclosure.SMALL_COUNT


@register.filter
def small(value: Any, rule: Any) -> Any:
    """A count for aggregate pages and exports: "<5" for a count of 1 to 4 that the user may not read exact.
    `rule` is the page's core.disclosure.Disclosure, or a role's Capabilities (the coordination rule: exact for
    officers and admins only)."""
    from django.contrib.humanize.templatetags.humanize import intcomma

    try:
        number = int(value)
    except (TypeError, ValueError):
        return value
    shown = disclosure.disclosure_of(rule).count(number)
    return shown if shown == disclosure.SUPPRESSED else intcomma(number)


@register.simple_tag
def share(part: Any, whole: Any, rule: Any, digits: int = 1) -> str:
    """`part` as a percentage of `whole` ("12,5%"), or "—" where the share would give a suppressed count back."""
    from django.template.defaultfilters import floatformat

    value = disclosure.disclosure_of(rule).share(part, whole)
    return "—" if value is None else f"{floatformat(value, digits)}%"


@register.simple_tag
def aggregate_max_minutes() -> int:
    """How old, at most, a stored regency-wide figure may be when a page shows it (BERDAYA_AGGREGATE_MAX_AGE): the
    scheduled job refreshes the default views every 10 minutes, any other filter is recomputed once it is older."""
    from django.conf import settings

    return max(1, round(settings.BERDAYA_AGGREGATE_MAX_AGE / 60))


# The main menu's links per (language, capabilities, unread notifications, URL prefix), kept by each worker: the same
# links for every reader of a role, which reversing 25 URLs and translating 30 labels rebuilt on every page. A
# restart (a deploy) empties it; no personal data is in it (links and a count of the reader's own notifications).
_MENUS: dict[tuple[Any, ...], str] = {}
MENUS_KEPT = 256


@register.simple_tag
def nav_menu(caps: Capabilities | None, unread: int) -> str:
    from django.template.loader import render_to_string
    from django.urls import get_script_prefix
    from django.utils.safestring import mark_safe
    from django.utils.translation import get_language

    key = (get_language(), caps, unread, get_script_prefix())
    html = _MENUS.get(key)
    if html is None:
        if len(_MENUS) >= MENUS_KEPT:
            _MENUS.clear()
        html = _MENUS[key] = render_to_string("core/_nav_menu.html", {"caps": caps, "unread": unread})
    return mark_safe(html)  # our own autoescaped template's output


# Each route's URL cut around its one integer argument, per (route, URL configuration, prefix, language): a list of
# 25 rows reversed 50 URLs through the resolver (≈ 40 µs each) on every page.
_ROUTES: dict[tuple[Any, ...], tuple[str, str] | None] = {}
_STAND_IN = 918_273_645


def _route_parts(name: str) -> tuple[str, str] | None:
    """The URL of route `name` (one integer argument) before and after the id, for the current URL configuration,
    script prefix and language; None when the stand-in id does not show in it once."""
    from django.urls import get_script_prefix, get_urlconf, reverse
    from django.utils.translation import get_language

    key = (name, get_urlconf(), get_script_prefix(), get_language())
    try:  # one read of the dict (another thread may empty it between a test and a second read)
        return _ROUTES[key]
    except KeyError:
        pass
    if len(_ROUTES) >= MENUS_KEPT:
        _ROUTES.clear()
    url = reverse(name, args=[_STAND_IN])
    head, found, tail = url.partition(str(_STAND_IN))
    parts = _ROUTES[key] = (head, tail) if found and str(_STAND_IN) not in tail else None
    return parts


@register.simple_tag
def pk_url(name: str, pk: Any) -> str:
    """`{% url name pk %}` for a route of one integer argument (a record's id), without the resolver on each call.
    Anything but a non-negative int goes through `reverse` as usual."""
    from django.urls import reverse

    if type(pk) is not int or pk < 0:
        return reverse(name, args=[pk])
    parts = _route_parts(name)
    if not parts:
        return reverse(name, args=[pk])
    return f"{parts[0]}{pk}{parts[1]}"


def pk_urls(name: str) -> Callable[[Any], str]:
    """`pk_url` of route `name` for many ids, the route's parts looked up once: for a loop written in Python, inside
    one request (the URL configuration, prefix and language of the call)."""
    parts = _route_parts(name)
    if not parts:
        return lambda pk: pk_url(name, pk)
    head, tail = parts
    return lambda pk: f"{head}{pk}{tail}" if type(pk) is int and pk >= 0 else pk_url(name, pk)
