from __future__ import annotations

import os

import pytest
from django.test import override_settings
from django.urls import reverse

from berdaya.jobs.models import Job
from berdaya.jobs.progress import JobCancelled, JobProgress
from berdaya.jobs.services import job_cancel, job_run, job_start
from berdaya.testing import factories

pytestmark = pytest.mark.django_db


def counting_handler(job, progress):
    progress.start(3)
    for _i in range(3):
        progress.check_cancelled()
        progress.advance(1)
    return {"ok": True}


def failing_handler(job, progress):
    raise RuntimeError("boom")


def conflicting_handler(job, progress):
    from berdaya.core.tests.test_conflicts import DEADLOCK

    raise DEADLOCK


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


def test_a_job_another_transaction_ended_says_it_may_run_again(officer):
    failed = job_run(Job.objects.create(kind="t", handler=f"{__name__}.conflicting_handler", created_by=officer).pk)
    assert failed.status == Job.Status.FAILED and "deadlock detected" in failed.error
    assert failed.message == (
        "Gagal karena data yang sama sedang diubah oleh proses lain; tidak ada perubahan yang disimpan. "
        "Ulangi tugas ini."
    )


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


def _dead_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _orphan(officer, **fields) -> Job:
    """A job left "running" by a worker that was killed."""
    import socket
    from datetime import timedelta

    from django.utils import timezone

    defaults = {
        "kind": "t",
        "handler": f"{__name__}.counting_handler",
        "created_by": officer,
        "status": Job.Status.RUNNING,
        "total": 10,
        "done": 4,
        "started_at": timezone.now() - timedelta(minutes=5),
        "worker_host": socket.gethostname(),
        "worker_pid": _dead_pid(),
        "heartbeat_at": timezone.now() - timedelta(minutes=4),
    }
    return Job.objects.create(**{**defaults, **fields})


def test_a_job_whose_worker_died_is_ended_when_its_page_is_opened(client, officer):
    from django.urls import reverse

    job = _orphan(officer)
    client.force_login(officer)
    page = client.get(reverse("jobs:progress", args=[job.pk])).content.decode()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.message == "Pekerja berhenti; tidak ada perubahan yang disimpan."
    assert "sisa waktu" not in page and "every 1s" not in page and "Coba lagi" in page


def test_recovery_uses_the_pid_on_this_host_and_the_heartbeat_elsewhere(officer):
    from datetime import timedelta

    from django.utils import timezone

    from berdaya.jobs.services import jobs_recover

    dead_here = _orphan(officer)
    alive_here = _orphan(officer, worker_pid=os.getpid())  # a long SQLite write beats no heart: the pid decides
    quiet_elsewhere = _orphan(officer, worker_host="lain", worker_pid=1)
    beating_elsewhere = _orphan(officer, worker_host="lain", worker_pid=1, heartbeat_at=timezone.now())
    recent = timezone.now() - timedelta(seconds=20)
    recently_elsewhere = _orphan(officer, worker_host="lain", worker_pid=1, heartbeat_at=recent)
    assert sorted(jobs_recover()) == sorted([dead_here.pk, quiet_elsewhere.pk])
    statuses = dict(Job.objects.values_list("pk", "status"))
    assert statuses[alive_here.pk] == statuses[beating_elsewhere.pk] == statuses[recently_elsewhere.pk] == "running"


def test_cancel_ends_a_dead_job_at_once_and_retry_starts_it_again(client, officer, django_capture_on_commit_callbacks):
    from django.urls import reverse

    job = _orphan(officer, params={"x": 1}, title="Impor a.csv")
    client.force_login(officer)
    client.post(reverse("jobs:cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and "Pekerja berhenti" in job.message
    with (
        override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("jobs:retry", args=[job.pk]))
    again = Job.objects.exclude(pk=job.pk).get()
    assert response.url == reverse("jobs:detail", args=[again.pk])
    assert again.params == {"x": 1} and again.title == "Impor a.csv" and again.status == Job.Status.SUCCEEDED
    other = _orphan(factories.user("officer"))
    assert client.post(reverse("jobs:retry", args=[other.pk])).status_code == 404


def test_cancel_of_a_running_job_reaches_it_through_a_flag_file(officer, settings, tmp_path):
    from berdaya.jobs.progress import cancel_flag_exists

    settings.DATA_DIR = tmp_path
    job = _orphan(officer, worker_pid=os.getpid())
    job_cancel(actor=officer, job=job)
    assert cancel_flag_exists(job.pk)
    progress = JobProgress(job.pk)
    from berdaya.jobs.progress import JobMonitor

    monitor = JobMonitor(progress)
    monitor.tick()
    assert progress.cancel_requested()
    with pytest.raises(JobCancelled), progress.write_phase():
        pass  # the last check before COMMIT turns the cancel into a rollback


def test_a_cancel_pressed_just_before_commit_still_rolls_back(officer, settings, tmp_path):
    # The monitor looks once a second; a cancel that arrives after its last look and before the COMMIT must still
    # turn into a rollback (seen: a 200,000-row import cancelled at 95% ended "Selesai" with every row written).
    from berdaya.jobs.progress import JobMonitor
    from berdaya.jobs.services import cancel_flag_path

    settings.DATA_DIR = tmp_path
    job = _orphan(officer, worker_pid=os.getpid())
    progress = JobProgress(job.pk)
    progress.monitor = JobMonitor(progress)  # attached, as in the worker, but it has not looked since the press
    with pytest.raises(JobCancelled), progress.write_phase():
        cancel_flag_path(job.pk).parent.mkdir(parents=True, exist_ok=True)
        cancel_flag_path(job.pk).touch()


def late_cancel_handler(job, progress):
    # The cancel is pressed after the work's last chance to roll back (as if during its COMMIT).
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    return {"ok": True}


def test_a_cancel_that_came_after_the_commit_is_said_so(officer):
    job = job_run(Job.objects.create(kind="t", handler=f"{__name__}.late_cancel_handler", created_by=officer).pk)
    assert job.status == Job.Status.SUCCEEDED
    assert "Pembatalan datang setelah perubahan tersimpan" in job.message


def test_the_job_page_says_the_status_once(client, officer):
    # "Selesai Selesai.": the final message of a finished import repeated the badge.
    job = Job.objects.create(
        kind="t", handler=f"{__name__}.counting_handler", created_by=officer, status=Job.Status.SUCCEEDED
    )
    Job.objects.filter(pk=job.pk).update(message="Selesai.")
    client.force_login(officer)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert page.count("Selesai") == 1


def writing_handler(job, progress):
    with progress.write_phase():
        progress.advance(1)
    return {"ok": True}


def test_a_flag_file_left_by_an_earlier_job_with_the_same_id_does_not_cancel(officer, settings, tmp_path):
    from berdaya.jobs.services import cancel_flag_path

    settings.DATA_DIR = tmp_path
    job = Job.objects.create(kind="t", handler=f"{__name__}.writing_handler", created_by=officer)
    cancel_flag_path(job.pk).parent.mkdir(parents=True, exist_ok=True)
    cancel_flag_path(job.pk).touch()  # what a cancelled job of the same id left behind
    assert job_run(job.pk).status == Job.Status.SUCCEEDED


def test_a_job_this_process_runs_is_recorded_as_its_own_and_shows_its_progress_there_too(officer):
    from berdaya.jobs.progress import Progress
    from berdaya.jobs.services import job_start_here, jobs_recover, worker_alive

    class Echo(Progress):
        min_interval = 0  # every update written

        def __init__(self):
            super().__init__()
            self.seen = []

        def write(self):
            self.seen.append((self.done, self.total))

    job = job_start_here(actor=officer, kind="t", handler=f"{__name__}.counting_handler")
    assert (job.status, job.worker_pid, job.task_id) == (Job.Status.RUNNING, os.getpid(), "")
    assert worker_alive(job) and jobs_recover() == []  # a live process: left alone
    echo = Echo()
    job = job_run(job.pk, echo=echo)
    assert job.status == Job.Status.SUCCEEDED and job.done == 3
    assert echo.seen == [(0, 3), (1, 3), (2, 3), (3, 3)]
