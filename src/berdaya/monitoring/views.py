"""Monitoring pages. Thin: figures from measures/dashboard (scoped per user), writes through services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from berdaya.areas.choropleth import choropleth
from berdaya.areas.models import District
from berdaya.core import disclosure, fragments
from berdaya.core.access import capabilities
from berdaya.core.audit import audit
from berdaya.core.charts import number
from berdaya.core.forms import service_errors
from berdaya.core.spreadsheet import csv_stream, xlsx_bytes
from berdaya.registry import views as registry_views
from berdaya.registry.panels import HOME, panels_for

from . import access, services
from . import dashboard as panels
from . import measures as m
from . import refresh as analytics
from .forms import BreakdownForm, FilterForm, IndicatorForm, MapForm, TargetForm
from .models import Indicator

CACHE_SECONDS = 3600
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filter_form(request, cls: type[FilterForm] = FilterForm) -> FilterForm:
    organisation = request.user.organisation_id if capabilities(request.user).organisation_scoped else None
    return cls(request.GET or None, organisation=organisation)


def _query(filters: m.Filters, **extra: Any) -> str:
    return urlencode(
        {**{k: ("1" if v is True else "0" if v is False else v) for k, v in filters.as_dict().items()}, **extra}
    )


def _latest(request) -> Any:
    """The last analytics rebuild, read once per request (the page's "Data per" and every fragment's key)."""
    if not hasattr(request, "_analytics_latest"):
        request._analytics_latest = analytics.latest()
    return request._analytics_latest


def _context(request) -> dict[str, Any]:
    latest = _latest(request)
    return {
        "latest": latest,
        "can_refresh": access.can_refresh(request.user),
        "disclosure": m.Scope.of(request.user).shown,
    }


@login_required
def home(request):
    """`/`: the dashboard for officers, admins and viewers; the registry's home for facilitators and partner staff."""
    if access.dashboard_is_home(request.user):
        return dashboard(request)
    return registry_views.dashboard(request)


def _fragment(request, name: str, params: dict[str, Any], build: Any, *, cacheable: bool = True) -> str:
    """The figures' HTML, cached until the analytics tables are rebuilt (their refresh is part of the key): every
    figure comes from those tables, so the same scope and filters give the same HTML until then. A figure read live
    (budgets, prices) may lag the records by at most CACHE_SECONDS. Input the form refuses is rendered but never
    cached (`cacheable`): made-up query strings must not fill the cache every page shares."""
    latest = _latest(request)
    stamp = f"{latest.pk}-{latest.started_at.timestamp():.0f}" if latest else "none"
    raw = urlencode(sorted((k, str(v)) for k, v in params.items()))
    return fragments.cached(
        f"monitoring:{name}",
        user=request.user,
        version=stamp if cacheable else None,
        params=raw,
        build=build,
        seconds=CACHE_SECONDS,
    )


@login_required
def dashboard(request):
    form = _filter_form(request)
    filters = form.filters()
    query = _query(filters)

    def build() -> str:
        return render_to_string(
            "monitoring/_dashboard_figures.html",
            {
                "query": query,
                "tiles": panels.tiles(request.user, filters),
                "panels": [make(request.user, filters) for make in panels.PANELS.values()],
            },
            request=None,
        )

    context = {
        **_context(request),
        "form": form,
        "filters": filters,
        "query": query,
        "figures": _fragment(
            request, "dashboard", filters.as_dict(), build, cacheable=not form.is_bound or form.is_valid()
        ),
        # The reminders other apps put on the home page (agreements ending soon...): officers land here now.
        "home_panels": panels_for(HOME, actor=request.user, obj=None),
    }
    if request.htmx:
        return render(request, "monitoring/_dashboard_body.html", context)
    return render(request, "monitoring/dashboard.html", context)


def _download(
    request: HttpRequest, *, name: str, header: list[str], rows: list[list[Any]], fmt: str, detail: dict[str, Any]
) -> HttpResponse | StreamingHttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    audit(actor=request.user, action="export", object_type="monitoring.figure", rows=len(rows), format=fmt, **detail)
    filename = f"{slugify(name)[:60] or 'data'}-{timezone.localdate():%Y%m%d}"
    if fmt == "csv":
        stream = StreamingHttpResponse(csv_stream(header, rows), content_type="text/csv; charset=utf-8")
        stream["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return stream
    response = HttpResponse(xlsx_bytes([(name[:31], header, rows)]), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


@login_required
def panel_download(request, key: str, fmt: str):
    """A dashboard panel's table (exactly what its chart shows, suppressed for the user) as CSV or XLSX."""
    build = panels.PANELS.get(key)
    if build is None:
        raise Http404
    filters = _filter_form(request).filters()
    panel = build(request.user, filters)
    return _download(
        request,
        name=panel.title,
        header=panel.header,
        rows=panel.rows,
        fmt=fmt,
        detail={"panel": key, **filters.as_dict()},
    )


def _breakdown(request) -> tuple[BreakdownForm, m.Result | None]:
    form = _filter_form(request, BreakdownForm)
    assert isinstance(form, BreakdownForm)
    if not form.is_bound or not form.is_valid():
        return form, None
    result = m.compute(
        form.cleaned_data["measure"],
        actor=request.user,
        filters=form.filters(),
        by=form.cleaned_data.get("by") or (),
    )
    return form, result


@login_required
def breakdown(request):
    """Any measure broken down by several dimensions together (sex × age band × disability × district...)."""
    form = _filter_form(request, BreakdownForm)
    # The form's own fields only, each with all its values (several `by`): the cache key and the download links.
    query = fragments.form_query(form, request.GET)
    figures = None
    if form.is_bound and form.is_valid():

        def build() -> str:
            _form, result = _breakdown(request)
            return render_to_string("monitoring/_breakdown_figures.html", {"result": result, "query": query})

        figures = _fragment(request, "breakdown", {"q": query}, build)
    # The filter form (its widgets cost more to render than the cached figures) per scope (a partner's programmes)
    # and query, until the next rebuild like the figures: a programme added since then has no figures yet either.
    filter_form = _fragment(
        request,
        "breakdown_form",
        {"q": query, "bound": form.is_bound},
        lambda: render_to_string("monitoring/_breakdown_form.html", {"form": form}),
        cacheable=not form.is_bound or form.is_valid(),
    )
    return render(
        request,
        "monitoring/breakdown.html",
        {**_context(request), "form": form, "filter_form": filter_form, "figures": figures},
    )


@login_required
def breakdown_download(request, fmt: str):
    _form, result = _breakdown(request)
    if result is None:
        raise Http404
    return _download(
        request,
        name=str(result.measure.label),
        header=result.header(),
        rows=result.table(),
        fmt=fmt,
        detail={"measure": result.measure.key, "by": ",".join(result.by), **result.filters.as_dict()},
    )


def _map(request) -> tuple[MapForm, m.Result | None, Any, District | None]:
    form = _filter_form(request, MapForm)
    assert isinstance(form, MapForm)
    key = form.cleaned_data.get("measure") if form.is_valid() else None
    key = key or "people"
    filters = form.filters()
    district = None
    if filters.district:
        district = District.objects.filter(pk=filters.district).first()
    level = "village" if district else "district"
    # The map shows every area of the level: the district filter chooses the zoom, not the rows.
    result = m.compute(key, actor=request.user, filters=filters, by=(level,))
    base = reverse("monitoring:map")
    params = {k: v for k, v in request.GET.items() if k != "district"}

    def link(code: str) -> str:
        return f"{base}?{urlencode({**params, 'district': code})}"

    drawn = choropleth(
        "villages" if district else "districts",
        result.values_by(level),
        title=f"{result.measure.label} ({result.measure.unit})"
        + (f" – {_('Kec.')} {district.name}" if district else ""),
        unit=str(result.measure.unit),
        within=district.code if district else None,
        link=None if district else link,
    )
    return form, result, drawn, district


@login_required
def map_view(request):
    """A choropleth of any measure: districts, or the villages of the district chosen (click a district)."""
    form = _filter_form(request, MapForm)
    params = {k: v for k, v in request.GET.items() if k in form.fields}

    def build() -> str:
        _form, result, drawn, district = _map(request)
        up = {k: v for k, v in params.items() if k != "district"}
        return render_to_string(
            "monitoring/_map_figures.html",
            {
                "result": result,
                "map": drawn,
                "district": district,
                "up_query": urlencode(up),
                "query": urlencode(params),
            },
        )

    district = District.objects.filter(pk=request.GET.get("district", "")[:8]).first()
    context = {
        **_context(request),
        "form": form,
        "district": district,
        "figures": _fragment(request, "map", params, build, cacheable=not form.is_bound or form.is_valid()),
    }
    if request.htmx:
        return render(request, "monitoring/_map_body.html", context)
    return render(request, "monitoring/map.html", context)


@login_required
def map_download(request, fmt: str):
    _form, result, drawn, district = _map(request)
    if result is None:
        raise Http404
    level_label = _("Desa/kelurahan") if district else _("Kecamatan")
    header = [_("Kode"), level_label, f"{result.measure.label} ({result.measure.unit})"]
    rows = (
        [[r.code, r.name, r.value] for r in drawn.rows]
        if drawn
        else [
            [
                r[("village" if district else "district")],
                r[f"{'village' if district else 'district'}_label"],
                r["value"],
            ]
            for r in result.rows
        ]
    )
    return _download(
        request,
        name=str(result.measure.label),
        header=header,
        rows=rows,
        fmt=fmt,
        detail={"map": result.measure.key, **result.filters.as_dict()},
    )


@login_required
@require_POST
def refresh_now(request):
    with service_errors(request, also=(PermissionDenied,)):
        job = services.refresh_start(actor=request.user)
        messages.success(request, _("Pembaruan data analitik dimulai."))
        return redirect("jobs:detail", pk=job.pk)
    return redirect("monitoring:dashboard")


# --- Indicators --------------------------------------------------------------------------------------------------


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    return year if 1900 < year < 2200 else timezone.localdate().year


def _sees_snapshots(user: Any) -> bool:
    """Snapshots are regency-wide figures: for the regency's staff and the viewers (suppressed), not for roles whose
    figures are limited to their own villages or organisation."""
    caps = capabilities(user)
    return caps.regency_wide or caps.aggregates_only


@login_required
def indicator_list(request):
    year = _year(request)
    rows = []
    shown = m.Scope.of(request.user).shown
    for indicator in Indicator.objects.filter(is_active=True).prefetch_related("targets"):
        value, _breakdowns = services.indicator_value(indicator, year=year, actor=request.user)
        target = next((t.target for t in indicator.targets.all() if t.year == year), None)
        measure = m.get(indicator.measure)
        if measure is not None and measure.kind == "count":
            value = shown.count(value)
        achieved = None
        if target and not isinstance(value, str) and value is not None:
            achieved = round(100 * float(value) / float(target), 1)
        rows.append({"indicator": indicator, "value": value, "target": target, "achieved": achieved})
    return render(
        request,
        "monitoring/indicator_list.html",
        {
            **_context(request),
            "rows": rows,
            "year": year,
            "years": range(timezone.localdate().year + 1, timezone.localdate().year - 6, -1),
            "can_define": access.can_define_indicators(request.user),
        },
    )


def _snapshot_row(snapshot: Any, measure: Any, shown: Any) -> dict[str, Any]:
    """A snapshot as a user may read it. Snapshots are taken regency-wide with exact counts; for a user who reads
    suppressed counts, a count and each breakdown of it go through `Disclosure.protect` together (the total and the
    parts of one breakdown are one sum, so no hidden part follows from the others), and a breakdown of a share or an
    amount, whose counts the snapshot does not keep, is not shown at all."""
    counts = measure is not None and measure.kind == "count"
    breakdowns = snapshot.breakdowns or {}
    value: Any = snapshot.value
    rows_by_dim: dict[str, list[tuple[Any, Any]]] = {
        d: [(r["label"], r["value"]) for r in rows] for d, rows in breakdowns.items()
    }
    if not shown.exact:
        if not counts:
            rows_by_dim = {}
        else:
            values: dict[Any, Any] = {"total": int(value or 0)}
            sums = []
            for d, rows in rows_by_dim.items():
                keys = [(d, i) for i in range(len(rows))]
                values.update({k: int(v or 0) for k, (_label, v) in zip(keys, rows, strict=True)})
                sums.append(("total", keys))
            hidden = shown.protect(values, sums)
            if "total" in hidden:
                value = disclosure.SUPPRESSED
            rows_by_dim = {
                d: [(label, disclosure.SUPPRESSED if (d, i) in hidden else v) for i, (label, v) in enumerate(rows)]
                for d, rows in rows_by_dim.items()
            }
    return {
        "s": snapshot,
        "value": value,
        "breakdowns": [(m.dimension_label(d) if d in m.DIMENSIONS else d, rows) for d, rows in rows_by_dim.items()],
    }


@login_required
def indicator_detail(request, pk: int):
    indicator = get_object_or_404(Indicator, pk=pk)
    year = _year(request)
    value, breakdowns = services.indicator_value(indicator, year=year, actor=request.user)
    measure = m.get(indicator.measure)
    snapshots = indicator.snapshots.all() if _sees_snapshots(request.user) else indicator.snapshots.none()
    shown = m.Scope.of(request.user).shown
    snapshot_rows = [_snapshot_row(s, measure, shown) for s in snapshots]
    target_form = TargetForm(request.POST or None) if access.can_define_indicators(request.user) else None
    if request.method == "POST" and target_form is not None:
        if target_form.is_valid():
            with service_errors(target_form):
                services.target_set(
                    actor=request.user,
                    indicator=indicator,
                    year=target_form.cleaned_data["year"],
                    target=target_form.cleaned_data["target"],
                )
                messages.success(request, _("Target disimpan."))
                return redirect("monitoring:indicator_detail", pk=indicator.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "monitoring/indicator_detail.html",
        {
            **_context(request),
            "indicator": indicator,
            "measure": measure,
            "year": year,
            "value": value,
            "targets": indicator.targets.all(),
            "target_form": target_form,
            "breakdowns": [(m.dimension_label(d), rows) for d, rows in breakdowns.items()],
            "snapshots": snapshot_rows,
            "sees_snapshots": _sees_snapshots(request.user),
            "can_define": access.can_define_indicators(request.user),
        },
    )


@login_required
def indicator_edit(request, pk: int | None = None):
    access.ensure_can_define_indicators(request.user)
    indicator = get_object_or_404(Indicator, pk=pk) if pk is not None else None
    form = IndicatorForm(request.POST or None, instance=indicator)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            saved = services.indicator_save(
                actor=request.user,
                indicator=indicator,
                data=form.cleaned_data,
                filters=form.stored_filters(),
            )
            messages.success(request, _("Indikator disimpan."))
            return redirect("monitoring:indicator_detail", pk=saved.pk)
    return render(request, "monitoring/indicator_form.html", {"form": form, "indicator": indicator})


@login_required
@require_POST
def indicator_snapshot(request, pk: int):
    indicator = get_object_or_404(Indicator, pk=pk)
    with service_errors(request, also=(PermissionDenied,)):
        snapshot = services.snapshot_take(actor=request.user, indicator=indicator)
        messages.success(
            request,
            _("Potret %(p)s disimpan: %(v)s.")
            % {"p": snapshot.period, "v": number(float(snapshot.value) if snapshot.value is not None else None)},
        )
    return redirect("monitoring:indicator_detail", pk=indicator.pk)
