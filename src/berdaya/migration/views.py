"""Migrant-worker pages. Thin: scope from registry.access, case access from .access, writes through services.

Every view of a case's content writes an audit row (core.audit, action "view"); refusals are audited by access.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from berdaya.accounts.models import User
from berdaya.areas.models import Village
from berdaya.core import disclosure
from berdaya.core.access import capabilities, ensure_sees_people, get_visible_or_404
from berdaya.core.audit import audit, audit_view
from berdaya.core.conf import conf
from berdaya.core.confirm import confirm_first
from berdaya.core.documents import document_response
from berdaya.core.forms import service_errors
from berdaya.core.pagination import paginate
from berdaya.registry.access import get_person_or_404, people_visible_to

from . import choices as c
from . import selectors, services
from .access import can_manage_cases, can_read_case, get_case_or_404, is_case_worker
from .forms import (
    CaseAssignForm,
    CaseDocumentForm,
    CaseIntakeForm,
    CaseMoveForm,
    CaseNoteForm,
    CaseReferForm,
    CaseTypeForm,
    EpisodeAdvanceForm,
    EpisodeForm,
)
from .integration import reintegration_for
from .sla import sla_days


@login_required
def home(request):
    caps = capabilities(request.user)
    worker = is_case_worker(request.user) or caps.is_admin
    summary = selectors.stage_summary(actor=request.user)
    shown = disclosure.for_aggregates(request.user)
    for row in summary["destinations"]:
        row["procedural"] = row["n"] - row["non_procedural"]
    # Non-procedural is shown beside the total: the procedural (their difference) must not give a small count.
    shown.protect_table(
        summary["destinations"], ["n", "non_procedural"], row_sums=[("n", ["non_procedural", "procedural"])]
    )
    return render(
        request,
        "migration/home.html",
        {
            "summary": summary,
            "disclosure": shown,
            "case_counts": selectors.case_counts(actor=request.user) if worker else None,
            "is_case_worker": worker,
        },
    )


# --- Episodes -----------------------------------------------------------------------------------------------------


def _episode_or_404(request, pk: int):
    return get_visible_or_404(
        selectors.episodes_visible_to(request.user).select_related("person__household__village", "family_contact"),
        pk,
    )


@login_required
def episode_create(request, person_pk: int):
    person = get_person_or_404(request.user, person_pk)
    if not capabilities(request.user).edits_registry:
        raise PermissionDenied
    form = EpisodeForm(request.POST or None, person=person, user=request.user)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            episode = services.episode_create(actor=request.user, person=person, data=dict(form.cleaned_data))
            messages.success(request, _("Episode migrasi kerja dicatat."))
            return redirect("migration:episode_detail", pk=episode.pk)
    return render(request, "migration/episode_form.html", {"form": form, "person": person, "episode": None})


@login_required
def episode_edit(request, pk: int):
    episode = _episode_or_404(request, pk)
    if not capabilities(request.user).edits_registry:
        raise PermissionDenied
    form = EpisodeForm(request.POST or None, instance=episode, person=episode.person, user=request.user)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            services.episode_update(actor=request.user, episode=episode, data=dict(form.cleaned_data))
            messages.success(request, _("Episode migrasi kerja disimpan."))
            return redirect("migration:episode_detail", pk=episode.pk)
    return render(request, "migration/episode_form.html", {"form": form, "person": episode.person, "episode": episode})


@login_required
def episode_detail(request, pk: int):
    episode = _episode_or_404(request, pk)
    audit_view(actor=request.user, obj=episode, person_id=episode.person_id)
    caps = capabilities(request.user)
    reintegration = None
    if episode.stage == c.Stage.RETURNED:
        reintegration = reintegration_for(actor=request.user, person=episode.person, since=episode.return_date)
    return render(
        request,
        "migration/episode_detail.html",
        {
            "episode": episode,
            "person": episode.person,
            "missing": [c.Document(d).label for d in episode.missing_documents()],
            "advance_form": EpisodeAdvanceForm(episode=episode),
            "can_edit": caps.edits_registry,
            "reintegration": reintegration,
            "history": episode.history.select_related("history_user").order_by("-history_date")[:20],
            "under_age": episode.person.age < 18 and episode.abroad,
            # A family contact the user may not see (a member who withdrew consent to sharing, for partner staff) is
            # shown as no contact chosen: neither her name nor that someone is hidden.
            "contact_seen": bool(
                episode.family_contact_id
                and people_visible_to(request.user).filter(pk=episode.family_contact_id).exists()
            ),
        },
    )


@login_required
@require_POST
def episode_advance(request, pk: int):
    episode = _episode_or_404(request, pk)
    form = EpisodeAdvanceForm(request.POST, episode=episode)
    if form.is_valid():
        with service_errors(request):
            services.episode_advance(
                actor=request.user,
                episode=episode,
                to_stage=form.cleaned_data["to_stage"],
                date=form.cleaned_data["date"],
            )
            messages.success(request, _("Tahap episode diperbarui."))
    else:
        messages.error(request, _("Pilih tahap berikutnya dan tanggal yang sah."))
    return redirect("migration:episode_detail", pk=episode.pk)


@login_required
def outreach(request):
    """Safe-migration outreach: per village, who plans to leave and which documents they still lack."""
    ensure_sees_people(request.user)
    village_code = request.GET.get("desa") or None
    village = None
    if village_code:
        village = Village.objects.filter(pk=village_code).select_related("district").first()
        if village is None:
            raise Http404
    documents = list(c.Document)
    rows, as_of = selectors.outreach_by_village(actor=request.user)
    for row in rows:
        row["missing"] = [row[f"missing_{d.value}"] for d in documents]
    page = None
    if village is not None:
        page = paginate(
            selectors.outreach_people(actor=request.user, village=village.pk),
            request.GET.get("page"),
            conf().page_size,
        )
        for episode in page.items:
            # The SQL already decided which documents are missing; only the labels are added here.
            episode.missing_labels = [d.label for d in documents if getattr(episode, f"missing_{d.value}")]
    return render(
        request,
        "migration/outreach.html",
        {
            "rows": rows,
            "as_of": as_of,
            "documents": [(d.value, d.label) for d in documents],
            "village": village,
            "page": page,
        },
    )


# --- Cases --------------------------------------------------------------------------------------------------------


@login_required
def case_list(request):
    caps = capabilities(request.user)
    if not (caps.is_admin or is_case_worker(request.user)):
        raise PermissionDenied(_("Daftar kasus hanya untuk pengelola kasus."))
    scope = request.GET.get("tahap", "open")
    if scope not in {"open", "closed", "all"}:
        scope = "open"
    qs = selectors.case_list(
        actor=request.user,
        scope=scope,
        only_overdue=request.GET.get("terlambat") == "1",
        mine=request.GET.get("milik") == "saya",
    )
    page = paginate(qs, request.GET.get("page"), conf().page_size)
    readable = set(selectors.cases_readable_ids(actor=request.user, ids=[case.pk for case in page.items]))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "migration/case_list.html",
        {
            "page": page,
            "query": query.urlencode(),
            "scope": scope,
            "readable": readable,
            "sla": sla_days(),
            "can_manage": can_manage_cases(request.user),
        },
    )


@login_required
def case_intake(request, person_pk: int):
    person = get_person_or_404(request.user, person_pk)
    if not (capabilities(request.user).edits_registry or is_case_worker(request.user)):
        raise PermissionDenied
    form = CaseIntakeForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            case = services.case_intake(actor=request.user, person=person, data=dict(form.cleaned_data))
            if can_read_case(request.user, case):
                messages.success(request, _("Pengaduan %(ref)s dicatat.") % {"ref": case.reference})
                return redirect("migration:case_detail", pk=case.pk)
            messages.success(
                request,
                _(
                    "Pengaduan %(ref)s dicatat dan diteruskan ke pengelola kasus. Isinya hanya dapat dibaca oleh "
                    "pengelola kasus yang ditugaskan."
                )
                % {"ref": case.reference},
            )
            return redirect("registry:person_detail", pk=person.pk)
    return render(request, "migration/case_intake.html", {"form": form, "person": person})


@login_required
def case_detail(request, pk: int):
    case = get_case_or_404(request.user, pk)
    audit(actor=request.user, action="view", obj=case)
    case = selectors.case_with_due(case)
    manage = can_manage_cases(request.user)
    # A returned worker's case shows the reintegration programmes that fit and what they received since return.
    returned_from = selectors.returned_episode(case.person, preferred=case.episode)
    reintegration = None
    if returned_from is not None:
        reintegration = reintegration_for(actor=request.user, person=case.person, since=returned_from.return_date)
    return render(
        request,
        "migration/case_detail.html",
        {
            "case": case,
            "person": case.person,
            "notes": case.notes.select_related("author"),
            "documents": case.documents.select_related("uploaded_by"),
            "referrals": case.referrals.all(),
            "changes": case.stage_changes.select_related("by"),
            "assignments": case.assignments.select_related("user__case_worker"),
            "assignment_log": case.assignment_log.select_related("user", "by"),
            "move_form": CaseMoveForm(case=case),
            "refer_form": CaseReferForm(),
            "type_form": CaseTypeForm(initial={"complaint_type": case.complaint_type, "priority": case.priority}),
            "note_form": CaseNoteForm(),
            "document_form": CaseDocumentForm(),
            "assign_form": CaseAssignForm() if manage else None,
            "max_mb": conf().case_document_max_mb,
            "returned_from": returned_from,
            "reintegration": reintegration,
        },
    )


def _case_post(request, pk: int, action) -> object:
    case = get_case_or_404(request.user, pk)
    with service_errors(request):
        action(case)
    return redirect("migration:case_detail", pk=case.pk)


@login_required
@require_POST
def case_move(request, pk: int):
    if request.POST.get("to_stage") == c.CaseStage.CLOSED:
        case = get_case_or_404(request.user, pk)
        if case.stage != c.CaseStage.CLOSED:
            consequences = [
                _("Kasus %(ref)s ditutup; sesudahnya tahapnya tidak bisa dipindah lagi.") % {"ref": case.reference},
                _("Pengelola yang ditugaskan (%(n)s orang) tidak lagi diingatkan tenggat kasus ini.")
                % {"n": case.assignments.count()},
            ]
            if case.stage != c.CaseStage.RESOLVED:
                consequences.append(_("Kasus belum selesai ditangani: alasan penutupan wajib dan tercatat."))
            page = confirm_first(
                request,
                title=_("Tutup kasus %(ref)s?") % {"ref": case.reference},
                consequences=consequences,
                confirm_label=_("Ya, tutup kasus"),
                cancel_url=reverse("migration:case_detail", args=[case.pk]),
                danger=True,
            )
            if page is not None:
                return page

    def act(case):
        form = CaseMoveForm(request.POST, case=case)
        if not form.is_valid():
            raise ValidationError(_("Pilih tahap berikutnya dan tanggal yang sah."))
        services.case_move(actor=request.user, case=case, **form.cleaned_data)
        messages.success(request, _("Tahap kasus diperbarui."))

    return _case_post(request, pk, act)


@login_required
@require_POST
def case_refer(request, pk: int):
    def act(case):
        form = CaseReferForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Pilih lembaga tujuan rujukan."))
        services.case_refer(actor=request.user, case=case, **form.cleaned_data)
        messages.success(request, _("Rujukan dicatat."))

    return _case_post(request, pk, act)


@login_required
@require_POST
def case_type(request, pk: int):
    def act(case):
        form = CaseTypeForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Pilih jenis pengaduan dan prioritas."))
        if form.cleaned_data["complaint_type"] != case.complaint_type:
            services.case_change_type(actor=request.user, case=case, complaint_type=form.cleaned_data["complaint_type"])
        if form.cleaned_data["priority"] != case.priority:
            services.case_set_priority(actor=request.user, case=case, priority=form.cleaned_data["priority"])
        messages.success(request, _("Jenis dan prioritas kasus disimpan."))

    return _case_post(request, pk, act)


@login_required
@require_POST
def case_note(request, pk: int):
    def act(case):
        form = CaseNoteForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Catatan tidak boleh kosong dan paling panjang 4.000 karakter."))
        services.case_add_note(actor=request.user, case=case, text=form.cleaned_data["text"])
        messages.success(request, _("Catatan ditambahkan."))

    return _case_post(request, pk, act)


@login_required
@require_POST
def case_document(request, pk: int):
    def act(case):
        form = CaseDocumentForm(request.POST, request.FILES)
        if not form.is_valid():
            raise ValidationError(_("Isi judul dan pilih berkas."))
        services.case_add_document(
            actor=request.user, case=case, upload=form.cleaned_data["file"], title=form.cleaned_data["title"]
        )
        messages.success(request, _("Dokumen diunggah."))

    return _case_post(request, pk, act)


@login_required
def case_document_download(request, pk: int, document_pk: int):
    case = get_case_or_404(request.user, pk)
    document = case.documents.filter(pk=document_pk).first()
    if document is None:
        raise Http404
    audit(actor=request.user, action="view", obj=document, case=case.pk)
    # A neutral download name: the original may carry the worker's name.
    return document_response(document.file, document.content_type, f"{case.reference}-dokumen-{document.pk}")


@login_required
@require_POST
def case_assign(request, pk: int):
    if not can_manage_cases(request.user):
        raise PermissionDenied
    case = get_visible_or_404(selectors.case_list(actor=request.user, scope="all"), pk)
    form = CaseAssignForm(request.POST)
    if form.is_valid():
        with service_errors(request):
            services.case_assign(
                actor=request.user, case=case, user=form.cleaned_data["user"], reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Pengelola kasus ditugaskan."))
    else:
        messages.error(request, _("Pilih pengguna."))
    if can_read_case(request.user, case):
        return redirect("migration:case_detail", pk=case.pk)
    return redirect("migration:case_list")


@login_required
@require_POST
def case_unassign(request, pk: int, user_pk: int):
    if not can_manage_cases(request.user):
        raise PermissionDenied
    case = get_visible_or_404(selectors.case_list(actor=request.user, scope="all"), pk)
    user = get_visible_or_404(User.objects.all(), user_pk)
    services.case_unassign(actor=request.user, case=case, user=user)
    messages.success(request, _("Penugasan dicabut."))
    if can_read_case(request.user, case):
        return redirect("migration:case_detail", pk=case.pk)
    return redirect("migration:case_list")


# --- Notifications ------------------------------------------------------------------------------------------------


@login_required
def notifications(request):
    return render(request, "migration/notifications.html", {"notifications": selectors.notifications_for(request.user)})


@login_required
@require_POST
def notifications_read(request):
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    services.notifications_mark_read(actor=request.user, ids=ids or None)
    return redirect("migration:notifications")
