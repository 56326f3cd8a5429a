"""Import and export services: scope checks, the import record, the error file and the background job."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.audit import audit
from berdaya.core.spreadsheet import FileInfo, read_rows, write_xlsx
from berdaya.jobs.models import Job
from berdaya.jobs.progress import JobCancelled, Progress
from berdaya.jobs.services import job_start
from berdaya.registry.access import people_visible_to

from .access import ensure_can_import, ensure_can_start, mapping_organisation
from .models import ColumnMapping, ImportRun
from .pipeline import ImportResult, import_households


def import_run_create(*, actor: User, uploaded: UploadedFile, mapping: dict[str, str] | None = None) -> ImportRun:
    """Store the uploaded file with its SHA-256 checksum."""
    ensure_can_import(actor)
    digest = hashlib.sha256()
    size = 0
    for chunk in uploaded.chunks():
        digest.update(chunk)
        size += len(chunk)
    uploaded.seek(0)
    name = Path(uploaded.name or "")  # a form's upload always has a name
    run = ImportRun(
        original_name=name.name[:255],
        size=size,
        checksum=digest.hexdigest(),
        mapping=mapping or {},
        created_by=actor,
    )
    run.file.save(f"{digest.hexdigest()[:16]}{name.suffix.lower()[:6]}", uploaded, save=False)
    run.save()
    return run


def previous_imports(run: ImportRun) -> QuerySet[ImportRun]:
    """Earlier committed imports of the very same file (same checksum)."""
    return ImportRun.objects.filter(checksum=run.checksum, status=ImportRun.Status.IMPORTED).exclude(pk=run.pk)


def mapping_save(
    *, actor: User, name: str, columns: dict[str, str], values: dict[str, dict[str, str]] | None = None
) -> ColumnMapping:
    """Save under a name: staff of an organisation save their organisation's mapping (never another's, never a
    shared one); officers and admins save the shared mappings everyone may use."""
    ensure_can_import(actor)
    organisation_id = mapping_organisation(actor)
    mapping, _created = ColumnMapping.objects.update_or_create(
        name=name.strip()[:100],
        organisation_id=organisation_id,
        defaults={"columns": columns, "values": values or {}, "created_by": actor},
    )
    return mapping


# An XLSX sheet holds 1,048,576 rows: the header, the failed rows, and one line saying the list was cut.
ERROR_FILE_MAX_ROWS = 1_048_576 - 2


def write_error_file(run: ImportRun, result: ImportResult, source: str | Path | None = None) -> None:
    """The rows that failed, as in the file, each once with all its columns and messages (XLSX: opens right in
    Excel). Corrected, the file imports as it is: the three leading columns are not template columns."""
    if not result.errors:
        run.errors_file = ""
        return
    info = FileInfo()
    headers_holder: list[str] = []
    limit = ERROR_FILE_MAX_ROWS

    def rows() -> Iterator[list[Any]]:
        written = 0
        for row_no, values in read_rows(source or run.file.path, info):
            if not headers_holder:
                headers_holder.extend(info.headers)
            problems = result.errors.get(row_no)
            if not problems:
                continue
            if written == limit:
                left = len(result.errors) - written
                yield [
                    "",
                    "",
                    _(
                        "Daftar dipotong: %(n)s baris tidak sah lainnya tidak muat di satu lembar Excel. Perbaiki "
                        "baris di atas, impor lagi, lalu unduh file kesalahan yang baru."
                    )
                    % {"n": left},
                ]
                return
            original = [("" if v is None else v) for v in values[: len(info.headers)]]
            original += [""] * (len(info.headers) - len(original))
            columns = list(dict.fromkeys(column for column, _message in problems))
            messages = [f"{column}: {message}" if len(columns) > 1 else message for column, message in problems]
            written += 1
            yield [row_no, ", ".join(columns), "\n".join(messages), *original]

    # Read the header first so the sheet's header row is complete.
    header = [_("Baris"), _("Kolom"), _("Pesan"), *result.headers]
    import io

    buffer = io.BytesIO()
    write_xlsx(buffer, [(_("Kesalahan"), header, rows())], text_columns=["NIK", "Nomor KK"])
    if run.errors_file:
        run.errors_file.delete(save=False)
    run.errors_file.save(f"kesalahan-{run.pk}.xlsx", ContentFile(buffer.getvalue()), save=False)


def import_execute(
    *, run: ImportRun, dry_run: bool, mode: str, progress: Progress | None = None, source: str | Path | None = None
) -> ImportResult:
    """Run the check (dry run) or the import on a stored file and record the outcome on the import record."""
    actor = run.created_by
    ensure_can_import(actor)
    result = import_households(
        path=source or run.file.path,
        actor=actor,
        mapping=run.mapping or None,
        mode=mode,
        dry_run=dry_run,
        progress=progress,
        label=f"#{run.pk} {run.original_name}",
        values=run.value_map or None,
        on_write=lambda result: mark_imported(run, result),
    )
    write_error_file(run, result, source)
    data = result.as_dict()
    if dry_run:
        run.preview = data
        run.status = ImportRun.Status.CHECKED
    else:
        run.result = data
        run.mode = mode
        if result.written:
            run.status = ImportRun.Status.IMPORTED
            run.committed_at = timezone.now()
        else:
            run.status = ImportRun.Status.REJECTED
    run.save()
    return result


def mark_imported(run: ImportRun, result: ImportResult) -> None:
    """The import marker, written inside the import's transaction: if the worker dies at COMMIT, the record says
    whether the rows were saved (recover_import)."""
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.IMPORTED, committed_at=timezone.now(), mode=result.mode, result=result.as_dict()
    )


def recover_import(sender: object, job: Job, **kwargs: object) -> None:
    """jobs.services.job_abandoned: the worker of an import job is gone. Its transaction either committed (the
    marker says imported) or died with the connection; either way the file is no longer "being processed"."""
    if job.kind != "imports.households":
        return
    run = ImportRun.objects.filter(pk=job.params.get("run_id")).first()
    if run is None or (run.job_id is not None and run.job_id != job.pk):
        return
    if run.status == ImportRun.Status.IMPORTED and not job.params.get("dry_run", True):
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.SUCCEEDED,
            message=_("Pekerja berhenti sesudah impor tersimpan; data sudah masuk registri."),
            error="",
            result={"url": reverse("imports:detail", args=[run.pk])},
        )
        return
    if run.status in (ImportRun.Status.CHECKING, ImportRun.Status.IMPORTING):
        ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.FAILED)
    Job.objects.filter(pk=job.pk).update(result={"url": reverse("imports:preview", args=[run.pk])})


def run_import_job(job: Job, progress: Progress) -> dict[str, Any]:
    """Job handler (berdaya.jobs): params = {"run_id", "dry_run", "mode"}."""

    run = ImportRun.objects.select_related("created_by").get(pk=job.params["run_id"])
    dry_run = bool(job.params.get("dry_run", True))
    if not dry_run and run.status == ImportRun.Status.IMPORTED:
        # A retried job of an import that did commit (its worker died after COMMIT): nothing more to do.
        return {
            "url": reverse("imports:detail", args=[run.pk]),
            **{k: v for k, v in run.result.items() if k != "first_errors"},
        }
    # A retried job (jobs:retry) is the file's current job from now on.
    ImportRun.objects.filter(pk=run.pk).update(
        job=job, status=ImportRun.Status.CHECKING if dry_run else ImportRun.Status.IMPORTING
    )
    try:
        result = import_execute(run=run, dry_run=dry_run, mode=job.params.get("mode", "valid-only"), progress=progress)
    except JobCancelled:
        ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.CANCELLED)
        raise
    except Exception:
        # A cancel on PostgreSQL arrives as an interrupted statement.
        status = ImportRun.Status.CANCELLED if progress.cancel_requested() else ImportRun.Status.FAILED
        ImportRun.objects.filter(pk=run.pk).update(status=status)
        raise
    url = reverse("imports:preview" if dry_run else "imports:detail", args=[run.pk])
    progress.update(result.total, _("Selesai."), force=True)
    return {"url": url, **{k: v for k, v in result.as_dict().items() if k != "first_errors"}}


@transaction.atomic
def import_start(*, actor: User, run: ImportRun, dry_run: bool, mode: str = "valid-only") -> Job:
    ensure_can_import(actor)
    ensure_can_start(actor, run)
    title = (_("Pemeriksaan %(name)s") if dry_run else _("Impor %(name)s")) % {"name": run.original_name}
    job = job_start(
        actor=actor,
        kind="imports.households",
        handler="berdaya.imports.services.run_import_job",
        params={"run_id": run.pk, "dry_run": dry_run, "mode": mode},
        title=title,
    )
    run.job = job
    run.status = ImportRun.Status.CHECKING if dry_run else ImportRun.Status.IMPORTING
    run.save(update_fields=["job", "status"])
    return job


# --- rows held as likely duplicates ------------------------------------------------------------------------------
RELEASE, LINK = "release", "link"


def held_entry(run: ImportRun, row: int) -> dict[str, Any] | None:
    return next((e for e in (run.result or {}).get("held", []) if e["row"] == row), None)


@transaction.atomic
def held_decide(*, actor: User, run: ImportRun, row: int, action: str, person_id: int | None = None) -> Job | None:
    """An officer's decision on a row held as a likely duplicate: RELEASE (a new person after all) or LINK (it is
    the registered person `person_id`, one of the row's matches, inside the officer's scope). Once every held row
    of its household has a decision, the household is written by a background job through the same pipeline
    (returned); until then nothing is written and nothing is lost: the file and the decisions are kept."""
    ensure_can_import(actor)
    ensure_can_start(actor, run)
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    entry = held_entry(run, row)
    if run.status != ImportRun.Status.IMPORTED or entry is None:
        raise ValidationError(_("Baris %(row)s tidak sedang ditahan pada impor ini.") % {"row": row})
    if entry.get("written"):
        raise ValidationError(_("Baris %(row)s sudah ditulis ke registri.") % {"row": row})
    if action == LINK:
        if person_id is None or person_id not in [c["id"] for c in entry["candidates"]]:
            raise ValidationError(_("Pilih salah satu penduduk yang cocok dengan baris ini."))
        if not people_visible_to(actor).filter(pk=person_id).exists():
            raise PermissionDenied(_("Penduduk ini di luar wilayah atau organisasi Anda."))
    elif action == RELEASE:
        person_id = None
    else:
        raise ValidationError(_("Keputusan tidak dikenal."))
    run.decisions[str(row)] = {"action": action, "person": person_id, "by": actor.pk, "at": timezone.now().isoformat()}
    run.save(update_fields=["decisions"])
    audit(actor=actor, action="update", obj=run, event=f"held_row_{action}", row=row, person=person_id)
    rows = entry["household_rows"]
    waiting = [e["row"] for e in run.result["held"] if e["row"] in rows and str(e["row"]) not in run.decisions]
    if waiting:
        return None
    return job_start(
        actor=actor,
        kind="imports.held",
        handler="berdaya.imports.services.run_held_job",
        params={"run_id": run.pk, "rows": rows},
        title=_("Menulis baris yang ditahan dari %(name)s") % {"name": run.original_name},
    )


def run_held_job(job: Job, progress: Progress) -> dict[str, Any]:
    """Job handler: write a held household (params: run_id, rows) with the decisions recorded on its rows, and
    record the outcome on the import (counts added, each row written or its errors)."""
    run = ImportRun.objects.get(pk=job.params["run_id"])
    # The officer who made the last decision started the job: the rows are written in their name and scope.
    actor = User.objects.get(pk=job.created_by_id or run.created_by_id)
    rows = [int(r) for r in job.params["rows"]]
    decisions = {int(r): (d["action"], d.get("person")) for r, d in run.decisions.items() if int(r) in rows}
    result = import_households(
        path=run.file.path,
        actor=actor,
        mapping=run.mapping or None,
        mode=ImportRun.Mode.VALID_ONLY,
        dry_run=False,
        progress=progress,
        label=f"#{run.pk} {run.original_name}",
        values=run.value_map or None,
        rows=rows,
        decisions=decisions,
    )
    held_again = {e["row"]: e for e in result.held}
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        data = dict(run.result)
        for key in ("new", "updated", "unchanged", "households_new", "households_updated"):
            data[key] = data.get(key, 0) + getattr(result, key)
        written = [r for r in rows if result.written and r not in result.errors and r not in held_again]
        data["held_rows"] = max(int(data.get("held_rows", 0)) - len(written), 0)
        entries = []
        for entry in data.get("held", []):
            if entry["row"] in held_again:
                # Still a likely duplicate of someone else (registered meanwhile): held again, decided again.
                entry = {**held_again[entry["row"]], "written": False}
                run.decisions.pop(str(entry["row"]), None)
            elif entry["row"] in rows:
                entry = {
                    **entry,
                    "written": entry["row"] in written,
                    "errors": [message for _column, message in result.errors.get(entry["row"], [])],
                }
            entries.append(entry)
        data["held"] = entries
        run.result = data
        run.save(update_fields=["result", "decisions"])
    progress.update(result.total, _("Selesai."), force=True)
    return {"url": reverse("imports:detail", args=[run.pk]), "new": result.new, "updated": result.updated}
