# SQL here is assembled from table names defined in code and ids cast to int.
# ruff: noqa: S608
"""Record linkage runs (writes): start one as a background job, run it, remember officers' decisions on pairs.

    run = dedup_run_start(actor=user)                  # whole registry
    run = dedup_run_start(actor=user, import_id=12)    # one import batch against the registry

The run reads the registry into DuckDB (dbio), runs the Splink pipeline (linkage), then writes its pairs, clusters
and the people's match keys back in one transaction, set-based. Pairs an officer decided are "different people"
are never proposed again. The incremental check of new records is incremental.likely_matches.
"""

from __future__ import annotations

import time
from typing import Any

import duckdb
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.conf import conf
from berdaya.jobs.progress import Progress
from berdaya.registry.models import Person
from berdaya.registry.services import ensure_may_merge

from . import dbio, hooks, linkage
from .access import ensure_can_run_dedup
from .models import DedupRun, MatchPair, PairDecision, PersonKey

PAIR_COLUMNS = [
    "run_id",
    "person_low_id",
    "person_high_id",
    "match_probability",
    "match_weight",
    "explanation",
    "cluster_id",
]
KEY_COLUMNS = ["person_id", "name_key", "first_token", "birth_date", "district_code", "kk_number", "phone"]


def connect() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection for a run: at most DEDUP_MEMORY_LIMIT of memory (DuckDB's own default is 80% of the
    machine's), the rest spilled to the system's temporary directory."""
    import tempfile

    return duckdb.connect(config={"memory_limit": conf().dedup_memory_limit, "temp_directory": tempfile.gettempdir()})


def dedup_run_create(*, actor: User | None, import_id: int | None = None, threshold: float | None = None) -> DedupRun:
    """A queued run. A second run over the whole registry is refused while one is queued or running (it would read
    the same registry and write the same pairs twice); the page's button and `berdaya dedup run` alike."""
    if actor is not None:
        ensure_can_run_dedup(actor)
    threshold = conf().dedup_threshold if threshold is None else float(threshold)
    if not 0 < threshold < 1:
        raise ValidationError({"threshold": _("Ambang probabilitas harus di antara 0 dan 1.")})
    if import_id is not None and not hooks.import_people(import_id):
        raise ValidationError(_("Impor tidak dikenal, belum selesai, atau tidak menulis penduduk."))
    scope = DedupRun.Scope.IMPORT if import_id is not None else DedupRun.Scope.REGISTRY
    busy = _("Proses deduplikasi registri sudah menunggu atau berjalan; tunggu sampai selesai.")
    active = [DedupRun.Status.QUEUED, DedupRun.Status.RUNNING]
    if scope == DedupRun.Scope.REGISTRY and DedupRun.objects.filter(scope=scope, status__in=active).exists():
        _settle_dead_runs()
        if DedupRun.objects.filter(scope=scope, status__in=active).exists():
            raise ValidationError(busy)
    try:
        # Two requests at once both pass the check: the unique constraint (dedup_one_active_registry_run) refuses
        # the second, in a savepoint so the caller's transaction goes on.
        with transaction.atomic():
            return DedupRun.objects.create(scope=scope, import_id=import_id, threshold=threshold, started_by=actor)
    except IntegrityError:
        raise ValidationError(busy) from None


def _settle_dead_runs() -> None:
    """Registry runs that only look active: one whose process is gone (a worker or `berdaya dedup run` killed, a
    power cut) has its job ended here, at once, as the worker's recovery would (job_abandon; recover_run marks the
    run failed); one whose job already ended without it (cancelled while queued) is ended like its job."""
    from berdaya.jobs.models import Job
    from berdaya.jobs.services import job_abandon, worker_alive

    active = [DedupRun.Status.QUEUED, DedupRun.Status.RUNNING]
    runs = DedupRun.objects.filter(scope=DedupRun.Scope.REGISTRY, status__in=active).select_related("job")
    for run in runs:
        job = run.job
        if job is None:  # made by dedup_run_create alone (tests, a script): nothing tells whether it is alive
            continue
        if job.status == Job.Status.RUNNING and not worker_alive(job):
            job_abandon(job)
        elif job.is_finished:
            DedupRun.objects.filter(pk=run.pk, status__in=active).update(
                status=DedupRun.Status.CANCELLED if job.status == Job.Status.CANCELLED else DedupRun.Status.FAILED,
                error=_("Tugasnya berakhir sebelum proses ini selesai; tidak ada pasangan yang tersimpan."),
                finished_at=timezone.now(),
            )


def dedup_run_start(
    *, actor: User, import_id: int | None = None, threshold: float | None = None, here: bool = False
) -> DedupRun:
    """Create the run and hand it to the background worker (berdaya.jobs), which shows a progress bar.

    With `here` (`berdaya dedup run`) the job is this process's own (jobs.services.job_start_here), for the caller
    to run next (jobs.services.job_run): a process killed in it is found gone, as a worker is, and its run failed."""
    from berdaya.jobs.services import job_start, job_start_here

    with transaction.atomic():
        run = dedup_run_create(actor=actor, import_id=import_id, threshold=threshold)
        title = (
            _("Deduplikasi impor #%(id)s") % {"id": import_id} if import_id is not None else _("Deduplikasi registri")
        )
        job = (job_start_here if here else job_start)(
            actor=actor,
            kind="dedup.run",
            handler="berdaya.dedup.tasks.run_handler",
            params={"run_id": run.pk},
            title=title,
        )
        DedupRun.objects.filter(pk=run.pk).update(job=job)
        run.job = job
    return run


def recover_run(sender: object, job: Any, **kwargs: object) -> None:
    """jobs.services.job_abandoned: the worker of a dedup run is gone (killed, power cut). Its pairs are written in
    one transaction with the run's "succeeded", so either the run says succeeded with all its pairs, or none of them
    exists; a run still queued or running is marked failed (otherwise it would show "berjalan" for ever)."""
    if job.kind != "dedup.run":
        return
    run = DedupRun.objects.filter(pk=job.params.get("run_id")).first()
    if run is None:
        return
    if run.status == DedupRun.Status.SUCCEEDED:
        type(job).objects.filter(pk=job.pk).update(
            status="succeeded", message=_("Pekerja berhenti sesudah pasangan tersimpan; hasilnya lengkap."), error=""
        )
        return
    DedupRun.objects.filter(pk=run.pk, status__in=[DedupRun.Status.QUEUED, DedupRun.Status.RUNNING]).update(
        status=DedupRun.Status.FAILED,
        error=_("Pekerja berhenti sebelum selesai; tidak ada pasangan yang tersimpan. Jalankan ulang."),
        finished_at=timezone.now(),
    )


def dedup_run_execute(*, run: DedupRun, progress: Progress | None = None) -> dict[str, Any]:
    """Run the pipeline for `run` and store its results. A running import is waited for first (the run is
    queued behind it), so the registry is read only once the import has committed or rolled back."""
    progress = progress or Progress()
    started = time.perf_counter()
    DedupRun.objects.filter(pk=run.pk).update(status=DedupRun.Status.RUNNING)
    progress.start(100, _("Membaca registri…"))
    duck = connect()
    try:

        def waiting() -> None:
            progress.update(message=_("Menunggu impor yang sedang menulis selesai…"), force=True)

        release = hooks.write_lock(waiting)
        try:
            people = dbio.read_people(duck)
            batch = hooks.import_people(run.import_id) if run.import_id is not None else None
        finally:
            release()
        progress.update(done=10, message=_("Menyiapkan nama dan kunci…"))
        progress.check_cancelled()
        timings: dict[str, float] = {"read": round(time.perf_counter() - started, 3)}
        columns = linkage.prepare(duck)
        dbio.pull(
            duck,
            "different",
            [("unique_id_l", "BIGINT"), ("unique_id_r", "BIGINT")],
            "SELECT person_low_id, person_high_id FROM dedup_pairdecision WHERE decision = 'different'",
        )

        def step(name: str, share: float) -> None:
            progress.update(done=int(10 + share * 80), message=_("Tahap: %(step)s") % {"step": name})
            progress.check_cancelled()

        shipped = linkage.shipped_model_for(people, columns)
        lk = linkage.Linkage(con=duck, columns=columns, on_step=step, model=shipped)
        lk.build()
        if people >= 2:
            if shipped is None:
                lk.train()
            lk.predict(threshold=run.threshold, chunks=max(1, conf().dedup_chunks) if people > 200_000 else 1)
            lk.cluster(run.threshold, exclude="different")
            if batch is not None:
                duck.execute("CREATE TABLE batch AS SELECT unnest(?::BIGINT[]) AS id", [batch])
                duck.execute(
                    "DELETE FROM scored WHERE unique_id_l NOT IN (SELECT id FROM batch) "
                    "AND unique_id_r NOT IN (SELECT id FROM batch)"
                )
            duck.execute(f"CREATE TABLE explained AS {lk.explained_pairs_sql()}")
        else:
            duck.execute(
                "CREATE TABLE explained (person_low BIGINT, person_high BIGINT, match_probability DOUBLE, "
                "match_weight DOUBLE, explanation VARCHAR, cluster_id BIGINT)"
            )
        timings.update(lk.timings)
        progress.update(done=92, message=_("Menyimpan pasangan…"))
        t = time.perf_counter()
        with transaction.atomic():
            MatchPair.objects.filter(run=run).delete()
            pairs = dbio.push(
                duck,
                f"SELECT {int(run.pk)}, person_low, person_high, match_probability, match_weight, explanation, "
                "cluster_id FROM explained ORDER BY person_low, person_high",
                "dedup_matchpair",
                PAIR_COLUMNS,
            )
            keys = _write_keys(duck) if batch is None else 0
            clusters = duck.execute("SELECT count(DISTINCT cluster_id) FROM explained").fetchall()[0][0]
            timings["write"] = round(time.perf_counter() - t, 3)
            timings["total"] = round(time.perf_counter() - started, 3)
            DedupRun.objects.filter(pk=run.pk).update(
                status=DedupRun.Status.SUCCEEDED,
                people_count=people,
                comparisons=getattr(lk, "comparisons", 0),
                pairs_count=pairs,
                clusters_count=clusters,
                model=lk.trained_model() if people >= 2 else {},
                timings=timings,
                finished_at=timezone.now(),
            )
    except BaseException as exc:
        DedupRun.objects.filter(pk=run.pk).update(
            status=DedupRun.Status.CANCELLED if type(exc).__name__ == "JobCancelled" else DedupRun.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    finally:
        duck.close()
    progress.update(done=100, message=_("Selesai."), force=True)
    run.refresh_from_db()
    return {
        "run_id": run.pk,
        "people": people,
        "comparisons": run.comparisons,
        "pairs": pairs,
        "clusters": clusters,
        "keys": keys,
        "seconds": timings["total"],
    }


def _write_keys(duck: duckdb.DuckDBPyConnection) -> int:
    """Every person's match keys, rebuilt (the incremental check looks candidates up by them)."""
    PersonKey.objects.all().delete()
    keys = dbio.push(
        duck,
        "SELECT unique_id, COALESCE(left(name_sorted, 150), ''), COALESCE(left(first_name, 60), ''), "
        "TRY_CAST(birth_date AS DATE), COALESCE(left(district_id, 20), ''), COALESCE(left(kk_number, 16), ''), "
        "COALESCE(left(phone, 16), '') FROM people ORDER BY unique_id",
        "dedup_personkey",
        KEY_COLUMNS,
    )
    connection = connections[router.db_for_write(PersonKey)]
    if connection.vendor == "postgresql":
        # The incremental check reads a large table's size from its statistics (incremental.key_count): fresh
        # ones, with the keys (ANALYZE in the run's transaction counts the rows it wrote).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {PersonKey._meta.db_table}")
    return keys


def pair_decide(*, actor: User, person_a: Person, person_b: Person, decision: str, reason: str = "") -> PairDecision:
    """Record that two people are the same person or different people. "Different" is remembered: no later run
    proposes the pair again. Both people must be visible to the actor, who must be one who may merge them."""
    from berdaya.core.audit import audit
    from berdaya.core.models import AuditEvent
    from berdaya.registry.access import people_visible_to

    if decision not in PairDecision.Decision.values:
        raise ValidationError({"decision": _("Keputusan tidak dikenal.")})
    if person_a.pk == person_b.pk:
        raise ValidationError(_("Pasangan harus dua penduduk yang berbeda."))
    visible = people_visible_to(actor).filter(pk__in=[person_a.pk, person_b.pk]).count()
    if visible != 2:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Anda tidak berwenang atas salah satu penduduk ini."))
    # The same right as merging them (registry.services.ensure_may_merge): a decision leaves every queue.
    ensure_may_merge(actor, [person_a, person_b])
    low, high = sorted([person_a.pk, person_b.pk])
    with transaction.atomic():
        obj, _created = PairDecision.objects.update_or_create(
            person_low_id=low,
            person_high_id=high,
            defaults={"decision": decision, "actor": actor, "reason": reason.strip()[:300]},
        )
        audit(actor=actor, action=AuditEvent.Action.UPDATE, obj=obj, decision=decision, low=low, high=high)
    return obj
