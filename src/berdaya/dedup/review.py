"""The review queue: pairs to look at, both records side by side, the officer's decision (same person: merge;
different people: remembered, never proposed again) and the merge history with undo."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.access import Capabilities
from berdaya.core.audit import audit
from berdaya.core.conf import conf
from berdaya.core.masking import mask_nik, mask_phone, mask_text
from berdaya.registry.models import Person, PersonMerge
from berdaya.registry.services import ensure_may_merge, merge_reason, person_merge_undo, persons_merge

from .access import can_review_duplicates, decisions_visible_to, ensure_can_review_duplicates, pairs_reviewable_by
from .models import DedupRun, MatchPair, PairDecision
from .selectors import pairs_visible_to


def review_queue(
    *, actor: User, run: DedupRun | None = None, min_probability: float | None = None
) -> QuerySet[MatchPair]:
    """Pairs at or above `min_probability` (default: the review threshold, DEDUP_REVIEW_THRESHOLD), not yet decided,
    of one run (default: the latest finished one), most likely first."""
    if not can_review_duplicates(actor):
        return MatchPair.objects.none()
    bar = conf().dedup_review_threshold if min_probability is None else min_probability
    return pairs_visible_to(actor, run=run, min_probability=bar).select_related(
        "person_low__household__village__district", "person_high__household__village__district"
    )


def queue_thresholds(run: DedupRun | None) -> list[float]:
    """The bars a reviewer may choose for the queue, highest first: the review threshold (the default), then each
    tenth below it down to the threshold the run stored its pairs at (below it there are no pairs), that one
    included. Once the likeliest pairs are decided, the less certain ones a run found still get a person's look."""
    default = conf().dedup_review_threshold
    stored = run.threshold if run is not None else conf().dedup_threshold
    bars = [default]
    step = round(default - 0.1, 2)
    while step > stored + 1e-9:
        bars.append(step)
        step = round(step - 0.1, 2)
    if stored < default - 1e-9:
        bars.append(round(stored, 2))
    return bars


def queue_threshold(value: str | None, run: DedupRun | None) -> float:
    """The bar asked for (`?min=0.7`) when it is one of `queue_thresholds`, else the review threshold."""
    bars = queue_thresholds(run)
    try:
        asked = float(value or "")
    except ValueError:
        return bars[0]
    return next((bar for bar in bars if abs(bar - asked) < 1e-9), bars[0])


@dataclass(frozen=True)
class Row:
    label: str
    low: str
    high: str
    differs: bool


def _fields(person: Person, caps: Capabilities) -> list[tuple[str, Any, str]]:
    """(label, raw value compared, value shown) for one record; identifiers masked unless the role sees them."""
    hh = person.household
    shown = caps.sees_identifiers

    def identifier(value: str, mask: Any) -> str:
        return value if shown or not value else mask(value)

    return [
        (_("Nama lengkap"), person.full_name.strip().casefold(), person.full_name),
        (_("NIK"), person.nik or "", identifier(person.nik or "", mask_nik)),
        (_("Jenis kelamin"), person.sex, person.get_sex_display()),
        (_("Tanggal lahir"), person.birth_date, person.birth_date.strftime("%d-%m-%Y")),
        (_("Tempat lahir"), person.birth_place.strip().casefold(), person.birth_place),
        (_("Hubungan dalam keluarga"), person.relationship, person.get_relationship_display()),
        (_("Nomor KK"), hh.kk_number, identifier(hh.kk_number, mask_nik)),
        (_("Desa/kelurahan"), hh.village_id, f"{hh.village.name}, {hh.village.district.name}"),
        (_("Alamat"), hh.address.strip().casefold(), identifier(hh.address, mask_text)),
        (_("Nomor HP"), person.phone, identifier(person.phone, mask_phone)),
        (_("Status"), person.status, person.get_status_display()),
    ]


def pair_compare(pair: MatchPair, caps: Capabilities) -> list[Row]:
    low, high = _fields(pair.person_low, caps), _fields(pair.person_high, caps)
    return [
        Row(str(label), a_shown or "—", b_shown or "—", a != b)
        for (label, a, a_shown), (_l, b, b_shown) in zip(low, high, strict=True)
    ]


def pair_reasons(pair: MatchPair) -> list[dict[str, Any]]:
    """The run's per-field reasons, strongest first: positive weights for, negative against. The stored labels are
    the engine's Indonesian ones (linkage.FIELDS); they are translated here, for display only."""
    items = [
        {**e, "label": _(str(e["label"]))} for e in (pair.explanation or []) if isinstance(e, dict) and e.get("label")
    ]
    return sorted(items, key=lambda e: -abs(float(e.get("weight") or 0)))


def _decide(*, actor: User, pair: MatchPair, decision: str, reason: str) -> PairDecision:
    try:
        with transaction.atomic():
            return PairDecision.objects.create(
                person_low=pair.person_low, person_high=pair.person_high, decision=decision, actor=actor, reason=reason
            )
    except IntegrityError:
        raise ValidationError(_("Pasangan ini sudah diputuskan.")) from None


DECISIONS = {PairDecision.Decision.SAME.value, PairDecision.Decision.DIFFERENT.value}


def ensure_known_decision(value: str | None) -> str:
    """The decision posted: "same" or "different"; anything else (a typo, a forged form, nothing) is refused, so an
    unknown value is never recorded as one of them."""
    if value not in DECISIONS:
        raise ValidationError(
            {"decision": _('Keputusan tidak dikenal: pilih "orang yang sama" atau "orang yang berbeda".')}
        )
    return value


@transaction.atomic
def pair_mark_different(*, actor: User, pair: MatchPair, reason: str = "") -> PairDecision:
    """Two different people: remembered, so no run proposes the pair again. It takes the right to merge the pair
    (registry.services.ensure_may_merge): the decision takes the pair out of every reviewer's queue."""
    ensure_can_review_duplicates(actor)
    if not pairs_reviewable_by(actor).filter(pk=pair.pk).exists():
        raise PermissionDenied(_("Pasangan ini di luar wilayah atau organisasi Anda."))
    ensure_may_merge(actor, [pair.person_low, pair.person_high])
    decision = _decide(
        actor=actor,
        pair=pair,
        decision=PairDecision.Decision.DIFFERENT,
        reason=merge_reason(reason, "reason", _("keputusan"), required=False),
    )
    audit(actor=actor, action="event", obj=decision, event="pair_different", pair=pair.pk)
    return decision


def pair_decision(pair: MatchPair) -> PairDecision | None:
    """The decision taken on the pair's two people, if any (whichever run proposed them)."""
    return (
        PairDecision.objects.select_related("actor")
        .filter(person_low_id=pair.person_low_id, person_high_id=pair.person_high_id)
        .first()
    )


@transaction.atomic
def decision_revoke(*, actor: User, decision: PairDecision, reason: str) -> None:
    """Take back a "different people" decision: the pair is back in the queue of the run that proposed it, and the
    next run proposes it again. The same right as deciding it (ensure_may_merge over both people), a reason required
    as for a merge; audited. A "same" decision is taken back by undoing its merge."""
    ensure_can_review_duplicates(actor)
    reason = merge_reason(reason, "reason", _("pembatalan keputusan"))
    locked = PairDecision.objects.select_for_update().filter(pk=decision.pk).first()
    if locked is None:
        raise ValidationError(_("Keputusan ini sudah dibatalkan."))
    if not decisions_visible_to(actor).filter(pk=locked.pk).exists():
        raise PermissionDenied(_("Pasangan ini di luar wilayah atau organisasi Anda."))
    if locked.decision != PairDecision.Decision.DIFFERENT:
        raise ValidationError(_('Keputusan "orang yang sama" dibatalkan lewat pembatalan penggabungannya.'))
    people = Person.objects.select_related("household").filter(pk__in=[locked.person_low_id, locked.person_high_id])
    ensure_may_merge(actor, list(people))
    audit(
        actor=actor,
        action="event",
        obj=locked,
        event="pair_decision_revoke",
        decision=locked.decision,
        low=locked.person_low_id,
        high=locked.person_high_id,
        decided_by=locked.actor_id,
    )
    locked.delete()


@transaction.atomic
def pair_merge(*, actor: User, pair: MatchPair, survivor_id: int, reason: str) -> PersonMerge:
    """The same person: the chosen record stays, the other is merged into it (registry.services.persons_merge)."""
    ensure_can_review_duplicates(actor)
    if not pairs_reviewable_by(actor).filter(pk=pair.pk).exists():
        raise PermissionDenied(_("Pasangan ini di luar wilayah atau organisasi Anda."))
    people = {pair.person_low_id: pair.person_low, pair.person_high_id: pair.person_high}
    if survivor_id not in people:
        raise ValidationError({"survivor": _("Pilih data yang dipertahankan: salah satu dari kedua data ini.")})
    survivor = people.pop(survivor_id)
    (merged,) = people.values()
    record = persons_merge(actor=actor, survivor=survivor, merged=merged, reason=reason)
    _decide(actor=actor, pair=pair, decision=PairDecision.Decision.SAME, reason=record.reason)
    return record


def merge_notes(record: PersonMerge) -> list[str]:
    """What a merge changed in the households, in words for the officer to check (from its recorded rows)."""
    notes: list[str] = []
    for move in record.moves.filter(moved=False, model__in=["registry.Person", "registry.Household"]):
        if move.model == "registry.Person" and "relationship" in move.old:
            person = Person.objects.select_related("household").get(pk=move.object_pk)
            notes.append(
                _("%(name)s sekarang kepala keluarga rumah tangga #%(hh)s; periksa dan perbaiki bila perlu.")
                % {"name": person.full_name, "hh": person.household_id}
            )
        elif move.model == "registry.Household" and "status" in move.old:
            notes.append(_("Rumah tangga #%(hh)s tidak punya anggota aktif lagi dan ditutup.") % {"hh": move.object_pk})
    return notes


@transaction.atomic
def merge_undo(*, actor: User, merge_record: PersonMerge, reason: str) -> PersonMerge:
    """Undo a merge; the pair's "same" decision goes too, so the pair may be reviewed again."""
    ensure_can_review_duplicates(actor)
    record = person_merge_undo(actor=actor, merge_record=merge_record, reason=reason)
    low, high = sorted([record.survivor_id, record.merged_id])
    PairDecision.objects.filter(person_low=low, person_high=high, decision=PairDecision.Decision.SAME).delete()
    return record
