"""`berdaya dedup run` killed with SIGKILL (a power cut, the OOM killer) does not block every later run: its job is
this process's own (jobs.services.job_start_here), so the next run finds the process gone, fails the killed run
(none of its pairs written: they are written in one transaction with its success) and proceeds."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from berdaya.dedup import services
from berdaya.dedup.models import DedupRun, MatchPair, PersonKey
from berdaya.jobs.models import Job
from berdaya.testing.crash import Outcome, kill_at_random_statements

pytestmark = pytest.mark.django_db(transaction=True)


def run_command(username: str) -> dict[str, Any]:
    """In the child: the command as an admin types it."""
    out = StringIO()
    call_command("dedup", "run", "--quiet", "--user", username, stdout=out)
    return json.loads(out.getvalue())


def test_a_killed_command_run_is_failed_by_the_next_run(tmp_path, labelled_registry, officer):
    blocked: list[Outcome] = []

    def check(outcome: Outcome) -> None:
        killed = DedupRun.objects.order_by("-pk").first()
        if killed is None:  # killed before the run was created
            assert not outcome.finished_before_kill, outcome
            return
        was_active = killed.status in (DedupRun.Status.QUEUED, DedupRun.Status.RUNNING)
        if was_active:
            # the killed process left its job running under a process that is gone
            job = Job.objects.get(pk=killed.job_id)
            assert job.status == Job.Status.RUNNING and job.worker_pid, outcome
            blocked.append(outcome)
        # the next run is accepted (it ends the dead one first)
        services.dedup_run_create(actor=officer)
        killed.refresh_from_db()
        job = Job.objects.get(pk=killed.job_id)
        if killed.status == DedupRun.Status.SUCCEEDED:
            assert killed.pairs_count == MatchPair.objects.filter(run=killed).count() > 0, outcome
        else:
            assert (killed.status, job.status) == (DedupRun.Status.FAILED, Job.Status.FAILED), outcome
            assert was_active and killed.finished_at is not None, outcome
            assert not MatchPair.objects.filter(run=killed).exists(), outcome
        # as before the call, for the next try
        MatchPair.objects.all().delete()
        PersonKey.objects.all().delete()
        DedupRun.objects.all().delete()
        Job.objects.all().delete()

    outcomes = kill_at_random_statements(
        tmp_path, {"username": officer.username}, f"{__name__}.run_command", check, tries=4
    )
    assert outcomes[-1].point > 0
    assert len(blocked) >= 2, "kills must land inside the run, or the test proves little"


def test_the_command_runs_after_a_killed_one(labelled_registry, officer):
    import socket
    import subprocess

    dead = subprocess.Popen(["true"])  # noqa: S607 - a pid that no longer exists
    dead.wait()
    # what a killed `berdaya dedup run` leaves: its run running, its job running under a process that is gone
    killed = services.dedup_run_start(actor=officer, here=True)
    DedupRun.objects.filter(pk=killed.pk).update(status=DedupRun.Status.RUNNING)
    Job.objects.filter(pk=killed.job_id).update(worker_host=socket.gethostname(), worker_pid=dead.pid)

    out = StringIO()
    call_command("dedup", "run", "--quiet", "--user", officer.username, stdout=out)

    result = json.loads(out.getvalue())
    assert list(result) == ["run_id", "people", "comparisons", "pairs", "clusters", "keys", "seconds"]
    killed.refresh_from_db()
    assert killed.status == DedupRun.Status.FAILED and "Jalankan ulang" in killed.error
    assert Job.objects.get(pk=killed.job_id).status == Job.Status.FAILED
    new = DedupRun.objects.get(pk=result["run_id"])
    assert new.status == DedupRun.Status.SUCCEEDED and new.job.status == Job.Status.SUCCEEDED
    assert new.job.worker_pid is not None and MatchPair.objects.filter(run=new).count() == result["pairs"] > 0
