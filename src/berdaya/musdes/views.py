"""Pages of the village consultation and the DTSEN exchange. Thin: services write, selectors read, access decides."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from berdaya.core.access import capabilities, ensure_sees_people, get_visible_or_404
from berdaya.core.audit import audit
from berdaya.core.documents import document_response
from berdaya.core.forms import service_errors
from berdaya.core.spreadsheet import csv_stream
from berdaya.registry.access import people_visible_to

from . import access, documents, dtsen, selectors, services
from . import choices as c
from .forms import AddPersonForm, DecileImportForm, DecisionForm, MinutesForm, PlanForm, ProposalForm, RecordForm
from .models import Meeting


def _meeting(request, pk: int) -> Meeting:
    ensure_sees_people(request.user)
    return get_visible_or_404(
        access.meetings_visible_to(request.user).select_related("run__ruleset", "village__district"), pk
    )


@login_required
def index(request):
    ensure_sees_people(request.user)
    meetings = access.meetings_visible_to(request.user).select_related("run__ruleset", "village__district")[:200]
    plan_form = None
    if access.can_prepare(request.user):
        plan_form = PlanForm(
            request.POST or None,
            runs=access.runs_for_meetings(request.user),
            villages=access.villages_to_prepare(request.user),
        )
        if request.method == "POST" and plan_form.is_valid():
            data = plan_form.cleaned_data
            with service_errors(plan_form, also=(PermissionDenied,)):
                meeting = services.meeting_plan(
                    actor=request.user, run=data["run"], village=data["village"], date=data["date"], place=data["place"]
                )
                messages.success(request, _("Musyawarah direncanakan."))
                return redirect("musdes:meeting_detail", pk=meeting.pk)
    return render(
        request,
        "musdes/index.html",
        {
            "meetings": meetings,
            "plan_form": plan_form,
            "can_exchange": access.can_exchange(request.user),
            "proposal_form": ProposalForm(initial={"month": dt.date.today().strftime("%Y-%m")}),
        },
    )


@login_required
def meeting_detail(request, pk: int):
    meeting = _meeting(request, pk)
    prepare = access.can_prepare(request.user, meeting)
    open_ = not meeting.is_applied and meeting.run.status == "succeeded"
    decided = {d.person_id: d for d in selectors.decisions(actor=request.user, meeting=meeting)}
    # The village's list as it stands, and everyone the meeting decided about: once its results are applied, a
    # person it struck off has left the final list and one it added has joined it, and each still shows its decision.
    candidates = list(
        access.meeting_candidates(request.user, meeting)
        .filter(selectors.tsel.final_q() | Q(person_id__in=list(decided)))
        .select_related("person__household")
        .order_by("rank", "person__full_name")[:2000]
    )
    for cand in candidates:
        # Not stored: the meeting's decision, shown beside the candidate.
        cand.decision = decided.get(cand.person_id)  # type: ignore[attr-defined]
    listed = {cand.person_id for cand in candidates}
    # People the meeting added who are not (yet) candidates of the run: before its results are applied.
    added = [d for d in decided.values() if d.decision == c.Decision.ADDED and d.person_id not in listed]
    audit(actor=request.user, action="view", obj=meeting, people=len(candidates))
    record_form = RecordForm(
        initial={
            "date": meeting.date,
            "place": meeting.place,
            "men": meeting.men,
            "women": meeting.women,
            "men_disability": meeting.men_disability,
            "women_disability": meeting.women_disability,
            "minutes_number": meeting.minutes_number,
            "objection_until": meeting.objection_until,
        }
    )
    return render(
        request,
        "musdes/meeting_detail.html",
        {
            "meeting": meeting,
            "candidates": candidates,
            "added": added,
            "decisions": c.Decision.choices,
            "can_prepare": prepare and open_,
            "can_apply": access.can_apply(request.user) and open_,
            "record_form": record_form,
            "minutes_form": MinutesForm(),
            "add_form": AddPersonForm(),
            "documents": meeting.documents.all(),
            "month": meeting.date.strftime("%Y-%m"),
            "sees_identifiers": capabilities(request.user).sees_identifiers,
        },
    )


@login_required
@require_POST
def meeting_record(request, pk: int):
    meeting = _meeting(request, pk)
    form = RecordForm(request.POST)
    if form.is_valid():
        with service_errors(request, also=(PermissionDenied,)):
            services.meeting_record(actor=request.user, meeting=meeting, **form.cleaned_data)
            messages.success(request, _("Hasil musyawarah dicatat."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect("musdes:meeting_detail", pk=meeting.pk)


@login_required
@require_POST
def minutes_upload(request, pk: int):
    meeting = _meeting(request, pk)
    form = MinutesForm(request.POST, request.FILES)
    if form.is_valid():
        with service_errors(request, also=(PermissionDenied,)):
            services.meeting_add_minutes(
                actor=request.user, meeting=meeting, upload=form.cleaned_data["file"], title=form.cleaned_data["title"]
            )
            messages.success(request, _("Berita acara diunggah."))
    else:
        messages.error(request, _("Pilih berkas berita acara."))
    return redirect("musdes:meeting_detail", pk=meeting.pk)


@login_required
def minutes_download(request, pk: int, document_pk: int):
    meeting = _meeting(request, pk)
    document = meeting.documents.filter(pk=document_pk).first()
    if document is None:
        raise Http404
    audit(actor=request.user, action="view", obj=document, meeting=meeting.pk)
    return document_response(document.file, document.content_type, f"musdes-{meeting.pk}-berita-acara-{document.pk}")


@login_required
@require_POST
def decision_save(request, pk: int):
    meeting = _meeting(request, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        person = get_visible_or_404(people_visible_to(request.user), form.cleaned_data["person"])
        with service_errors(request, also=(PermissionDenied,)):
            services.decision_set(
                actor=request.user,
                meeting=meeting,
                person=person,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Keputusan untuk %(n)s dicatat.") % {"n": person.full_name})
    return redirect("musdes:meeting_detail", pk=meeting.pk)


@login_required
@require_POST
def person_add(request, pk: int):
    meeting = _meeting(request, pk)
    form = AddPersonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Isi NIK (16 angka) dan alasannya."))
        return redirect("musdes:meeting_detail", pk=meeting.pk)
    person = people_visible_to(request.user).filter(nik=form.cleaned_data["nik"]).first()
    if person is None:
        messages.error(request, _("Penduduk dengan NIK itu tidak ditemukan di wilayah Anda."))
        return redirect("musdes:meeting_detail", pk=meeting.pk)
    with service_errors(request, also=(PermissionDenied,)):
        services.decision_set(
            actor=request.user,
            meeting=meeting,
            person=person,
            decision=c.Decision.ADDED,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("%(n)s diusulkan ditambahkan.") % {"n": person.full_name})
    return redirect("musdes:meeting_detail", pk=meeting.pk)


@login_required
@require_POST
def meeting_apply(request, pk: int):
    meeting = _meeting(request, pk)
    with service_errors(request, also=(PermissionDenied,)):
        counts = services.meeting_apply(actor=request.user, meeting=meeting)
        messages.success(
            request,
            _("Hasil musyawarah diterapkan: %(a)s disepakati, %(r)s dicoret, %(d)s ditambahkan.")
            % {"a": counts["agreed"], "r": counts["removed"], "d": counts["added"]},
        )
    return redirect("musdes:meeting_detail", pk=meeting.pk)


@login_required
def notice_pdf(request, pk: int):
    meeting = _meeting(request, pk)
    pdf = documents.notice_pdf(actor=request.user, meeting=meeting)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="pengumuman-musdes-{meeting.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime((text or "").strip(), "%Y-%m").date()
    except ValueError as exc:
        raise ValidationError(_("Bulan harus ditulis TTTT-BB, mis. 2026-03.")) from exc


@login_required
def proposal_export(request):
    ensure_sees_people(request.user)
    form = ProposalForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Isi kode desa, bulan (TTTT-BB) dan format."))
        return redirect("musdes:index")
    try:
        month = _month(form.cleaned_data["month"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("musdes:index")
    name, content_type, content = documents.proposal_file(
        actor=request.user, village_code=form.cleaned_data["village"], month=month, fmt=form.cleaned_data["fmt"]
    )
    response: HttpResponse | StreamingHttpResponse
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def decile_import(request):
    access.ensure_can_exchange(request.user)
    form = DecileImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in {".csv", ".xlsx"}:
            form.add_error("file", _("Gunakan berkas CSV atau XLSX."))
        else:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"desil{suffix}"
                with path.open("wb") as fh:
                    for chunk in upload.chunks():
                        fh.write(chunk)
                with service_errors(form, also=(PermissionDenied,)):
                    result = dtsen.import_deciles(actor=request.user, path=path, source=form.cleaned_data["source"])
                    messages.success(
                        request,
                        _("%(w)s rumah tangga diperbarui; %(u)s baris tidak cocok dengan registri.")
                        % {"w": result.written, "u": result.unmatched},
                    )
    return render(request, "musdes/decile_import.html", {"form": form, "result": result})


@login_required
def reconciliation(request):
    ensure_sees_people(request.user)
    rows = selectors.reconciliation(actor=request.user)
    totals = {k: sum(r[k] for r in rows) for k in ("both", "berdaya_only", "dtsen_only")}
    return render(request, "musdes/reconciliation.html", {"rows": rows, "totals": totals})


@login_required
def reconciliation_csv(request):
    ensure_sees_people(request.user)
    village = request.GET.get("desa", "")
    audit(
        actor=request.user,
        action="export",
        object_type="registry.household",
        event="musdes.reconciliation",
        village=village,
    )
    response = StreamingHttpResponse(
        csv_stream(
            selectors.RECONCILIATION_HEADER,
            selectors.reconciliation_households(actor=request.user, village_code=village),
        ),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="rekonsiliasi-dtsen{"-" + village if village else ""}.csv"'
    response["Cache-Control"] = "no-store"
    return response
