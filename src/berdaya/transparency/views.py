"""The public transparency page: no login, no JavaScript, a few kilobytes, cached (like the public price page).

Only aggregates, with small counts suppressed by core.disclosure; the sections come from the registry in
.sections, so an upper app (grievances) adds its own without this app importing it."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import cache_page

from berdaya.core.conf import conf
from berdaya.core.disclosure import SUPPRESSED

from . import selectors
from .sections import sections


def _public_cache(view):
    def wrapper(request, *args, **kwargs):
        seconds = int(conf().public_transparency_cache_seconds)
        response = cache_page(seconds, key_prefix="transparansi")(view)(request, *args, **kwargs)
        # Shared caches (an operator's proxy) may keep it too: the page holds no personal data.
        patch_cache_control(response, public=True, max_age=seconds)
        return response

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _year(request) -> int:
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("tahun") or this_year)
    except ValueError:
        return this_year
    return year if 2000 <= year <= this_year + 1 else this_year


def _cell(value: object) -> dict:
    """A table cell: numbers (and suppressed counts) right-aligned, thousands separated by the template."""
    return {"value": value, "number": isinstance(value, int | float) or value == SUPPRESSED}


def _index(request):
    """Transparansi: the districts of the deployment."""
    return render(request, "transparency/index.html", {"districts": selectors.districts()})


def _area(request, code: str):
    """Transparansi per kecamatan or desa: programmes, people reached, assistance delivered, and every registered
    section (grievances...), aggregates only."""
    year = _year(request)
    area = selectors.area_of(code, year)
    if area is None:
        raise Http404
    tables = []
    for section in sections():
        rows = section.rows(area)
        tables.append(
            {
                "section": section,
                "rows": [
                    {
                        "total": bool(row.get("total")),
                        "cells": [_cell(row.get(key, "")) for key, _title in section.columns],
                    }
                    for row in rows
                ],
            }
        )
    this_year = timezone.localdate().year
    return render(
        request,
        "transparency/area.html",
        {
            "area": area,
            "tables": tables,
            "villages": selectors.villages(area.code) if not area.is_village else [],
            "district_code": area.district_code,
            "years": list(range(this_year, this_year - 5, -1)),
            "today": timezone.localdate(),
        },
    )


index = _public_cache(_index)
area = _public_cache(_area)
