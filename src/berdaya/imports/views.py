from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from berdaya.core.access import get_visible_or_404
from berdaya.core.audit import audit
from berdaya.core.forms import service_errors
from berdaya.core.spreadsheet import ImportFileError, read_headers, read_rows
from berdaya.registry.matching import Candidate, scoped_matches

from .access import ensure_can_import, import_runs_visible_to
from .checks import NO_ROWS
from .columns import COLUMNS, auto_mapping
from .export import export_people
from .forms import CommitForm, MappingForm, UploadForm
from .models import ImportRun
from .services import (
    LINK,
    RELEASE,
    held_decide,
    held_entry,
    import_run_create,
    import_start,
    mapping_save,
    previous_imports,
)
from .templates_files import template_csv, template_xlsx

REQUIRED = ("village_id", "full_name", "sex", "birth_date", "relationship")


def _run_or_404(request, pk):
    return get_visible_or_404(import_runs_visible_to(request.user).select_related("job", "created_by"), pk)


def _ensure_rows(path) -> None:
    """Say at once that a file holds headers only, rather than after a background check."""
    rows = read_rows(path)
    try:
        if next(rows, None) is None:
            raise ImportFileError(str(NO_ROWS))
    finally:
        rows.close()


@login_required
def index(request):
    ensure_can_import(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = form.cleaned_data["mapping"]
        run = import_run_create(actor=request.user, uploaded=form.cleaned_data["file"])
        try:
            headers = read_headers(run.file.path).headers
            _ensure_rows(run.file.path)
        except ImportFileError as exc:
            run.status = ImportRun.Status.FAILED
            run.save(update_fields=["status"])
            form.add_error("file", str(exc))
        else:
            mapping = {k: v for k, v in saved.columns.items() if v in headers} if saved else auto_mapping(headers)
            run.mapping = mapping
            run.mapping_name = saved.name if saved else ""
            run.value_map = saved.values if saved else {}
            run.save(update_fields=["mapping", "mapping_name", "value_map"])
            if saved is None and (any(k not in mapping for k in REQUIRED) or len(mapping) < len(headers) // 2):
                return redirect("imports:mapping", pk=run.pk)
            job = import_start(actor=request.user, run=run, dry_run=True)
            return redirect("jobs:detail", pk=job.pk)
    runs = import_runs_visible_to(request.user).select_related("created_by")[:20]
    return render(request, "imports/index.html", {"form": form, "runs": runs})


@login_required
def mapping(request, pk: int):
    ensure_can_import(request.user)
    run = _run_or_404(request, pk)
    try:
        headers = read_headers(run.file.path).headers
    except ImportFileError as exc:
        raise Http404(str(exc)) from exc
    form = MappingForm(request.POST or None, headers=headers, initial_mapping=run.mapping or auto_mapping(headers))
    if request.method == "POST" and form.is_valid():
        run.mapping = form.mapping()
        if form.cleaned_data["save_as"]:
            saved = mapping_save(
                actor=request.user, name=form.cleaned_data["save_as"], columns=run.mapping, values=run.value_map
            )
            run.mapping_name = saved.name
            messages.success(request, _("Pemetaan “%(name)s” disimpan.") % {"name": saved.name})
        run.save(update_fields=["mapping", "mapping_name"])
        job = import_start(actor=request.user, run=run, dry_run=True)
        return redirect("jobs:detail", pk=job.pk)
    return render(request, "imports/mapping.html", {"run": run, "form": form, "headers": headers, "columns": COLUMNS})


@login_required
def preview(request, pk: int):
    run = _run_or_404(request, pk)
    form = CommitForm(request.POST or None, initial={"mode": run.mode})
    if request.method == "POST":
        ensure_can_import(request.user)
        retryable = (ImportRun.Status.CHECKED, ImportRun.Status.REJECTED, ImportRun.Status.CANCELLED)
        # A failed import (its worker died) may be started again once it has been checked.
        if run.status not in retryable and not (run.status == ImportRun.Status.FAILED and run.preview):
            messages.error(request, _("File ini sedang diproses atau sudah diimpor."))
            return redirect("imports:preview", pk=run.pk)
        if form.is_valid():
            job = import_start(actor=request.user, run=run, dry_run=False, mode=form.cleaned_data["mode"])
            return redirect("jobs:detail", pk=job.pk)
    return render(
        request,
        "imports/preview.html",
        {
            "run": run,
            "counts": run.preview,
            "form": form,
            "previous": previous_imports(run)[:3],
            "held": _held(request, run, run.preview or {}),
            "can_decide": False,
        },
    )


def _held(request, run: ImportRun, counts: dict) -> list[dict]:
    """The rows held as likely duplicates, each with its matches as the viewer may see them (registry.matching:
    outside their scope, only that a match exists and whom to ask). The people shown are audited as viewed."""
    out = []
    for entry in counts.get("held", []):
        candidates = [Candidate(c["id"], (c["reasons"],), c.get("score")) for c in entry["candidates"]]
        shown = scoped_matches(request.user, candidates)
        for person, _candidate in shown.visible:
            audit(actor=request.user, action="view", obj=person, event="import_likely_duplicate", run=run.pk)
        out.append({**entry, "shown": shown, "decision": run.decisions.get(str(entry["row"]))})
    return out


@login_required
def detail(request, pk: int):
    run = _run_or_404(request, pk)
    counts = run.result or run.preview
    return render(
        request,
        "imports/detail.html",
        {"run": run, "counts": counts, "held": _held(request, run, counts), "can_decide": run.status == "imported"},
    )


@login_required
@require_POST
def held_row(request, pk: int, row: int):
    """Release a held row (a new person) or link it (the registered person chosen)."""
    run = _run_or_404(request, pk)
    if held_entry(run, row) is None:
        raise Http404
    action = request.POST.get("action", "")
    person = request.POST.get("person", "")
    with service_errors(request, also=(PermissionDenied,)):
        job = held_decide(
            actor=request.user,
            run=run,
            row=row,
            action=action if action in (RELEASE, LINK) else "",
            person_id=int(person) if person.isdigit() else None,
        )
        if job is not None:
            return redirect("jobs:detail", pk=job.pk)
        messages.success(request, _("Keputusan untuk baris %(row)s dicatat.") % {"row": row})
    return redirect("imports:detail", pk=run.pk)


@login_required
def errors_file(request, pk: int):
    run = _run_or_404(request, pk)
    if not run.errors_file:
        raise Http404(_("Tidak ada file kesalahan."))
    return FileResponse(run.errors_file.open("rb"), as_attachment=True, filename=f"kesalahan-impor-{run.pk}.xlsx")


@login_required
def template(request, fmt: str):
    if fmt == "xlsx":
        response = HttpResponse(
            template_xlsx(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = 'attachment; filename="templat-impor-rumah-tangga.xlsx"'
        return response
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="templat-impor-rumah-tangga.csv"'
    return response


@login_required
def export(request):
    """GET ?format=csv|xlsx&<the registry list's filter params>."""
    try:
        return export_people(actor=request.user, params=request.GET, fmt=request.GET.get("format", "csv"))
    except PermissionDenied:
        raise


@login_required
@require_POST
def restart_check(request, pk: int):
    run = _run_or_404(request, pk)
    job = import_start(actor=request.user, run=run, dry_run=True)
    return redirect("jobs:detail", pk=job.pk)
