from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from berdaya.core.scoping import get_visible_or_404

from .selectors import jobs_visible_to
from .services import job_cancel


@login_required
def job_list(request):
    jobs = jobs_visible_to(request.user).select_related("created_by")[:100]
    return render(request, "jobs/job_list.html", {"jobs": jobs})


@login_required
def job_detail(request, pk: int):
    job = get_visible_or_404(jobs_visible_to(request.user), pk)
    return render(request, "jobs/job_detail.html", {"job": job})


@login_required
def job_progress(request, pk: int):
    """The progress fragment htmx polls every second until the job is finished."""
    job = get_visible_or_404(jobs_visible_to(request.user), pk)
    return render(request, "jobs/_progress.html", {"job": job})


@login_required
@require_POST
def job_cancel_view(request, pk: int):
    job = get_visible_or_404(jobs_visible_to(request.user), pk)
    try:
        job = job_cancel(actor=request.user, job=job)
    except PermissionDenied:
        raise
    if request.htmx:
        return render(request, "jobs/_progress.html", {"job": job})
    return redirect("jobs:detail", pk=job.pk)
