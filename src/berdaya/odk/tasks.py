"""The background job that pulls every active field source (berdaya.jobs).

Started from the sources page ("Tarik sekarang") or by `berdaya odk pull --job`. The scheduler (a later issue) will
start it at a fixed interval the same way: `job_start(kind="odk.pull", handler="berdaya.odk.tasks.pull_job")`.
Each submission is received in its own transaction, so a cancelled or killed pull leaves whole submissions only, and
the next pull carries on where it stopped (instance IDs already received are skipped).
"""

from __future__ import annotations

from typing import Any

from berdaya.jobs.models import Job
from berdaya.jobs.progress import Progress

from .clients import PullError
from .models import FieldSource
from .services import source_pull


def pull_job(job: Job, progress: Progress) -> dict[str, Any]:
    sources = FieldSource.objects.filter(is_active=True).select_related("run_as")
    if job.params.get("source_id"):
        sources = sources.filter(pk=job.params["source_id"])
    sources_list = list(sources)
    progress.start(len(sources_list))
    result: dict[str, Any] = {}
    for source in sources_list:
        progress.check_cancelled()
        try:
            result[source.name] = source_pull(source=source).as_dict()
        except PullError as exc:
            result[source.name] = {"error": str(exc)}
        progress.advance(1)
    return result
