"""Background work of reports, run by berdaya.jobs (which shows the progress bar)."""

from __future__ import annotations

from typing import Any


def build_handler(job, progress) -> dict[str, Any]:
    from django.urls import reverse

    from .models import Report
    from .services import report_build

    report = Report.objects.select_related("programme__organiser", "requested_by").get(pk=job.params["report_id"])
    report = report_build(report, progress)
    return {"report": report.pk, "url": reverse("reports:detail", args=[report.pk])}


def quarterly_handler(job, progress) -> dict[str, Any]:
    from .services import quarterly_reports

    made = quarterly_reports(progress=progress)
    return {"reports": len(made)}
