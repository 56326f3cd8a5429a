"""Background work of targeting, run by berdaya.jobs (which shows the progress bar)."""

from __future__ import annotations

from typing import Any


def run_handler(job, progress) -> dict[str, Any]:
    from django.urls import reverse

    from .models import TargetingRun
    from .services import run_execute

    run = TargetingRun.objects.select_related("version", "ruleset").get(pk=job.params["run_id"])
    result = run_execute(run=run, progress=progress)
    result["url"] = reverse("targeting:run_detail", args=[run.pk])
    return result


def welfare_handler(job, progress) -> dict[str, Any]:
    from django.urls import reverse

    from .services import welfare_compute

    result = welfare_compute(actor=job.created_by, progress=progress)
    result["url"] = reverse("targeting:score")
    return result
