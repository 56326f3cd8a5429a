from __future__ import annotations

import pytest
from django.test import override_settings

from berdaya.jobs.models import Job
from berdaya.jobs.progress import JobProgress
from berdaya.jobs.services import job_cancel, job_run, job_start

pytestmark = pytest.mark.django_db


def counting_handler(job, progress):
    progress.start(3)
    for _i in range(3):
        progress.check_cancelled()
        progress.advance(1)
    return {"ok": True}


def failing_handler(job, progress):
    raise RuntimeError("boom")


def test_it_runs_a_job_through_the_task_backend(officer, django_capture_on_commit_callbacks):
    with (
        override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}),
        django_capture_on_commit_callbacks(execute=True),
    ):
        job = job_start(actor=officer, kind="t", handler=f"{__name__}.counting_handler")
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.done == 3 and job.result == {"ok": True}
    assert job.percent == 100 and job.finished_at and job.task_id


def test_it_records_failure_and_cancellation(officer):
    failed = job_run(Job.objects.create(kind="t", handler=f"{__name__}.failing_handler", created_by=officer).pk)
    assert failed.status == Job.Status.FAILED and "boom" in failed.error
    job = Job.objects.create(kind="t", handler=f"{__name__}.counting_handler", created_by=officer)
    job_cancel(actor=officer, job=job)
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED


def test_running_job_stops_when_cancel_requested(officer):
    job = Job.objects.create(
        kind="t", handler=f"{__name__}.counting_handler", created_by=officer, cancel_requested=True
    )
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    progress = JobProgress(job.pk)
    with pytest.raises(Exception, match="Dibatalkan"):
        progress.check_cancelled()


def test_rate_and_time_left(officer):
    from datetime import timedelta

    from django.utils import timezone

    job = Job(total=100, done=25, status=Job.Status.RUNNING, started_at=timezone.now() - timedelta(seconds=10))
    assert 2.4 < job.rate < 2.6 and 29 < job.seconds_left < 31
