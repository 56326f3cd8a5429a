"""Start, run and cancel background jobs. Any app reuses this:

    job = job_start(actor=user, kind="imports.households", handler="berdaya.imports.tasks.run_import",
                    params={"run_id": run.pk}, title="Impor data.csv")

The handler is `def handler(job: Job, progress: Progress) -> dict`; its return value becomes `job.result`. It calls
`progress.start(total)`, `progress.advance(n)` and `progress.check_cancelled()` between chunks, and must do its
writes in one transaction so a cancel (JobCancelled) or a crash leaves the database as before.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from berdaya.core.scoping import capabilities

from .models import Job
from .progress import JobCancelled, JobProgress

logger = logging.getLogger(__name__)


def job_start(
    *, actor, kind: str, handler: str, params: dict[str, Any] | None = None, title: str = "", total: int = 0
) -> Job:
    """Create the job row and enqueue it on the task worker (after the surrounding transaction commits)."""
    from .tasks import run_job

    job = Job.objects.create(
        kind=kind,
        handler=handler,
        params=params or {},
        title=title[:200],
        total=total,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )

    def enqueue() -> None:
        result = run_job.enqueue(job.pk)
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])

    transaction.on_commit(enqueue)
    return job


def job_run(job_id: int) -> Job:
    """Run a job in this process (the worker calls this; tests and the shell may too)."""
    job = Job.objects.get(pk=job_id)
    if job.is_finished:
        return job
    if job.cancel_requested:
        _finish(job, Job.Status.CANCELLED, message=_("Dibatalkan sebelum dimulai."))
        return job
    job.status = Job.Status.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at"])
    progress = JobProgress(job.pk)
    progress.total = job.total
    try:
        result = import_string(job.handler)(job, progress)
    except JobCancelled as exc:
        _finish(job, Job.Status.CANCELLED, message=str(exc), done=progress.done)
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(
            job,
            Job.Status.FAILED,
            message=_("Gagal: tidak ada perubahan yang disimpan."),
            error=f"{type(exc).__name__}: {exc}"[:2000],
            done=progress.done,
        )
    else:
        _finish(job, Job.Status.SUCCEEDED, result=result or {}, done=progress.done, message=progress.message)
    job.refresh_from_db()
    return job


def _finish(job: Job, status: str, **fields: Any) -> None:
    fields = {k: v for k, v in fields.items() if v is not None}
    if "message" in fields:
        fields["message"] = str(fields["message"])[:300]
    Job.objects.filter(pk=job.pk).update(status=status, finished_at=timezone.now(), **fields)


def job_cancel(*, actor, job: Job) -> Job:
    """Ask a job to stop. Cooperative: the work notices between chunks and rolls back."""
    caps = capabilities(actor)
    if job.created_by_id != getattr(actor, "pk", None) and not caps.is_admin:
        raise PermissionDenied(_("Hanya pembuat tugas atau admin yang boleh membatalkannya."))
    if job.is_finished:
        return job
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    if job.status == Job.Status.QUEUED:
        _finish(job, Job.Status.CANCELLED, message=_("Dibatalkan sebelum dimulai."))
    job.refresh_from_db()
    return job
