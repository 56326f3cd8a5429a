"""Ask for a report, build it in a background job, serve it. A report becomes visible for download in one UPDATE
that names both of its files and marks it done, after both are written: a job that fails or is killed half-way
leaves a report that is not done (its files, if any were written, are removed), never half a report."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.audit import audit
from berdaya.core.documents import document_response
from berdaya.jobs.models import Job
from berdaya.jobs.progress import Progress
from berdaya.jobs.services import job_start
from berdaya.programmes import choices as pc
from berdaya.programmes.models import Programme

from . import access
from . import choices as c
from .models import Report, previous_quarter, quarter_end, quarter_start

logger = logging.getLogger(__name__)

BUILD_HANDLER = "berdaya.reports.tasks.build_handler"
QUARTERLY_HANDLER = "berdaya.reports.tasks.quarterly_handler"
JOB_KIND = "reports.build"

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _check_period(year: int, quarter: int, today: dt.date) -> None:
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": _("Triwulan harus 1, 2, 3, atau 4.")})
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Tahun tidak masuk akal.")})
    if quarter_start(year, quarter) > today:
        raise ValidationError({"quarter": _("Triwulan itu belum dimulai.")})


@transaction.atomic
def report_request(*, actor: User, kind: str, year: int, quarter: int, programme: Programme | None = None) -> Report:
    """Create a report for `actor` (its figures follow their scope) and start the job that builds it."""
    if kind not in c.Kind.values:
        raise ValidationError({"kind": _("Jenis laporan tidak dikenal.")})
    if kind == c.Kind.REGENCY:
        programme = None
    access.ensure_can_request(actor, kind, programme)
    _check_period(year, quarter, timezone.localdate())
    reach = access.reach_of(actor)
    report = Report(
        kind=kind,
        year=year,
        quarter=quarter,
        programme=programme,
        reach=reach,
        organisation_id=actor.organisation_id if reach == c.Reach.OWN else None,
        suppressed=access.suppressed_for(actor),
        requested_by=actor,
    )
    report.full_clean()
    report.save()
    report.job = job_start(
        actor=actor,
        kind=JOB_KIND,
        handler=BUILD_HANDLER,
        params={"report_id": report.pk},
        title=_("Buat laporan: %(r)s") % {"r": report},
    )
    report.save(update_fields=["job"])
    audit(actor=actor, action="start", obj=report, event="reports.request", kind=kind, period=report.period_code)
    return report


def report_build(report: Report, progress: Progress | None = None) -> Report:
    """Compute the figures, write the PDF and the XLSX, then mark the report done with both files in one UPDATE.
    On any failure the files written so far are removed and the report is marked failed (then the error is raised
    again, so the job fails too)."""
    from .content import Builder
    from .documents import report_pdf, report_xlsx

    progress = progress or Progress()
    Report.objects.filter(pk=report.pk).update(status=c.Status.RUNNING, error="")
    written: list[Any] = []
    try:
        content = Builder(report).build(progress)
        progress.update(message=_("Menyusun PDF…"), force=True)
        pdf = report_pdf(content)
        progress.advance()
        progress.check_cancelled()
        xlsx = report_xlsx(content)
        stem = f"laporan-{report.period_code}-{report.kind}-{report.pk}"
        report.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
        written.append(report.pdf)
        report.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
        written.append(report.xlsx)
        progress.advance()
        progress.check_cancelled()
        with transaction.atomic():
            Report.objects.filter(pk=report.pk).update(
                status=c.Status.DONE,
                pdf=report.pdf.name,
                xlsx=report.xlsx.name,
                summary=_jsonable(content.summary),
                data_as_of=content.data_as_of,
                finished_at=timezone.now(),
                error="",
            )
    except BaseException as exc:
        for file in written:
            try:
                file.delete(save=False)
            except OSError:
                logger.warning("report %s: could not remove %s", report.pk, file.name)
        Report.objects.filter(pk=report.pk).update(
            status=c.Status.FAILED, pdf="", xlsx="", error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    report.refresh_from_db()
    return report


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, int | float | str) or value is None:
        return value
    return str(value)


def running_programmes(year: int, quarter: int) -> list[Programme]:
    start, end = quarter_start(year, quarter), quarter_end(year, quarter)
    return list(
        Programme.objects.filter(start_date__lte=end, end_date__gte=start)
        .exclude(status=pc.ProgrammeStatus.DRAFT)
        .order_by("name", "pk")
    )


def quarterly_reports(*, today: dt.date | None = None, progress: Progress | None = None) -> list[Report]:
    """The scheduled reports of the quarter just ended: the regency's and one per programme that ran in it, with
    the regency's figures and small counts suppressed (the published version). A report of that quarter already
    made by the schedule is not made again; one that failed is."""
    year, quarter = previous_quarter(today or timezone.localdate())
    wanted: list[tuple[str, Programme | None]] = [(c.Kind.REGENCY, None)]
    wanted += [(c.Kind.PROGRAMME, p) for p in running_programmes(year, quarter)]
    made = []
    for kind, programme in wanted:
        existing = Report.objects.filter(
            scheduled=True, year=year, quarter=quarter, kind=kind, programme=programme, status=c.Status.DONE
        ).first()
        if existing is not None:
            continue
        report = Report.objects.create(
            kind=kind,
            year=year,
            quarter=quarter,
            programme=programme,
            reach=c.Reach.REGENCY,
            suppressed=True,
            scheduled=True,
        )
        made.append(report_build(report, progress))
    return made


def recover_report(sender: object, job: Job, **kwargs: object) -> None:
    """jobs.services.job_abandoned: the worker building a report is gone. A report not done by then never will be:
    mark it failed (its files, if any were written, are not named by it and are never offered)."""
    if job.kind != JOB_KIND:
        return
    Report.objects.filter(pk=job.params.get("report_id"), status__in=[c.Status.QUEUED, c.Status.RUNNING]).update(
        status=c.Status.FAILED,
        error=_("Pekerja berhenti sebelum laporan selesai; buat ulang laporannya."),
        finished_at=timezone.now(),
    )


def report_download(*, actor: User, report: Report, fmt: str) -> FileResponse:
    """One file of a done report the actor may see (the view has checked that), audited."""
    if fmt not in CONTENT_TYPES:
        raise ValidationError(_("Format tidak dikenal."))
    if not report.is_done:
        raise PermissionDenied(_("Laporan ini belum selesai."))
    audit(actor=actor, action="export", obj=report, event="reports.download", format=fmt, period=report.period_code)
    name = f"laporan-{report.period_code}-{report.kind}" + (f"-{report.programme_id}" if report.programme_id else "")
    return document_response(getattr(report, fmt), CONTENT_TYPES[fmt], name)
