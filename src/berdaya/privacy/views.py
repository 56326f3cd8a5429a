"""The data-protection officer's pages: requests and their 72-hour clock, a person's data as PDF/JSON, the audit
trail, breach records and retention. Everything here is for `capabilities(user).handles_pdp_requests`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from berdaya.core.access import capabilities
from berdaya.core.audit import audit
from berdaya.core.forms import service_errors
from berdaya.core.pagination import paginate
from berdaya.core.spreadsheet import csv_stream, xlsx_bytes

from . import choices as c
from . import retention, selectors, services, subject
from .access import breaches_visible_to, ensure_can_handle, get_breach_or_404, get_request_or_404
from .forms import AuditFilterForm, BreachForm, RequestForm, RequestUpdateForm

PAGE_SIZE = 50


@login_required
def request_list(request):
    ensure_can_handle(request.user)
    filters = {"status": request.GET.get("status", "open"), "kind": request.GET.get("kind", "")}
    page = paginate(selectors.request_list(actor=request.user, filters=filters), request.GET.get("page"), PAGE_SIZE)
    return render(
        request,
        "privacy/request_list.html",
        {
            "page": page,
            "filters": filters,
            "kinds": c.RequestKind.choices,
            "statuses": c.RequestStatus.choices,
            "counts": selectors.open_counts(request.user),
            "now": timezone.now(),
        },
    )


@login_required
def request_new(request):
    ensure_can_handle(request.user)
    initial = {"received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "person_id": request.GET.get("person")}
    form = RequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        person_id = data.pop("person_id")
        with service_errors(form, also=(Http404,)):
            record = services.request_record(actor=request.user, person_id=person_id, data=data)
            messages.success(request, _("Permintaan dicatat. Tenggat: %(due)s.") % {"due": _local(record.due_at)})
            return redirect("privacy:request_detail", pk=record.pk)
    return render(request, "privacy/request_form.html", {"form": form})


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@login_required
def request_detail(request, pk: int):
    record = get_request_or_404(request.user, pk)
    form = RequestUpdateForm(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            services.request_update(actor=request.user, request=record, data=form.cleaned_data)
            messages.success(request, _("Permintaan diperbarui."))
            return redirect("privacy:request_detail", pk=record.pk)
        record.refresh_from_db()
    return render(
        request,
        "privacy/request_detail.html",
        {
            "record": record,
            "form": form,
            "carries_out": record.kind in (c.RequestKind.ERASURE, c.RequestKind.WITHDRAWAL),
        },
    )


@login_required
@require_POST
def request_carry_out(request, pk: int):
    record = get_request_or_404(request.user, pk)
    with service_errors(request):
        outcome = services.request_carry_out(
            actor=request.user, request=record, confirm=request.POST.get("confirm", "")
        )
        messages.success(request, outcome)
    return redirect("privacy:request_detail", pk=record.pk)


@login_required
def request_copy(request, pk: int, fmt: str):
    """The person's data, as the right of access gives it: PDF or JSON. Audited; never cached."""
    record = get_request_or_404(request.user, pk)
    if fmt not in ("pdf", "json"):
        raise Http404
    person = record.person
    audit(actor=request.user, action="export", obj=person, event="pdp_access_copy", request=record.pk, format=fmt)
    if fmt == "pdf":
        response = HttpResponse(subject.as_pdf(person), content_type="application/pdf")
    else:
        response = HttpResponse(subject.as_json(person), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="data-pribadi-{person.pk}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def audit_trail(request):
    ensure_can_handle(request.user)
    form = AuditFilterForm(request.GET or None)
    events = selectors.audit_list(actor=request.user, person=None, user="", action="", since=None, until=None)
    if form.is_valid():
        events = selectors.audit_list(actor=request.user, **form.cleaned_data)
    elif form.is_bound:
        events = events.none()
    page = paginate(events, request.GET.get("page"), PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "privacy/audit.html", {"form": form, "page": page, "query": query.urlencode()})


@login_required
def breach_list(request):
    ensure_can_handle(request.user)
    page = paginate(breaches_visible_to(request.user), request.GET.get("page"), PAGE_SIZE)
    return render(request, "privacy/breach_list.html", {"page": page})


@login_required
def breach_edit(request, pk: int | None = None):
    ensure_can_handle(request.user)
    breach = get_breach_or_404(request.user, pk) if pk is not None else None
    form = BreachForm(request.POST or None, instance=breach)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            saved = services.breach_save(actor=request.user, data=form.cleaned_data, breach=breach)
            messages.success(request, _("Catatan insiden disimpan."))
            return redirect("privacy:breach_edit", pk=saved.pk)
    return render(request, "privacy/breach_form.html", {"form": form, "breach": breach})


BREACH_COLUMNS = [
    ("id", "pk"),
    (_("judul"), "title"),
    (_("apa yang terjadi"), "description"),
    (_("terjadi pada"), "occurred_at"),
    (_("diketahui pada"), "discovered_at"),
    (_("batas pemberitahuan (3×24 jam)"), "notify_by"),
    (_("data terdampak"), "data_affected"),
    (_("jumlah orang terdampak"), "people_affected"),
    (_("lembaga diberi tahu pada"), "authority_notified_at"),
    (_("bukti pemberitahuan"), "authority_reference"),
    (_("subjek data diberi tahu pada"), "subjects_notified_at"),
    (_("pemberitahuan ke subjek data"), "subjects_notice"),
    (_("penanganan dan pemulihan"), "remediation"),
    (_("status"), "get_status_display"),
]


@login_required
def breach_export(request, fmt: str):
    ensure_can_handle(request.user)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    breaches = list(breaches_visible_to(request.user))

    def value(b, attr):
        v = getattr(b, attr)
        v = v() if callable(v) else v
        return timezone.localtime(v).replace(tzinfo=None) if hasattr(v, "tzinfo") and v is not None and v.tzinfo else v

    header = [str(h) for h, _a in BREACH_COLUMNS]
    rows = [[value(b, a) for _h, a in BREACH_COLUMNS] for b in breaches]
    audit(actor=request.user, action="export", object_type="privacy.breachrecord", format=fmt, rows=len(rows))
    name = f"insiden-data-pribadi-{timezone.localdate():%Y-%m-%d}.{fmt}"
    response: HttpResponse | StreamingHttpResponse
    if fmt == "xlsx":
        content = xlsx_bytes([(str(_("Insiden")), header, rows)])
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        response = StreamingHttpResponse(csv_stream(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def retention_page(request):
    ensure_can_handle(request.user)
    if request.method == "POST":
        if not capabilities(request.user).is_admin:
            raise PermissionDenied(_("Hanya admin yang menjalankan penghapusan menurut masa simpan."))
        result = retention.retention_run()
        messages.success(
            request,
            _("%(files)s berkas impor, %(odk)s isian ODK dan %(dci)s jawaban/isi callback SPDCI dihapus.")
            % {
                "files": result["purged"]["import_files"],
                "odk": result["purged"]["odk_payloads"],
                "dci": result["purged"]["dci_answers"],
            },
        )
        return redirect("privacy:retention")
    return render(request, "privacy/retention.html", {"due": retention.due_report()})
