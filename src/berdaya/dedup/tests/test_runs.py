"""A dedup run as a background job: pairs and clusters stored with explanations, progress reported, decisions
remembered, scope respected; the incremental check of new records."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from berdaya.dedup import linkage, services
from berdaya.dedup.incremental import likely_matches
from berdaya.dedup.models import DedupRun, MatchPair, PairDecision, PersonKey
from berdaya.dedup.selectors import pairs_visible_to
from berdaya.jobs.models import Job
from berdaya.jobs.services import job_run
from berdaya.registry.models import Person
from berdaya.testing import factories


def true_pairs(truth):
    groups = {}
    for pid, t in truth.items():
        groups.setdefault(t, []).append(pid)
    return {(min(a, b), max(a, b)) for g in groups.values() for a in g for b in g if a < b}


def run_now(actor, **kwargs):
    from django.db import transaction

    with transaction.atomic():
        run = services.dedup_run_start(actor=actor, **kwargs)
    # The job is enqueued on commit; inside a test's transaction run it here.
    job = job_run(run.job_id)
    run.refresh_from_db()
    return run, job


@pytest.mark.django_db(transaction=False)
def test_it_finds_the_injected_duplicates_as_a_job(labelled_registry, officer):
    run, job = run_now(officer)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.percent == 100
    assert run.status == DedupRun.Status.SUCCEEDED
    assert run.people_count == len(labelled_registry)
    assert run.comparisons > 0
    found = set(MatchPair.objects.filter(run=run).values_list("person_low_id", "person_high_id"))
    wanted = true_pairs(labelled_registry)
    assert wanted, "the labelled set must hold duplicates"
    recall = len(found & wanted) / len(wanted)
    precision = len(found & wanted) / max(len(found), 1)
    assert recall >= 0.6 and precision >= 0.8, (recall, precision)
    pair = MatchPair.objects.filter(run=run).first()
    assert pair.person_low_id < pair.person_high_id
    assert pair.cluster_id is not None
    labels = {e["label"] for e in pair.explanation}
    assert labels & next(f for f in linkage.FIELDS if f.name == "name").labels()
    assert all(isinstance(e["weight"], float | int) for e in pair.explanation)
    # The match keys of every person were rebuilt for the incremental check.
    assert PersonKey.objects.count() == Person.objects.count()


def test_a_pair_decided_different_is_not_proposed_again(labelled_registry, officer):
    run, _job = run_now(officer)
    pair = MatchPair.objects.filter(run=run).order_by("-match_probability").first()
    assert pair is not None
    services.pair_decide(
        actor=officer, person_a=pair.person_high, person_b=pair.person_low, decision="different", reason="beda orang"
    )
    assert PairDecision.objects.get().person_low_id == pair.person_low_id
    again, _job = run_now(officer)
    assert not MatchPair.objects.filter(
        run=again, person_low_id=pair.person_low_id, person_high_id=pair.person_high_id
    ).exists()
    assert MatchPair.objects.filter(run=again).exists()


def test_pairs_are_shown_only_to_who_sees_both_people(labelled_registry, officer):
    run, _job = run_now(officer)
    assert pairs_visible_to(officer, run=run).count() == MatchPair.objects.filter(run=run).count()
    elsewhere = factories.user("facilitator", villages=["15.02.02.2004"])
    shown = list(pairs_visible_to(elsewhere, run=run))
    for pair in shown:
        assert pair.person_low.household.village_id == "15.02.02.2004"
        assert pair.person_high.household.village_id == "15.02.02.2004"
    partner = factories.user("partner", org=factories.organisation("LSM Lain"))
    assert pairs_visible_to(partner, run=run).count() == 0


def test_only_regency_staff_start_a_run(areas, facilitator, partner, viewer):
    for user in (facilitator, partner, viewer):
        with pytest.raises(PermissionDenied):
            services.dedup_run_start(actor=user)
    assert not DedupRun.objects.exists()


def test_a_bad_threshold_is_refused(areas, officer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.dedup_run_create(actor=officer, threshold=1.5)


def test_incremental_check_finds_a_nickname_with_swapped_date(areas):
    hh = factories.household(village="15.02.01.2001", kk_number="1502011506180001")
    import datetime as dt

    target = factories.person(hh=hh, name="Muhammad Hermawan", sex="M", birth_date=dt.date(1980, 3, 7))
    factories.person(hh=hh, name="Siti Aminah", sex="F", birth_date=dt.date(1982, 1, 2))
    other = factories.household(village="15.02.02.1010")
    factories.person(hh=other, name="Joko Susilo", sex="M", birth_date=dt.date(1975, 9, 9))
    new = {
        "full_name": "Moch. Wawan",
        "birth_date": "1980-07-03",
        "sex": "M",
        "village_id": "15.02.01.2002",
        "nik": "",
        "phone": "",
    }
    unrelated = {"full_name": "Rina Wati", "birth_date": "2001-05-05", "sex": "F", "village_id": "15.02.02.1010"}
    # No run yet: candidates come from the NIK index and the people newer than the (empty) keys.
    matches, nothing = likely_matches([new, unrelated])
    assert [m.person_id for m in matches] == [target.pk]
    assert matches[0].probability >= 0.5
    assert {"field": "birth_date", "label": "Hari dan bulan tertukar"}.items() <= {
        k: v for e in matches[0].explanation if e["field"] == "birth_date" for k, v in e.items()
    }.items()
    assert nothing == []
    # Excluding the person itself (editing): not proposed.
    assert likely_matches([new], exclude_person_ids=[target.pk]) == [[]]


def test_a_run_waits_for_a_writing_import_before_reading(labelled_registry, officer, monkeypatch):
    from berdaya.dedup import dbio, hooks
    from berdaya.jobs.progress import Progress

    events = []

    def lock(on_wait):
        events.append("asked")
        on_wait()  # another import holds it: the run says so, then waits here until it is free
        events.append("acquired")
        return lambda: events.append("released")

    real_read = dbio.read_people

    def read(*args, **kwargs):
        events.append("read")
        return real_read(*args, **kwargs)

    monkeypatch.setattr(hooks, "_write_lock", lock)
    monkeypatch.setattr(dbio, "read_people", read)
    messages = []

    class Recording(Progress):
        def update(self, done=None, message=None, *, force=False):
            if message:
                messages.append(message)
            super().update(done, message, force=force)

    run = services.dedup_run_create(actor=officer)
    services.dedup_run_execute(run=run, progress=Recording())
    assert events == ["asked", "acquired", "read", "released"]
    assert "Menunggu impor yang sedang menulis selesai…" in messages


def test_an_unknown_import_is_refused(areas, officer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.dedup_run_create(actor=officer, import_id=987654)


def test_a_decision_is_audited_and_refused_outside_scope(labelled_registry, officer):
    from berdaya.core.models import AuditEvent

    a, b = Person.objects.order_by("id")[:2]
    services.pair_decide(actor=officer, person_a=a, person_b=b, decision="same")
    event = AuditEvent.objects.get(object_type="dedup.pairdecision")
    assert event.detail["decision"] == "same"
    elsewhere = factories.user("partner", org=factories.organisation("LSM Lain"))
    with pytest.raises(PermissionDenied):
        services.pair_decide(actor=elsewhere, person_a=a, person_b=b, decision="different")
    assert PairDecision.objects.get().decision == "same"


def test_the_run_command_prints_its_result(labelled_registry, officer):
    import json
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("dedup", "run", "--quiet", "--user", officer.username, stdout=out)
    result = json.loads(out.getvalue())
    assert result["people"] == len(labelled_registry)
    assert result["pairs"] == MatchPair.objects.filter(run_id=result["run_id"]).count() > 0
    with pytest.raises(CommandError, match="Pengguna tidak dikenal"):
        call_command("dedup", "run", "--quiet", "--user", "nobody")
    facilitator = factories.user("facilitator", villages=["15.02.01.2001"])
    with pytest.raises(CommandError, match="Hanya petugas"):
        call_command("dedup", "run", "--quiet", "--user", facilitator.username)


@pytest.mark.parametrize("stored", [False, True])
def test_a_run_whose_worker_died_is_failed_or_recognised_as_finished(officer, stored):
    """Issue 21.6: a worker killed in a run leaves it "running"; the restarted worker's recovery settles it."""
    import socket
    import subprocess

    from django.utils import timezone

    from berdaya.jobs.services import jobs_recover

    dead = subprocess.Popen(["true"])  # noqa: S607 - a pid that no longer exists
    dead.wait()
    run = services.dedup_run_create(actor=officer)
    job = Job.objects.create(
        kind="dedup.run",
        handler="berdaya.dedup.tasks.run_handler",
        params={"run_id": run.pk},
        status=Job.Status.RUNNING,
        started_at=timezone.now(),
        worker_host=socket.gethostname(),
        worker_pid=dead.pid,
    )
    DedupRun.objects.filter(pk=run.pk).update(
        job=job, status=DedupRun.Status.SUCCEEDED if stored else DedupRun.Status.RUNNING
    )

    assert jobs_recover() == [job.pk]

    run.refresh_from_db()
    job.refresh_from_db()
    if stored:
        assert (run.status, job.status) == (DedupRun.Status.SUCCEEDED, Job.Status.SUCCEEDED)
    else:
        assert (run.status, job.status) == (DedupRun.Status.FAILED, Job.Status.FAILED)
        assert "Jalankan ulang" in run.error and run.finished_at is not None


def _job_of(run, **fields):
    Job.objects.filter(pk=run.job_id).update(**fields)


def test_a_live_run_still_blocks_a_second(officer):
    """A run whose process is alive (this one; or elsewhere with a fresh heartbeat), or waits for the worker, is not
    ended by the next request: the second run is refused and the first goes on."""
    import socket
    from datetime import timedelta

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    busy = "sudah menunggu atau berjalan"
    queued = services.dedup_run_start(actor=officer)  # waits for the worker
    with pytest.raises(ValidationError, match=busy):
        services.dedup_run_create(actor=officer)
    assert Job.objects.get(pk=queued.job_id).status == Job.Status.QUEUED
    Job.objects.filter(pk=queued.job_id).delete()
    DedupRun.objects.all().delete()

    here = services.dedup_run_start(actor=officer, here=True)  # `berdaya dedup run` in this live process
    DedupRun.objects.filter(pk=here.pk).update(status=DedupRun.Status.RUNNING)
    with pytest.raises(ValidationError, match=busy):
        services.dedup_run_create(actor=officer)
    # on another host: its heartbeat decides (fresh: alive; a minute old: gone)
    _job_of(here, worker_host=socket.gethostname() + "-other", heartbeat_at=timezone.now())
    with pytest.raises(ValidationError, match=busy):
        services.dedup_run_create(actor=officer)
    here.refresh_from_db()
    assert (here.status, here.job.status) == (DedupRun.Status.RUNNING, Job.Status.RUNNING)
    _job_of(here, heartbeat_at=timezone.now() - timedelta(minutes=2))
    assert services.dedup_run_create(actor=officer).status == DedupRun.Status.QUEUED
    here.refresh_from_db()
    assert (here.status, here.job.status) == (DedupRun.Status.FAILED, Job.Status.FAILED)


def test_a_run_whose_worker_died_or_whose_job_was_cancelled_does_not_block(officer):
    import socket
    import subprocess

    from berdaya.jobs.services import job_cancel

    dead = subprocess.Popen(["true"])  # noqa: S607 - a pid that no longer exists
    dead.wait()
    web = services.dedup_run_start(actor=officer)
    DedupRun.objects.filter(pk=web.pk).update(status=DedupRun.Status.RUNNING)
    _job_of(web, status=Job.Status.RUNNING, worker_host=socket.gethostname(), worker_pid=dead.pid)
    # no worker has started again to recover it: the next run's request ends it
    second = services.dedup_run_start(actor=officer)
    web.refresh_from_db()
    assert (web.status, web.job.status) == (DedupRun.Status.FAILED, Job.Status.FAILED)
    # a run cancelled while it waited for the worker ends with its job
    job_cancel(actor=officer, job=second.job)
    third = services.dedup_run_create(actor=officer)
    second.refresh_from_db()
    assert second.status == DedupRun.Status.CANCELLED and second.finished_at is not None
    assert DedupRun.objects.filter(status__in=["queued", "running"]).get() == third


@pytest.mark.django_db(transaction=False)
def test_a_retried_job_starts_a_new_run_and_leaves_the_ended_one_as_it_ended(labelled_registry, officer, admin_user):
    """The jobs page's "Coba lagi" on a failed dedup job (jobs.services.job_retry: a new job with the same params)
    re-ran the ended run and turned it "succeeded" around the one-active-run rule. It now starts a new run through
    dedup_run_create: refused while another run is active, and the failed run stays failed."""
    from django.db import transaction

    from berdaya.jobs.services import job_retry

    old, _job = run_now(officer)
    DedupRun.objects.filter(pk=old.pk).update(status=DedupRun.Status.FAILED, error="Pekerja berhenti")
    Job.objects.filter(pk=old.job_id).update(status=Job.Status.FAILED)
    old_pairs = MatchPair.objects.filter(run=old).count()

    # Another run waiting for the worker: the retry's job fails with the one-run message and starts nothing.
    with transaction.atomic():
        waiting = services.dedup_run_start(actor=officer)
    with transaction.atomic():
        retried = job_retry(actor=admin_user, job=Job.objects.get(pk=old.job_id))
    failed = job_run(retried.pk)
    assert failed.status == Job.Status.FAILED
    assert "sudah menunggu atau berjalan" in (failed.error + failed.message)
    assert DedupRun.objects.filter(job=retried).count() == 0
    DedupRun.objects.filter(pk=waiting.pk).update(status=DedupRun.Status.CANCELLED)

    with transaction.atomic():
        retried = job_retry(actor=admin_user, job=Job.objects.get(pk=old.job_id))
    done = job_run(retried.pk)
    assert done.status == Job.Status.SUCCEEDED, done.error
    new = DedupRun.objects.get(job=retried)
    assert new.pk != old.pk and new.status == DedupRun.Status.SUCCEEDED and new.threshold == old.threshold
    old.refresh_from_db()
    assert old.status == DedupRun.Status.FAILED and old.error == "Pekerja berhenti"
    assert MatchPair.objects.filter(run=old).count() == old_pairs
    assert MatchPair.objects.filter(run=new).exists()
