"""A targeting run killed with SIGKILL at random points (10 tries, issue 21.6) leaves no candidate list or the whole
one; after the worker restarts, the job and the run say which, and the rule set is free for the next run."""

from __future__ import annotations

from typing import Any

import pytest

from berdaya.jobs.models import Job
from berdaya.targeting import choices as c
from berdaya.targeting import services
from berdaya.targeting.models import Candidate, TargetingRun
from berdaya.testing.crash import kill_at_random_points

from .test_runs import SMALLHOLDER_POOR, _people

pytestmark = pytest.mark.django_db(transaction=True)


def probe() -> dict[str, Any]:
    """Run in the subprocess after the worker's recovery: what the last run left."""
    run = TargetingRun.objects.order_by("-pk").first()
    assert run is not None and run.job is not None
    return {
        "run": run.status,
        "job": run.job.status,
        "candidates": Candidate.objects.filter(run=run).count(),
        "selected": run.selected_count,
        # The rule set is free for its next run (the database allows one active run per rule set).
        "active": TargetingRun.objects.filter(ruleset=run.ruleset, status__in=list(c.ACTIVE_RUN_STATUSES)).count(),
    }


def test_a_killed_run_leaves_no_list_or_the_whole_list(tmp_path, officer):
    _people(60)
    made = iter(range(1000))

    def make_job() -> int:
        version = services.ruleset_save(actor=officer, name=f"Petani miskin {next(made)}", rules_tree=SMALLHOLDER_POOR)
        run = services.run_create(actor=officer, ruleset=version.ruleset)
        job = Job.objects.create(
            kind="targeting.run", handler=services.HANDLER, params={"run_id": run.pk}, created_by=officer
        )
        TargetingRun.objects.filter(pk=run.pk).update(job=job)
        return job.pk

    outcomes = kill_at_random_points(tmp_path, make_job, f"{__name__}.probe")
    whole = {"run": "succeeded", "job": "succeeded"}
    for outcome in outcomes:
        state = outcome.state
        assert state["active"] == 0, outcome
        if state["run"] == c.RunStatus.SUCCEEDED:
            assert {k: state[k] for k in whole} == whole, outcome
            assert state["candidates"] > 0 and state["selected"] > 0, outcome
        else:
            assert (state["run"], state["job"], state["candidates"]) == ("failed", "failed", 0), outcome
    killed = [o for o in outcomes if not o.finished_before_kill]
    assert len(killed) >= 5, "most kills must land inside the run, or the test proves little"
