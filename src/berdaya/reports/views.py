"""Report pages. Thin: scope from .access, writes through .services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from berdaya.core.access import get_visible_or_404
from berdaya.core.conf import conf
from berdaya.core.forms import service_errors
from berdaya.core.pagination import paginate
from berdaya.jobs import schedule

from . import access, services
from .forms import ReportRequestForm


def _ensure(user) -> None:
    if not access.can_request(user):
        raise PermissionDenied(_("Peran Anda tidak boleh membuka laporan."))


@login_required
def index(request):
    _ensure(request.user)
    reports = access.reports_visible_to(request.user).select_related("programme", "requested_by", "job")
    page = paginate(reports, request.GET.get("page"), conf().page_size)
    entry = next((e for e in schedule.entries_sync() if e.key == "reports.quarterly"), None)
    return render(
        request,
        "reports/index.html",
        {
            "page": page,
            "form": ReportRequestForm(user=request.user),
            "schedule_entry": entry,
            "next_fire": schedule.next_fire(entry) if entry else None,
            "reach": access.reach_of(request.user),
            "suppressed": access.suppressed_for(request.user),
        },
    )


@login_required
@require_POST
def request_view(request):
    _ensure(request.user)
    form = ReportRequestForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        with service_errors(form):
            report = services.report_request(
                actor=request.user,
                kind=data["kind"],
                year=data["year"],
                quarter=data["quarter"],
                programme=data.get("programme"),
            )
            messages.success(request, _("Laporan sedang dibuat. Halaman ini menunjukkan kemajuannya."))
            return redirect("reports:detail", pk=report.pk)
    reports = access.reports_visible_to(request.user).select_related("programme", "requested_by", "job")
    return render(
        request,
        "reports/index.html",
        {
            "page": paginate(reports, None, conf().page_size),
            "form": form,
            "reach": access.reach_of(request.user),
            "suppressed": access.suppressed_for(request.user),
        },
        status=400,
    )


@login_required
def detail(request, pk: int):
    _ensure(request.user)
    report = get_visible_or_404(
        access.reports_visible_to(request.user).select_related("programme", "requested_by", "job"), pk
    )
    return render(request, "reports/detail.html", {"report": report, "job": report.job})


@login_required
def download(request, pk: int, fmt: str):
    _ensure(request.user)
    report = get_visible_or_404(access.reports_visible_to(request.user), pk)
    if fmt not in services.CONTENT_TYPES or not report.is_done:
        raise Http404
    return services.report_download(actor=request.user, report=report, fmt=fmt)
