"""Running a job in this process: what the worker's task (tasks.run_job) does, and tests and the shell may do."""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from berdaya.core.conflicts import is_write_conflict

from .models import Job
from .progress import JobCancelled, JobMonitor, JobProgress, Progress, cancel_flag_exists, cancel_flag_path

logger = logging.getLogger(__name__)


def job_run(job_id: int, *, echo: Progress | None = None) -> Job:
    """Run a job in this process (the worker calls this; tests and the shell may too). `echo` shows its progress
    besides the job row (a management command's terminal bar)."""
    job = Job.objects.get(pk=job_id)
    if job.is_finished:
        return job
    if job.cancel_requested:
        finish(job, Job.Status.CANCELLED, message=_("Dibatalkan sebelum dimulai."))
        return job
    # A flag file left under this id by an earlier job (ids can come back on SQLite and in tests) must not cancel this
    # one: a request for this job is on its row (checked above) or arrives from here on.
    cancel_flag_path(job.pk).unlink(missing_ok=True)
    job.status = Job.Status.RUNNING
    job.started_at = job.heartbeat_at = timezone.now()
    job.worker_host, job.worker_pid = host_name(), os.getpid()
    job.save(update_fields=["status", "started_at", "heartbeat_at", "worker_host", "worker_pid"])
    progress = JobProgress(job.pk, echo=echo)
    progress.total = job.total
    monitor = None
    if not connection.in_atomic_block:
        # In the worker. (Inside a test's transaction another connection would not see the job: no monitor there.)
        backend_pid = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                backend_pid = cur.fetchone()[0]
        monitor = JobMonitor(progress, backend_pid=backend_pid)
        monitor.start()
    try:
        try:
            result = import_string(job.handler)(job, progress)
        finally:
            if monitor is not None:
                monitor.stop()  # before the outcome is written: a last tick must not overwrite it
    except JobCancelled as exc:
        finish(
            job, Job.Status.CANCELLED, message=str(exc), done=progress.done, total=progress.total, cancel_requested=True
        )
    except Exception as exc:
        if progress.cancel_requested():
            # The cancel interrupted a statement (PostgreSQL) and the transaction rolled back.
            finish(
                job,
                Job.Status.CANCELLED,
                message=_("Dibatalkan atas permintaan pengguna; tidak ada perubahan yang disimpan."),
                done=progress.done,
                cancel_requested=True,
            )
        else:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            finish(
                job,
                Job.Status.FAILED,
                message=(
                    # Another transaction wrote the same rows (core.conflicts): running it again is safe.
                    _(
                        "Gagal karena data yang sama sedang diubah oleh proses lain; tidak ada perubahan yang disimpan. "
                        "Ulangi tugas ini."
                    )
                    if is_write_conflict(exc)
                    else _("Gagal: tidak ada perubahan yang disimpan.")
                ),
                error=f"{type(exc).__name__}: {exc}"[:2000],
                done=progress.done,
            )
    else:
        message = progress.message
        if cancel_flag_exists(job.pk) or Job.objects.filter(pk=job.pk, cancel_requested=True).exists():
            # The cancel came after the last moment it could still roll back (the COMMIT itself): say so, rather
            # than show "Selesai" beside a cancel the user pressed.
            message = _("Pembatalan datang setelah perubahan tersimpan: pekerjaan ini sudah selesai dan tersimpan.")
        finish(
            job,
            Job.Status.SUCCEEDED,
            result=result or {},
            done=progress.done,
            total=progress.total,
            message=message,
        )
    cancel_flag_path(job.pk).unlink(missing_ok=True)
    job.refresh_from_db()
    return job


def finish(job: Job, status: str, **fields: Any) -> None:
    """Write a job's outcome with a plain UPDATE (fields left None are not written)."""
    fields = {k: v for k, v in fields.items() if v is not None}
    if "message" in fields:
        fields["message"] = str(fields["message"])[:300]
    Job.objects.filter(pk=job.pk).update(status=status, finished_at=timezone.now(), **fields)


def host_name() -> str:
    """This machine's name as a job records it (worker_host)."""
    return socket.gethostname()[:100]
