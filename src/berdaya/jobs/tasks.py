from __future__ import annotations

from django_tasks import task

from .runner import job_run


@task()
def run_job(job_id: int) -> str:
    """The one django-tasks entry point for every background job; the job row says what to run."""
    return job_run(job_id).status
