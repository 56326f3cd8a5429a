"""Field forms and submissions: download a form (its choice lists scoped to the user), upload an export, the queue
of submissions waiting for a person, and the servers Berdaya pulls from. Every submission is reached through the
scoped queryset of access.py, so one outside the user's villages or organisation answers 404; identifying fields are
masked for a role that may not see them, and every view of a submission is audited."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from berdaya.core.access import capabilities
from berdaya.core.audit import audit
from berdaya.core.conf import conf
from berdaya.core.forms import service_errors
from berdaya.core.masking import is_identifying, mask_field, mask_text
from berdaya.core.models import AuditEvent
from berdaya.core.pagination import paginate
from berdaya.jobs.services import job_start

from . import access, handlers, services, xlsform
from .choices import FormKind, SubmissionState

FORM_IDENTIFYING = handlers.FORM_IDENTIFYING


def _identifying(name: str) -> bool:
    return is_identifying(name) or name in FORM_IDENTIFYING


def _masked(name: str, value: Any) -> Any:
    if name in FORM_IDENTIFYING:
        return mask_field(FORM_IDENTIFYING[name], value) if isinstance(value, str) else mask_text(value)
    return mask_field(name, value)


@login_required
def home(request):
    access.ensure_can_download_forms(request.user)
    counts = dict(access.submissions_visible_to(request.user).values_list("state").annotate(n=Count("id")))
    return render(
        request,
        "odk/home.html",
        {
            "kinds": FormKind.choices,
            "states": [(value, label, counts.get(value, 0)) for value, label in SubmissionState.choices],
            "upload_form": UploadForm(),
            "manages_sources": access.can_manage_sources(request.user),
        },
    )


@login_required
def form_download(request, form: str):
    access.ensure_can_download_forms(request.user)
    kind = form
    if kind not in FormKind.values:
        raise Http404
    built = xlsform.build_form(kind, request.user)
    content = xlsform.workbook_bytes(built)
    # The choice lists can name people (an attendance form's participants): a download is audited.
    audit(actor=request.user, action=AuditEvent.Action.EXPORT, object_type="odk.form", kind=kind)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{built.form_id}.xlsx"'
    return response


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Formulir"), choices=FormKind.choices)
    file = forms.FileField(label=gettext_lazy("Berkas ekspor JSON (ODK Central OData / KoboToolbox)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"


@login_required
@require_POST
def upload(request):
    access.ensure_can_upload_submissions(request.user)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Pilih formulir dan berkas ekspor."))
        return redirect("odk:home")
    with service_errors(request):
        result = services.submissions_upload(
            actor=request.user, kind=form.cleaned_data["kind"], content=form.cleaned_data["file"].read()
        )
        messages.success(
            request,
            _("Tersimpan %(i)s, perlu diperbaiki %(q)s, menunggu %(w)s, sudah pernah diterima %(d)s.")
            % {"i": result.ingested, "q": result.queued, "w": result.waiting, "d": result.duplicate},
        )
    return redirect("odk:submission_list")


@login_required
def submission_list(request):
    access.ensure_can_download_forms(request.user)
    qs = access.submissions_visible_to(request.user).select_related("village", "source")
    state = request.GET.get("state") or SubmissionState.QUEUED
    if state in SubmissionState.values:
        qs = qs.filter(state=state)
    kind = request.GET.get("kind", "")
    if kind in FormKind.values:
        qs = qs.filter(form_kind=kind)
    page = paginate(qs.order_by("-received_at", "-id"), request.GET.get("page"), conf().page_size)
    return render(
        request,
        "odk/submission_list.html",
        {"page": page, "state": state, "kind": kind, "states": SubmissionState.choices, "kinds": FormKind.choices},
    )


def _fields(data: Any, sees_identifiers: bool, labels: dict[str, str], path: str = "") -> list[dict[str, Any]]:
    """The submission's fields as rows for the edit page: path, value shown, whether it may be edited."""
    rows: list[dict[str, Any]] = []
    if not isinstance(data, dict):
        return rows
    for name, value in data.items():
        full = f"{path}{name}"
        if isinstance(value, list) and all(isinstance(item, dict) for item in value):
            for index, item in enumerate(value):
                rows.append({"heading": f"{labels.get(name, name)} {index + 1}"})
                rows.extend(_fields(item, sees_identifiers, labels, f"{full}.{index}."))
            continue
        shown = value if not isinstance(value, dict | list) else json.dumps(value)
        hidden = _identifying(name) and not sees_identifiers
        rows.append(
            {
                "path": full,
                "name": name,
                "label": labels.get(name, name),
                "value": _masked(name, shown) if hidden else ("" if shown is None else shown),
                "editable": not hidden and not isinstance(value, dict | list),
            }
        )
    return rows


def _edited(data: Any, post: Any, path: str = "") -> Any:
    """`data` with each scalar replaced by the value posted for its path (f:members.0.nik)."""
    if isinstance(data, dict):
        return {name: _edited(value, post, f"{path}{name}") for name, value in data.items()}
    if isinstance(data, list):
        return [
            _edited(item, post, f"{path}.{index}.") if isinstance(item, dict) else item
            for index, item in enumerate(data)
        ]
    key = f"f:{path}"
    return post.get(key, data)


@login_required
def submission_detail(request, pk: int):
    submission = access.get_submission_or_404(request.user, pk)
    caps = capabilities(request.user)
    if request.method == "POST":
        data = _edited(submission.data, request.POST)
        with service_errors(request, joined=True, also=(PermissionDenied,)):
            submission = services.submission_retry(
                actor=request.user, submission=submission, data=data, confirm=bool(request.POST.get("confirm"))
            )
            if submission.state == SubmissionState.INGESTED:
                messages.success(request, _("Kiriman tersimpan."))
            else:
                messages.warning(request, _("Kiriman masih belum bisa disimpan; lihat kesalahannya."))
        return redirect("odk:submission_detail", pk=submission.pk)
    audit(actor=request.user, action=AuditEvent.Action.VIEW, obj=submission)
    errors_by_field: dict[str, list[str]] = {}
    for error in submission.errors:
        errors_by_field.setdefault(error.get("field", ""), []).append(error.get("message", ""))
    # The labels of the form as the user would download it now (a few queries for its choice lists).
    labels = xlsform.field_labels(xlsform.build_form(submission.form_kind, request.user))
    rows = _fields(submission.data, caps.sees_identifiers, labels)
    for row in rows:
        if "path" in row:
            row["errors"] = errors_by_field.get(row["path"], [])
    known = {row["path"] for row in rows if "path" in row}
    general = [m for name, msgs in errors_by_field.items() if name not in known for m in msgs]
    return render(
        request,
        "odk/submission_detail.html",
        {
            "submission": submission,
            "rows": rows,
            "general_errors": general,
            "can_retry": submission.state == SubmissionState.QUEUED,
            # The raw payload as received holds every identifier: only for roles that see identifiers.
            "raw": json.dumps(submission.payload, indent=2, ensure_ascii=False) if caps.sees_identifiers else "",
        },
    )


@login_required
def source_list(request):
    access.ensure_can_manage_sources(request.user)
    return render(request, "odk/source_list.html", {"sources": access.sources_visible_to(request.user)})


@login_required
@require_POST
def source_pull(request):
    access.ensure_can_manage_sources(request.user)
    source_id = request.POST.get("source")
    params = {"source_id": int(source_id)} if source_id and source_id.isdigit() else {}
    job = job_start(
        actor=request.user,
        kind="odk.pull",
        handler="berdaya.odk.tasks.pull_job",
        params=params,
        title=_("Tarik kiriman lapangan"),
    )
    return redirect("jobs:detail", pk=job.pk)
