from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from berdaya.core.access import get_visible_or_404

from .access import jobs_visible_to
from .progress import cancel_flag_exists
from .services import job_abandon, job_cancel, job_retry, worker_alive


def _current(request, pk: int):
    """The job as it is now; a running job whose worker is gone is ended here rather than shown running forever."""
    job = get_visible_or_404(jobs_visible_to(request.user), pk)
    if job.status == job.Status.RUNNING and not worker_alive(job):
        job_abandon(job)
        job.refresh_from_db()
    if not job.is_finished and cancel_flag_exists(job.pk):
        job.cancel_requested = True
    return job


@login_required
def job_list(request):
    jobs = jobs_visible_to(request.user).select_related("created_by")[:100]
    return render(request, "jobs/job_list.html", {"jobs": jobs})


@login_required
def job_detail(request, pk: int):
    job = _current(request, pk)
    return render(request, "jobs/job_detail.html", {"job": job})


@login_required
def job_progress(request, pk: int):
    """The progress fragment htmx polls every second until the job is finished."""
    job = _current(request, pk)
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


@login_required
@require_POST
def job_retry_view(request, pk: int):
    job = get_visible_or_404(jobs_visible_to(request.user), pk)
    new = job_retry(actor=request.user, job=job)
    return redirect("jobs:detail", pk=new.pk)
