"""Background work of record linkage, run by berdaya.jobs (which shows the progress bar)."""

from __future__ import annotations

from typing import Any


def run_handler(job, progress) -> dict[str, Any]:
    """Run the job's dedup run. A job retried from the jobs page (jobs.services.job_retry: a new job with the same
    params) finds its run ended (failed or cancelled): it starts a new run with the same scope and threshold
    instead, through dedup_run_create, so the one-active-run rule holds and the ended run stays as it ended."""
    from .models import DedupRun
    from .services import dedup_run_create, dedup_run_execute

    run = DedupRun.objects.get(pk=job.params["run_id"])
    if run.status not in (DedupRun.Status.QUEUED, DedupRun.Status.RUNNING) or (run.job_id not in (None, job.pk)):
        run = dedup_run_create(actor=job.created_by, import_id=run.import_id, threshold=run.threshold)
        DedupRun.objects.filter(pk=run.pk).update(job=job)
        run.job = job
    return dedup_run_execute(run=run, progress=progress)
