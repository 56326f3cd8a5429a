"""Writes of targeting: score configurations, welfare scores and verifications, rule sets, runs and reviews.

Every function takes the acting user, checks what they may do (.access), runs in a transaction and
writes an audit row.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.audit import audit
from berdaya.jobs.models import Job
from berdaya.jobs.progress import Progress
from berdaya.registry.access import people_visible_to
from berdaya.registry.models import Household, Person

from . import choices as c
from . import engine, integrations, rules, scoring, selectors
from .access import (
    candidates_visible_to,
    criteria_withheld,
    criteria_withheld_message,
    ensure_admin,
    ensure_can_manage,
    ensure_can_recompute_scores,
    ensure_can_verify,
    pool_scope,
    run_withheld_from,
    run_withheld_message,
    sees_every_candidate,
)
from .models import Candidate, HouseholdWelfare, ReviewLog, RuleSet, RuleSetVersion, ScoreConfig, TargetingRun

logger = logging.getLogger(__name__)


# --- Welfare score -------------------------------------------------------------------------------------------


def score_config_active() -> ScoreConfig:
    """The active weights; the default set shipped in the repo becomes version 1 on first use."""
    config = ScoreConfig.objects.filter(active=True).first()
    if config is None:
        with transaction.atomic():
            config = ScoreConfig.objects.select_for_update().filter(active=True).first()
            if config is None:
                version = (ScoreConfig.objects.aggregate(v=Max("version"))["v"] or 0) + 1
                config = ScoreConfig.objects.create(
                    version=version,
                    weights=scoring.default_weights(),
                    note=_("Bobot bawaan"),
                    active=True,
                )
    return config


@transaction.atomic
def score_config_save(*, actor: User, weights: dict[str, Any], note: str = "", activate: bool = False) -> ScoreConfig:
    """Save changed weights as a new version (versions are never edited)."""
    ensure_admin(actor)
    errors = scoring.weight_errors(weights)
    if errors:
        raise ValidationError({"weights": errors})
    version = (ScoreConfig.objects.select_for_update().aggregate(v=Max("version"))["v"] or 0) + 1
    config = ScoreConfig(version=version, weights=weights, note=note, created_by=actor)
    config.full_clean()
    config.save()
    audit(actor=actor, action="event", event="targeting.score_config_save", obj=config, version=version)
    if activate:
        score_config_activate(actor=actor, config=config)
    return config


@transaction.atomic
def score_config_activate(*, actor: User, config: ScoreConfig) -> ScoreConfig:
    ensure_admin(actor)
    ScoreConfig.objects.filter(active=True).exclude(pk=config.pk).update(active=False)
    ScoreConfig.objects.filter(pk=config.pk).update(active=True)
    config.refresh_from_db()
    audit(actor=actor, action="event", event="targeting.score_config_activate", obj=config, version=config.version)
    return config


def welfare_compute(*, actor: User, progress: Progress | None = None) -> dict[str, Any]:
    """Score and rank every household with the active weights: one SQL statement, in one transaction."""
    ensure_can_recompute_scores(actor)
    progress = progress or Progress()
    config = score_config_active()
    progress.start(2, _("Menghitung skor kesejahteraan"))
    with transaction.atomic():
        scored = scoring.compute_all(weights=config.weights, version=config.version)
        progress.advance(1, _("Skor dan desil tersimpan"))
        progress.check_cancelled()
        audit(
            actor=actor,
            action="event",
            event="targeting.welfare_compute",
            object_type="targeting.householdwelfare",
            version=config.version,
            households=scored,
        )
    progress.advance(1)
    return {"households": scored, "version": config.version}


def welfare_score_households(household_ids: Iterable[int]) -> int:
    """Score households just registered or changed, so their decile shows at once (see scoring.score_some)."""
    config = score_config_active()
    with transaction.atomic():
        return scoring.score_some(household_ids=list(household_ids), weights=config.weights, version=config.version)


@transaction.atomic
def welfare_verify(*, actor: User, household: Household, decile: int | None, reason: str) -> HouseholdWelfare:
    """Record (or, with decile None, withdraw) a field verification that overrides the decile."""
    ensure_can_verify(actor, household)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tuliskan alasan verifikasi lapangan.")})
    if decile is not None and not 1 <= int(decile) <= 10:
        raise ValidationError({"decile": _("Desil harus antara 1 dan 10.")})
    welfare, _created = HouseholdWelfare.objects.select_for_update().get_or_create(household=household)
    before = welfare.verified_decile
    welfare.verified_decile = decile
    welfare.verified_reason = reason if decile is not None else ""
    welfare.verified_by = actor if decile is not None else None
    welfare.verified_at = timezone.now() if decile is not None else None
    welfare.full_clean()
    welfare.save()
    audit(actor=actor, action="event", event="targeting.welfare_verify", obj=household, before=before, after=decile)
    return welfare


@transaction.atomic
def official_deciles_import(*, actor: User, deciles: dict[int, int], source: str) -> int:
    """Keep imported official deciles (e.g. DTSEN) beside the local ones. `deciles` maps household id -> decile."""
    ensure_can_manage(actor)
    source = (source or "").strip()
    if not source:
        raise ValidationError({"source": _("Sebutkan sumber desil resmi, mis. DTSEN 2025.")})
    bad = [hid for hid, d in deciles.items() if not 1 <= int(d) <= 10]
    if bad:
        raise ValidationError(_("Desil harus antara 1 dan 10 (rumah tangga %(ids)s).") % {"ids": bad[:10]})
    now = timezone.now()
    existing = set(HouseholdWelfare.objects.filter(household_id__in=deciles).values_list("household_id", flat=True))
    HouseholdWelfare.objects.bulk_create(
        [HouseholdWelfare(household_id=hid) for hid in deciles if hid not in existing], batch_size=2000
    )
    rows = list(HouseholdWelfare.objects.filter(household_id__in=deciles))
    for row in rows:
        row.official_decile = int(deciles[row.household_id])
        row.official_source = source[:60]
        row.imported_at = now
    HouseholdWelfare.objects.bulk_update(rows, ["official_decile", "official_source", "imported_at"], batch_size=2000)
    audit(
        actor=actor,
        action="event",
        event="targeting.official_deciles_import",
        object_type="targeting.householdwelfare",
        source=source,
        households=len(rows),
    )
    return len(rows)


# --- Rule sets ---------------------------------------------------------------------------------------------------


def quota_errors(quotas: dict[str, Any], capacity: int | None) -> list[str]:
    errors = []
    minimums = {k: v for k, v in (quotas.get("minimums") or {}).items() if v}
    labels = dict(c.MinimumGroup.choices)
    for group, pct in minimums.items():
        if group not in labels:
            errors.append(_("Kelompok kuota tidak dikenal: %(g)s.") % {"g": group})
        elif not 0 <= float(pct) <= 100:
            errors.append(
                _("Kuota %(g)s %(p)s%% tidak sah: kuota harus antara 0%% dan 100%%.")
                % {"g": str(labels[group]).lower(), "p": rules.fmt(pct)}
            )
    if not errors and sum(float(p) for p in minimums.values()) > 100:
        errors.append(_("Jumlah kuota minimal kelompok melebihi 100%% kapasitas."))
    pct = quotas.get("per_district_max_pct")
    if pct is not None and not 0 < float(pct) <= 100:
        errors.append(
            _("Batas per kecamatan %(p)s%% tidak sah: harus di atas 0%% dan paling banyak 100%%.")
            % {"p": rules.fmt(pct)}
        )
    for key in ("per_district_max", "per_village_max"):
        if quotas.get(key) is not None and int(quotas[key]) < 1:
            errors.append(_("Batas per wilayah harus paling sedikit 1 orang."))
    if (minimums or pct) and not capacity:
        errors.append(_("Kuota dalam persen memerlukan kapasitas program."))
    if minimums and capacity and sum(math.ceil(capacity * float(p) / 100) for p in minimums.values()) > capacity:
        errors.append(_("Kursi yang dicadangkan kuota melebihi kapasitas; kurangi persentasenya."))
    return errors


def version_errors(
    *,
    rules_tree: Any,
    priority: list[str] | None,
    quotas: dict[str, Any] | None,
    capacity: int | None,
    confirmed_empty: bool,
    programme_id: int | None = None,
    actor: User | None = None,
) -> dict[str, list[str]]:
    """Every problem with a version's content, by part; with `actor`, also the criteria withheld from them
    (access.criteria_withheld: partner staff neither save nor run a rule that reads them)."""
    errors: dict[str, list[str]] = {}
    rule_problems = rules.rule_errors(rules_tree, allow_empty=confirmed_empty)
    if rule_problems:
        errors["rules"] = rule_problems
    elif actor is not None:
        withheld = criteria_withheld(actor, rules_tree=rules_tree, priority=priority, quotas=quotas)
        if withheld:
            errors["rules"] = [criteria_withheld_message(withheld)]
    bad_keys = [k for k in priority or [] if k not in c.PriorityKey.values]
    if bad_keys or len(set(priority or [])) != len(priority or []):
        errors["priority"] = [_("Urutan prioritas tidak sah: %(k)s.") % {"k": ", ".join(map(str, bad_keys))}]
    problems = quota_errors(quotas or {}, capacity)
    if problems:
        errors["quotas"] = problems
    if programme_id is not None and not integrations.programme_exists(programme_id):
        errors["programme"] = [_("Program tidak dikenal: %(v)s.") % {"v": programme_id}]
    return errors


@transaction.atomic
def ruleset_save(
    *,
    actor: User,
    ruleset: RuleSet | None = None,
    name: str,
    description: str = "",
    programme_id: int | None = None,
    rules_tree: dict[str, Any],
    priority: list[str] | None = None,
    quotas: dict[str, Any] | None = None,
    capacity: int | None = None,
    near_miss_limit: int = 200,
    confirmed_empty: bool = False,
) -> RuleSetVersion:
    """Create or change a rule set. The current version is edited in place until a run uses it; after that a
    change is a new version, so a run's list can always be traced to the rules that made it."""
    ensure_can_manage(actor, ruleset, programme_id)
    if programme_id is not None:
        ensure_can_manage(actor, None, programme_id)
    if capacity is None and programme_id is not None:
        capacity = integrations.programme_capacity(programme_id)
    errors = version_errors(
        rules_tree=rules_tree,
        priority=priority or [],
        quotas=quotas or {},
        capacity=capacity,
        confirmed_empty=confirmed_empty,
        programme_id=programme_id,
        actor=actor,
    )
    if not (name or "").strip():
        errors["name"] = [_("Isi nama aturan.")]
    if errors:
        raise ValidationError(errors)
    if ruleset is None:
        ruleset = RuleSet(created_by=actor)
    ruleset.name = name.strip()
    ruleset.description = description
    ruleset.programme_id = programme_id
    ruleset.full_clean()
    ruleset.save()
    current = ruleset.versions.select_for_update().order_by("-number").first()
    if current is None or current.locked:
        current = RuleSetVersion(ruleset=ruleset, number=(current.number + 1) if current else 1, created_by=actor)
    current.rules = rules_tree
    current.priority = priority or []
    current.quotas = quotas or {}
    current.capacity = capacity
    current.near_miss_limit = near_miss_limit
    current.confirmed_empty = confirmed_empty and rules.is_empty(rules_tree)
    current.full_clean()
    current.save()
    audit(actor=actor, action="event", event="targeting.ruleset_save", obj=ruleset, version=current.number)
    return current


def count_matching(tree: dict[str, Any], as_of: dt.date | None = None, *, actor: User) -> int:
    """The live count of the rule form: how many of the people `actor` may see meet the rules now (one COUNT over
    the registry, with one more condition for a scoped user: never a regency-wide count for them, nor one by a
    criterion withheld from them)."""
    scope = pool_scope(actor)
    withheld = criteria_withheld(actor, rules_tree=tree)
    if withheld:
        raise ValidationError(criteria_withheld_message(withheld))
    with transaction.atomic(), connection.cursor() as cursor:
        engine.tune(cursor, parallel=False)
        people = rules.matching_people(tree, as_of or timezone.localdate())
        return (people if scope is None else people.filter(scope)).count()


# --- Runs ------------------------------------------------------------------------------------------------------


HANDLER = "berdaya.targeting.tasks.run_handler"


def run_create(*, actor: User, ruleset: RuleSet) -> TargetingRun:
    """Lock the current version and create a queued run; refused while another run of this rule set (or of its
    programme) is queued or running."""
    ensure_can_manage(actor, ruleset)
    version = ruleset.current
    if version is None:
        raise ValidationError(_("Aturan ini belum punya kriteria."))
    problems = version_errors(
        rules_tree=version.rules,
        priority=version.priority,
        quotas=version.quotas,
        capacity=version.capacity,
        confirmed_empty=version.confirmed_empty,
        programme_id=ruleset.programme_id,
        actor=actor,
    )
    if problems:
        raise ValidationError([m for msgs in problems.values() for m in msgs])
    busy = TargetingRun.objects.filter(status__in=c.ACTIVE_RUN_STATUSES).filter(
        Q(ruleset=ruleset) | (Q(programme_id=ruleset.programme_id) if ruleset.programme_id else Q(pk__in=[]))
    )
    if busy.exists():
        raise ValidationError(_("Masih ada proses penetapan sasaran yang berjalan untuk aturan atau program ini."))
    try:
        with transaction.atomic():
            RuleSetVersion.objects.filter(pk=version.pk).update(locked=True)
            run = TargetingRun.objects.create(
                ruleset=ruleset,
                version=version,
                programme_id=ruleset.programme_id,
                as_of=timezone.localdate(),
                started_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError as exc:
        raise ValidationError(
            _("Masih ada proses penetapan sasaran yang berjalan untuk aturan atau program ini.")
        ) from exc
    audit(
        actor=actor, action="event", event="targeting.run_create", obj=run, ruleset=ruleset.pk, version=version.number
    )
    return run


@transaction.atomic
def run_start(*, actor: User, ruleset: RuleSet) -> TargetingRun:
    """Create the run and hand it to the background worker (berdaya.jobs), which shows a progress bar."""
    from berdaya.jobs.services import job_start

    run = run_create(actor=actor, ruleset=ruleset)
    job = job_start(
        actor=actor,
        kind="targeting.run",
        handler=HANDLER,
        params={"run_id": run.pk},
        title=_("Penetapan sasaran: %(n)s") % {"n": ruleset.name},
    )
    TargetingRun.objects.filter(pk=run.pk).update(job=job)
    run.job = job
    return run


def run_execute(*, run: TargetingRun, progress: Progress | None = None) -> dict[str, Any]:
    """Evaluate the run's rule version over the registry (the part its starter may see: pool_scope) and write its
    candidate list, all in one transaction: a failure or a cancel leaves no partial list."""
    progress = progress or Progress()
    TargetingRun.objects.filter(pk=run.pk).update(status=c.RunStatus.RUNNING)
    try:
        with transaction.atomic():
            progress.start(4, _("Menyusun kueri dari aturan"))
            config = ScoreConfig.objects.filter(active=True).first()
            # Runs are started by a signed-in user (run_create); one without a starter is the system's own.
            scope = pool_scope(run.started_by) if run.started_by is not None else None
            plan = engine.build(version=run.version, run_id=run.pk, as_of=run.as_of, scope=scope)
            progress.advance(1, _("Menilai seluruh registri dan menulis daftar calon"))
            progress.check_cancelled()
            engine.execute(plan)
            progress.advance(1, _("Menghitung ringkasan"))
            progress.check_cancelled()
            counts = dict(Candidate.objects.filter(run=run).values_list("status").annotate(n=Count("id")).order_by())
            selected = counts.get(c.CandidateStatus.SELECTED, 0)
            eligible = selected + counts.get(c.CandidateStatus.RESERVE, 0)
            TargetingRun.objects.filter(pk=run.pk).update(
                status=c.RunStatus.SUCCEEDED,
                eligible_count=eligible,
                selected_count=selected,
                near_miss_count=counts.get(c.CandidateStatus.NEAR_MISS, 0),
                score_version=config.version if config else None,
                finished_at=timezone.now(),
            )
            progress.advance(1, _("Daftar calon penerima siap ditinjau"))
    except Exception as exc:
        TargetingRun.objects.filter(pk=run.pk).update(
            status=c.RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    progress.advance(1)
    run.refresh_from_db()
    return {
        "run_id": run.pk,
        "eligible": run.eligible_count,
        "selected": run.selected_count,
        "near_miss": run.near_miss_count,
    }


def recover_run(sender: object, job: Job, **kwargs: object) -> None:
    """jobs.services.job_abandoned: the worker of a targeting run is gone (killed, power cut). Its one transaction
    either committed (the run says succeeded, with its whole list) or died with the connection (no candidate row of
    it exists); a run left queued or running is marked failed, so it does not hold the rule set's one active run."""
    if job.kind != "targeting.run":
        return
    run = TargetingRun.objects.filter(pk=job.params.get("run_id")).first()
    if run is None:
        return
    if run.status == c.RunStatus.SUCCEEDED:
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.SUCCEEDED,
            message=_("Pekerja berhenti sesudah daftar calon tersimpan; daftar itu lengkap."),
            error="",
        )
        return
    TargetingRun.objects.filter(pk=run.pk, status__in=list(c.ACTIVE_RUN_STATUSES)).update(
        status=c.RunStatus.FAILED,
        error=_("Pekerja berhenti sebelum selesai; tidak ada daftar calon yang tersimpan. Jalankan ulang."),
        finished_at=timezone.now(),
    )


# --- Review ------------------------------------------------------------------------------------------------------


def _ensure_reviewable(actor: User, run: TargetingRun) -> None:
    ensure_can_manage(actor, run.ruleset)
    withheld = run_withheld_from(actor, run)
    if withheld:
        # Its list is not shown to them (access.run_withheld_from): no one decides about a list they cannot read.
        raise PermissionDenied(run_withheld_message(withheld))
    # The status in the database, not a possibly stale object: approval closes the review for everyone.
    run.status = TargetingRun.objects.filter(pk=run.pk).values_list("status", flat=True).get()
    if run.status != c.RunStatus.SUCCEEDED:
        raise ValidationError(
            _("Daftar ini tidak bisa ditinjau lagi (status: %(s)s).") % {"s": run.get_status_display()}
        )


def _ensure_candidate_visible(actor: User, candidate: Candidate) -> None:
    """Review acts on people the reviewer may see, whoever started the run."""
    if not people_visible_to(actor).filter(pk=candidate.person_id).exists():
        raise PermissionDenied(_("Penduduk ini di luar wilayah atau organisasi Anda."))


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tuliskan alasannya: keputusan petugas harus bisa diperiksa.")})
    return reason[:300]


def review_source(source: str) -> tuple[str, str]:
    """Parse a review decision's source: "" (the officer's own review), "musdes:<id>" or "grievance:<code>"."""
    source = (source or "").strip()
    if not source:
        return c.ReviewSource.OFFICER, ""
    kind, _sep, ref = source.partition(":")
    ref = ref.strip()
    if kind == c.ReviewSource.OFFICER and not ref:
        return c.ReviewSource.OFFICER, ""
    if kind not in (c.ReviewSource.MUSDES, c.ReviewSource.GRIEVANCE) or not ref:
        raise ValidationError(_("Sumber keputusan tidak dikenal: %(s)s.") % {"s": source[:60]})
    if len(ref) > 40:
        raise ValidationError(_("Rujukan sumber keputusan terlalu panjang."))
    return kind, ref


@transaction.atomic
def candidate_exclude(*, actor: User, candidate: Candidate, reason: str, source: str = "") -> Candidate:
    """Take a person off the list, with a reason; `source` names a musdes ("musdes:<id>") or a grievance
    ("grievance:<code>") that decided it, "" for the officer's own review."""
    kind, ref = review_source(source)
    _ensure_reviewable(actor, candidate.run)
    _ensure_candidate_visible(actor, candidate)
    reason = _reason(reason)
    candidate.review = c.Review.EXCLUDED
    candidate.review_reason = reason
    candidate.save(update_fields=["review", "review_reason"])
    ReviewLog.objects.create(
        run=candidate.run,
        candidate=candidate,
        action=c.ReviewAction.EXCLUDE,
        reason=reason,
        actor=actor,
        source_kind=kind,
        source_ref=ref,
    )
    audit(
        actor=actor,
        action="event",
        event="targeting.candidate_exclude",
        obj=candidate,
        run=candidate.run_id,
        person=candidate.person_id,
        source=source,
    )
    return candidate


@transaction.atomic
def candidate_add(*, actor: User, run: TargetingRun, person: Person, reason: str, source: str = "") -> Candidate:
    """Put a person on the list by an officer's decision (e.g. after an objection), with a reason; `source` as in
    candidate_exclude."""
    kind, ref = review_source(source)
    _ensure_reviewable(actor, run)
    if not people_visible_to(actor).filter(pk=person.pk).exists():
        raise PermissionDenied(_("Penduduk ini di luar wilayah atau organisasi Anda."))
    reason = _reason(reason)
    if person.status != "active" or person.household.status != "active":
        raise ValidationError(_("Hanya penduduk yang masih tinggal di rumah tangga aktif yang bisa ditambahkan."))
    candidate = Candidate.objects.filter(run=run, person=person).first()
    if candidate is None:
        welfare = HouseholdWelfare.objects.filter(household_id=person.household_id).first()
        candidate = Candidate(
            run=run,
            person=person,
            household_id=person.household_id,
            village_id=person.household.village_id,
            district_code=person.household.village_id[:8],
            status=c.CandidateStatus.ADDED,
            decile=welfare.effective_decile if welfare else None,
            reasons="",
        )
    candidate.review = c.Review.ADDED
    candidate.review_reason = reason
    candidate.save()
    ReviewLog.objects.create(
        run=run,
        candidate=candidate,
        action=c.ReviewAction.ADD,
        reason=reason,
        actor=actor,
        source_kind=kind,
        source_ref=ref,
    )
    audit(
        actor=actor,
        action="event",
        event="targeting.candidate_add",
        obj=candidate,
        run=run.pk,
        person=person.pk,
        source=source,
    )
    return candidate


@transaction.atomic
def candidate_restore(*, actor: User, candidate: Candidate, reason: str = "", source: str = "") -> Candidate:
    """Undo an officer's exclusion or addition: the machine's outcome applies again; `source` as in
    candidate_exclude."""
    kind, ref = review_source(source)
    _ensure_reviewable(actor, candidate.run)
    _ensure_candidate_visible(actor, candidate)
    candidate.review = c.Review.NONE
    candidate.review_reason = ""
    candidate.save(update_fields=["review", "review_reason"])
    ReviewLog.objects.create(
        run=candidate.run,
        candidate=candidate,
        action=c.ReviewAction.RESTORE,
        reason=(reason or "").strip()[:300],
        actor=actor,
        source_kind=kind,
        source_ref=ref,
    )
    audit(
        actor=actor,
        action="event",
        event="targeting.candidate_restore",
        obj=candidate,
        run=candidate.run_id,
        person=candidate.person_id,
        source=source,
    )
    return candidate


@transaction.atomic
def run_approve(*, actor: User, run: TargetingRun) -> dict[str, int]:
    """Approve the reviewed list. With a programme, each person on it becomes a *proposed* enrolment.

    Someone limited in scope approves only a list made wholly of people they may see: approving would otherwise
    decide about (and, through the proposed enrolments, open to them) people they were never shown."""
    _ensure_reviewable(actor, run)
    run = TargetingRun.objects.select_for_update().get(pk=run.pk)
    if not sees_every_candidate(actor) and (
        selectors.final_candidates(run).exclude(pk__in=candidates_visible_to(actor, run).values("pk")).exists()
    ):
        raise PermissionDenied(
            _(
                "Daftar ini memuat penduduk di luar wilayah atau organisasi Anda: hanya petugas dinas yang boleh "
                "menyetujuinya."
            )
        )
    person_ids = list(selectors.final_candidates(run).order_by("rank", "id").values_list("person_id", flat=True))
    proposed = 0
    if run.programme_id:
        proposed = integrations.propose_enrolments(actor=actor, programme_id=run.programme_id, person_ids=person_ids)
    run.status = c.RunStatus.APPROVED
    run.approved_by = actor
    run.approved_at = timezone.now()
    run.save(update_fields=["status", "approved_by", "approved_at"])
    ReviewLog.objects.create(run=run, action=c.ReviewAction.APPROVE, reason="", actor=actor)
    audit(
        actor=actor, action="event", event="targeting.run_approve", obj=run, people=len(person_ids), proposed=proposed
    )
    return {"approved": len(person_ids), "proposed": proposed}
