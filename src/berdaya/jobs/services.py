"""Start, run and cancel background jobs. Any app reuses this:

    job = job_start(actor=user, kind="imports.households", handler="berdaya.imports.tasks.run_import",
                    params={"run_id": run.pk}, title="Impor data.csv")

The handler is `def handler(job: Job, progress: Progress) -> dict`; its return value becomes `job.result`. It calls
`progress.start(total)`, `progress.advance(n)` and `progress.check_cancelled()` between chunks, and must do its
writes in one transaction so a cancel (JobCancelled) or a crash leaves the database as before.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.core.access import AnyUser

from .access import ensure_can_manage_job
from .models import Job
from .progress import cancel_flag_path
from .runner import finish, host_name
from .runner import job_run as job_run  # re-exported: callers start and run jobs through services
from .tasks import run_job

logger = logging.getLogger(__name__)

# A job on another host whose heartbeat is older than this has lost its worker. On the worker's own host the
# process id decides at once (a long SQLite write cannot beat its heartbeat: it holds the database).
STALE_AFTER = timedelta(seconds=60)
TEMP_PREFIX = "berdaya-job-"

# Sent when a job is ended because its worker is gone (kwargs: job). The app that owns the work puts its own
# records right (imports: an import that did commit is recognised as imported; otherwise its lock is released).
job_abandoned = Signal()


def job_start(
    *,
    actor: AnyUser,
    kind: str,
    handler: str,
    params: dict[str, Any] | None = None,
    title: str = "",
    total: int = 0,
    run_after: datetime | None = None,
) -> Job:
    """Create the job row and enqueue it on the task worker (after the surrounding transaction commits).

    `run_after` (aware) holds the task back until then, where the task backend can (the database queue); a backend
    that cannot defer (the immediate one of tests) runs it at once."""
    job = _job_create(actor=actor, kind=kind, handler=handler, params=params, title=title, total=total)

    def enqueue() -> None:
        task = run_job
        if run_after is not None and run_job.get_backend().supports_defer:
            task = run_job.using(run_after=run_after)
        result = task.enqueue(job.pk)
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])

    transaction.on_commit(enqueue)
    return job


def job_start_here(
    *,
    actor: AnyUser,
    kind: str,
    handler: str,
    params: dict[str, Any] | None = None,
    title: str = "",
    total: int = 0,
) -> Job:
    """A job this process runs itself (a management command), not the worker: created running under this host and
    process id and never queued, so a process killed in it leaves a job whose worker is gone, which worker_alive
    tells and job_abandon ends (and its app's job_abandoned receiver puts right), as for a worker's job. The caller
    runs it next: `job_run(job.pk, echo=progress)`."""
    now = timezone.now()
    return _job_create(
        actor=actor,
        kind=kind,
        handler=handler,
        params=params,
        title=title,
        total=total,
        status=Job.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        worker_host=host_name(),
        worker_pid=os.getpid(),
    )


def _job_create(
    *, actor: AnyUser, kind: str, handler: str, params: dict[str, Any] | None, title: str, total: int, **fields: Any
) -> Job:
    """The job row of job_start and job_start_here."""
    return Job.objects.create(
        kind=kind,
        handler=handler,
        params=params or {},
        title=title[:200],
        total=total,
        created_by_id=actor.pk if actor is not None and actor.is_authenticated else None,
        **fields,
    )


def job_cancel(*, actor: AnyUser, job: Job) -> Job:
    """Ask a job to stop. The work notices between chunks (and on PostgreSQL its running statement is cancelled)
    and rolls back. A job whose worker is gone is ended at once."""
    ensure_can_manage_job(actor, job)
    if job.is_finished:
        return job
    if job.status == Job.Status.RUNNING and not worker_alive(job):
        job_abandon(job, status=Job.Status.CANCELLED)
        job.refresh_from_db()
        return job
    # The flag file first: on SQLite the running job holds the database until COMMIT and this process could not
    # write the job row for as long (the worker's monitor reads the file).
    path = cancel_flag_path(job.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    _set_cancel_requested(job)
    if job.status == Job.Status.QUEUED:
        finish(job, Job.Status.CANCELLED, message=_("Dibatalkan sebelum dimulai."))
    job.refresh_from_db()
    job.cancel_requested = True
    return job


def _set_cancel_requested(job: Job) -> None:
    if connection.vendor != "sqlite":
        Job.objects.filter(pk=job.pk).update(cancel_requested=True)
        return
    # SQLite: wait a second, not the usual 30, for a job's write transaction; the flag file already tells it.
    with connection.cursor() as cur:
        cur.execute("PRAGMA busy_timeout")
        previous = cur.fetchone()[0]
        cur.execute("PRAGMA busy_timeout = 1000")
    try:
        Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    except OperationalError:
        logger.info("job %s: database busy, cancel left as a flag file", job.pk)
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA busy_timeout = {int(previous)}")


def job_retry(*, actor: AnyUser, job: Job) -> Job:
    """Start a failed or cancelled job again, as a new job with the same work."""
    ensure_can_manage_job(actor, job)
    if job.status not in (Job.Status.FAILED, Job.Status.CANCELLED):
        raise PermissionDenied(_("Hanya tugas yang gagal atau dibatalkan yang bisa diulang."))
    with transaction.atomic():
        return job_start(actor=actor, kind=job.kind, handler=job.handler, params=job.params, title=job.title)


# --- a worker that died -------------------------------------------------------------------------------------------
def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed process its parent has not reaped yet is gone too
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] not in ("Z", "X")
    except OSError:
        return True


def worker_alive(job: Job) -> bool:
    """Whether the worker running `job` still exists: its process on this host, else a recent heartbeat."""
    if job.worker_pid and job.worker_host == host_name():
        return _pid_alive(job.worker_pid)
    # No heartbeat at all: started by a version without one (or never started); judge by its start.
    last = job.heartbeat_at or job.started_at
    return last is None or timezone.now() - last < STALE_AFTER


def job_abandon(job: Job, *, status: str = Job.Status.FAILED) -> bool:
    """End a running job whose worker is gone. Its transaction died with the worker's connection, so nothing of
    it was saved, unless the owning app knows better (job_abandoned receivers may record a success)."""
    with transaction.atomic():
        updated = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
            status=status,
            finished_at=timezone.now(),
            message=_("Pekerja berhenti; tidak ada perubahan yang disimpan."),
            error=_("Proses pekerja %(host)s:%(pid)s tidak ada lagi.")
            % {"host": job.worker_host, "pid": job.worker_pid},
        )
        if updated:
            job.refresh_from_db()
            job_abandoned.send(sender=Job, job=job)
    cancel_flag_path(job.pk).unlink(missing_ok=True)
    return bool(updated)


def jobs_recover() -> list[int]:
    """End every running job whose worker is gone; the worker runs this when it starts and every half minute."""
    ended = []
    for job in Job.objects.filter(status=Job.Status.RUNNING):
        if not worker_alive(job) and job_abandon(job):
            logger.warning("job %s (%s): worker %s:%s is gone", job.pk, job.kind, job.worker_host, job.worker_pid)
            ended.append(job.pk)
    return ended


# --- files of a job -------------------------------------------------------------------------------------------------
def job_tempdir(name: str) -> Path:
    """A private (0700) temporary directory named after this process, so that the next worker start removes it
    if the process dies before it does (cleanup_temp)."""
    return Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-{name}-"))


def owner_only() -> int:
    """From now on files this process creates (also DuckDB's) are readable by its user only; returns the previous
    umask for the caller to restore. For the worker's jobs, whose temporary files hold personal data."""
    return os.umask(0o077)


def cleanup_temp() -> list[Path]:
    """Remove the temporary directories of processes that no longer exist (a killed worker leaves them)."""
    removed = []
    for path in Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}*"):
        pid = path.name[len(TEMP_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def worker_startup() -> None:
    """What a worker does before it takes tasks: clear what a dead worker left behind."""
    cleanup_temp()
    jobs_recover()


def housekeeping_job(job: Job, progress: Any) -> dict[str, int]:
    """Scheduled hourly: end jobs whose worker is gone and remove temporary folders left by crashed jobs."""
    recovered = jobs_recover()
    removed = cleanup_temp()
    return {"recovered": len(recovered), "temp_removed": len(removed)}


def aggregates_job(job: Job, progress: Any) -> dict[str, Any]:
    """Scheduled: recompute the registered regency-wide aggregate snapshots (core.snapshots), then drop the ones
    nobody asked for in two days."""
    from berdaya.core import snapshots

    progress.start(len(snapshots.registered()))
    took = snapshots.refresh_all(lambda name: progress.advance(1, name))
    return {"seconds": took, "purged": snapshots.purge()}
