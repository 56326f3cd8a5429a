"""Background work of record linkage, run by berdaya.jobs (which shows the progress bar)."""

from __future__ import annotations

from typing import Any


def run_handler(job, progress) -> dict[str, Any]:
    from .models import DedupRun
    from .services import dedup_run_execute

    run = DedupRun.objects.get(pk=job.params["run_id"])
    return dedup_run_execute(run=run, progress=progress)
