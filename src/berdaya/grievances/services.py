"""Writes of grievances. Each service checks who may act (berdaya.grievances.access), validates with the model's
rules, runs in one transaction and records who did it; the clock, stage changes, assignment log and escalations are
the case engine's (berdaya.casework).

Nothing here logs or puts grievance content (description, names, numbers) into an exception message or an audit
row: audit details carry ids and codes only. Messages to the complainant carry the tracking code and the status.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.casework import choices as cw
from berdaya.casework.services import assignment_logged, escalation_record, stage_change
from berdaya.core.audit import audit, set_history_user
from berdaya.markets import choices as mc
from berdaya.markets.gsm import split_sms
from berdaya.markets.models import OutboxMessage
from berdaya.markets.providers import Inbound
from berdaya.registry.models import Person
from berdaya.targeting import services as targeting
from berdaya.targeting.models import Candidate

from . import choices as c
from .access import (
    can_record,
    ensure_can_handle,
    ensure_can_manage,
    ensure_links_visible,
    handlers,
    supervisors,
)
from .models import (
    Grievance,
    GrievanceAssignment,
    GrievanceAssignmentLog,
    GrievanceDecision,
    GrievanceEscalation,
    GrievanceStageChange,
    InboundMessage,
)
from .sla import policy

# Readable and short: no 0/O, 1/I/L, no vowels that spell words. 8 characters of 28: 3.8 × 10^11 codes.
CODE_ALPHABET = "23456789BCDFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8

SUBMIT_FIELDS = {
    "category",
    "objection_kind",
    "sensitivity",
    "description",
    "anonymous",
    "complainant_name",
    "complainant_phone",
    "reply_channel",
    "village",
    "received_on",
}
LINK_FIELDS = {"person_id", "household_id", "programme_id", "assistance_id", "run_id"}


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_code(text: str) -> str:
    """A code as typed (lower case, without the dash, with spaces) → its stored form."""
    raw = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == CODE_LENGTH else ""


def _derive(grievance: Grievance) -> None:
    """Fill what follows from the links: the person's household and village; restrict misconduct by default."""
    person = grievance.person if grievance.person_id else None
    if person is not None and not grievance.household_id:
        grievance.household_id = person.household_id
    household = grievance.household if grievance.household_id else None
    if household is not None and not grievance.village_id:
        grievance.village_id = household.village_id
    assistance = grievance.assistance if grievance.assistance_id else None
    if assistance is not None and not grievance.programme_id:
        grievance.programme_id = assistance.programme_id
    if grievance.category == c.Category.ILLEGAL_FEE and grievance.sensitivity == c.Sensitivity.NORMAL:
        # Illegal fees name an official: read by named handlers only, as misconduct.
        grievance.sensitivity = c.Sensitivity.MISCONDUCT


def _save_new(grievance: Grievance, actor: User | None) -> Grievance:
    _derive(grievance)
    grievance.stage = c.Stage.RECEIVED
    grievance.stage_entered_on = grievance.received_on or timezone.localdate()
    set_history_user(grievance, actor)
    grievance.code = new_code()
    grievance.full_clean(exclude=["code"])
    for _attempt in range(5):
        try:
            with transaction.atomic():
                grievance.save()
            break
        except IntegrityError:
            # A code already taken (one chance in 10^11): draw another.
            grievance.code = new_code()
    else:
        raise RuntimeError("no free tracking code")
    return grievance


def _data(data: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"unknown grievance fields: {sorted(unknown)}")
    return data


@transaction.atomic
def grievance_submit_public(*, data: dict[str, Any]) -> Grievance:
    """A grievance from the public web form: no login, no links to registry records (a member of the public does
    not see them); the handler links them later."""
    data = _data(data, SUBMIT_FIELDS - {"received_on"})
    grievance = _save_new(Grievance(channel=c.Channel.WEB, **data), None)
    audit(actor=None, action="create", obj=grievance, channel=grievance.channel, category=grievance.category)
    _inform(grievance, _received_text(grievance))
    return grievance


@transaction.atomic
def grievance_record(*, actor: User, data: dict[str, Any], channel: str = c.Channel.DESK) -> Grievance:
    """A grievance taken at the desk or by a facilitator on someone's behalf, with links to what it is about."""
    if not can_record(actor):
        raise PermissionDenied(_("Peran Anda tidak boleh mencatat pengaduan."))
    if channel not in (c.Channel.DESK, c.Channel.FACILITATOR):
        raise ValidationError({"channel": _("Pilih saluran loket atau pendamping.")})
    data = _data(data, SUBMIT_FIELDS | LINK_FIELDS)
    grievance = Grievance(channel=channel, created_by=actor, **data)
    ensure_links_visible(actor, grievance)
    _derive(grievance)
    ensure_links_visible(actor, grievance)
    _save_new(grievance, actor)
    audit(actor=actor, action="create", obj=grievance, channel=channel, category=grievance.category)
    _inform(grievance, _received_text(grievance))
    return grievance


@transaction.atomic
def grievance_link(*, actor: User, grievance: Grievance, data: dict[str, Any]) -> Grievance:
    """Link a grievance to a person, household, programme, assistance record or targeting run (and set its
    village), within what `actor` may see."""
    ensure_can_handle(actor, grievance)
    for field, value in _data(data, LINK_FIELDS | {"village", "objection_kind"}).items():
        setattr(grievance, field, value)
    ensure_links_visible(actor, grievance)
    _derive(grievance)
    ensure_links_visible(actor, grievance)
    set_history_user(grievance, actor)
    grievance.full_clean()
    grievance.save()
    audit(actor=actor, action="update", obj=grievance, linked=sorted(k for k, v in data.items() if v))
    return grievance


@transaction.atomic
def grievance_receive_inbound(*, channel: str, sender: str, body: str, external_id: str) -> Grievance | None:
    """A message from the SMS/WhatsApp gateway. A message starting with a tracking code adds to that grievance
    (an appeal when it was answered); any other message is a new grievance (category "other", to be sorted by a
    handler). A retried delivery (same gateway id) is taken once. Returns the grievance, or None for a repeat."""
    if channel not in c.INBOUND_CHANNELS:
        raise ValidationError({"channel": _("Saluran tidak dikenal.")})
    body = (body or "").strip()[:4000]
    if not body:
        raise ValidationError({"body": _("Pesan kosong.")})
    try:
        with transaction.atomic():
            message = InboundMessage.objects.create(
                channel=channel, external_id=external_id[:100], sender=sender[:16], body=body
            )
    except IntegrityError:
        return None
    first, _sep, rest = body.partition(" ")
    existing = Grievance.objects.filter(code=normalise_code(first)).first() if normalise_code(first) else None
    if existing is not None and existing.stage == c.Stage.FOLLOW_UP and rest.strip():
        grievance = grievance_appeal(actor=None, grievance=existing, text=rest.strip(), channel=channel)
    else:
        grievance = _save_new(
            Grievance(
                channel=channel,
                category=c.Category.OTHER,
                description=body,
                complainant_phone=sender,
                reply_channel=channel,
            ),
            None,
        )
        audit(actor=None, action="create", obj=grievance, channel=channel)
        _inform(grievance, _received_text(grievance))
    message.grievance = grievance
    message.save(update_fields=["grievance"])
    return grievance


def grievance_from_gateway(inbound: Inbound) -> dict[str, Any]:
    """The handler markets' inbound dispatch calls (registered in apps.py) for every message that is not a STOP or
    START: a grievance, or an addition to one."""
    grievance = grievance_receive_inbound(
        channel=inbound.channel, sender=inbound.sender, body=inbound.body, external_id=inbound.external_id
    )
    return {"handled": "grievance", "duplicate": grievance is None}


def _ensure_open(grievance: Grievance) -> None:
    if grievance.stage == c.Stage.CLOSED:
        raise ValidationError(_("Pengaduan sudah selesai."))


def _move(
    grievance: Grievance, to_stage: str, by: User | None, on: dt.date | None = None, note: str = ""
) -> GrievanceStageChange:
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"on": _("Tanggal tidak boleh di masa depan.")})
    if on < grievance.stage_entered_on:
        raise ValidationError({"on": _("Tanggal tidak boleh sebelum pengaduan masuk tahap sekarang.")})
    change = stage_change(
        case=grievance,
        policy=policy(),
        change_model=GrievanceStageChange,
        to_stage=to_stage,
        by=by,
        on=on,
        closed_stages=(c.Stage.CLOSED,),
        note=note[:300],
    )
    set_history_user(grievance, by)
    grievance.full_clean()
    grievance.save()
    return change  # type: ignore[return-value]


@transaction.atomic
def grievance_forward(*, actor: User, grievance: Grievance, to_unit: str, on: dt.date | None = None) -> Grievance:
    """Verified and forwarded to the unit in charge (SP4N-LAPOR!: within 3 working days of receipt)."""
    ensure_can_handle(actor, grievance)
    if grievance.stage != c.Stage.RECEIVED:
        raise ValidationError(_("Hanya pengaduan yang baru diterima yang bisa diteruskan."))
    to_unit = (to_unit or "").strip()
    if not to_unit:
        raise ValidationError({"to_unit": _("Isi unit yang menangani.")})
    grievance.forwarded_to = to_unit[:150]
    _move(grievance, c.Stage.FORWARDED, actor, on)
    audit(actor=actor, action="update", obj=grievance, stage=c.Stage.FORWARDED)
    _inform(grievance, _status_text(grievance))
    return grievance


@transaction.atomic
def grievance_decide(
    *,
    actor: User,
    grievance: Grievance,
    outcome: str,
    reason: str,
    referred_to: str = "",
    on: dt.date | None = None,
) -> GrievanceDecision:
    """The follow-up: a decision with its reason, told to the complainant (SP4N-LAPOR!: within 5 working days of
    forwarding). An upheld objection to a targeting decision goes into that run's review. A withdrawn grievance
    closes at once; any other waits 10 working days for the complainant's reply (an appeal) before it closes."""
    ensure_can_handle(actor, grievance)
    if grievance.stage not in (c.Stage.RECEIVED, c.Stage.FORWARDED):
        raise ValidationError(_("Pengaduan ini sudah diputuskan."))
    if outcome not in c.Outcome.values:
        raise ValidationError({"outcome": _("Pilih keputusan.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tuliskan alasan dan tindak lanjut keputusan.")})
    referred_to = (referred_to or "").strip()
    if outcome == c.Outcome.REFERRED and not referred_to:
        raise ValidationError({"referred_to": _("Isi instansi tujuan rujukan.")})
    decision = GrievanceDecision(
        case=grievance,
        outcome=outcome,
        reason=reason,
        referred_to=referred_to[:150],
        by=actor,
        decided_on=on or timezone.localdate(),
    )
    decision.full_clean()
    if outcome in c.UPHOLDING and grievance.category == c.Category.TARGETING_OBJECTION and grievance.run_id:
        objection_apply(actor=actor, grievance=grievance)
        decision.applied_to_run = True
    decision.save()
    grievance.follow_up_plan = reason[:2000]
    if outcome == c.Outcome.WITHDRAWN:
        _move(grievance, c.Stage.CLOSED, actor, on, note=_("dicabut pelapor"))
    else:
        _move(grievance, c.Stage.FOLLOW_UP, actor, on)
    audit(actor=actor, action="update", obj=grievance, outcome=outcome, applied_to_run=decision.applied_to_run)
    _inform(grievance, _decision_text(grievance, decision))
    return decision


def objection_apply(*, actor: User, grievance: Grievance) -> Candidate:
    """The one place an upheld objection reaches targeting: add the person to the run's list (left off) or exclude
    them (should not be on), with the grievance as the reason. The run must still be under review; the reviewer's
    rights are targeting's to check. The review log names the grievance as its source ("grievance:<code>"), so
    every change of the final list traces back to it."""
    run = grievance.run if grievance.run_id else None
    if grievance.person_id is None or run is None:
        raise ValidationError(_("Hubungkan pengaduan ke penduduk dan penetapan sasarannya dulu."))
    reason = _("Pengaduan %(code)s diterima: %(kind)s") % {
        "code": grievance.code,
        "kind": c.ObjectionKind(grievance.objection_kind).label if grievance.objection_kind else "",
    }
    source = f"grievance:{grievance.code}"
    person = Person.objects.select_related("household").get(pk=grievance.person_id)
    if grievance.objection_kind == c.ObjectionKind.SHOULD_NOT_BE_ON:
        candidate = Candidate.objects.filter(run=run, person=person).first()
        if candidate is None:
            raise ValidationError(_("Penduduk ini tidak ada di daftar penetapan sasaran tersebut."))
        return targeting.candidate_exclude(actor=actor, candidate=candidate, reason=reason, source=source)
    return targeting.candidate_add(actor=actor, run=run, person=person, reason=reason, source=source)


@transaction.atomic
def grievance_appeal(
    *, actor: User | None, grievance: Grievance, text: str, channel: str = c.Channel.DESK
) -> Grievance:
    """An appeal against the decision, while the complainant may still reply (the follow-up stage): a new grievance
    linked to the first and its decision, with the same links; the first closes as appealed."""
    if actor is not None:
        ensure_can_handle(actor, grievance)
    if grievance.stage != c.Stage.FOLLOW_UP:
        raise ValidationError(_("Banding hanya bisa diajukan setelah keputusan dan sebelum pengaduan ditutup."))
    decision = grievance.decisions.order_by("-at", "-id").first()
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Tuliskan alasan banding.")})
    appeal = Grievance(
        channel=channel,
        category=grievance.category,
        objection_kind=grievance.objection_kind,
        sensitivity=grievance.sensitivity,
        description=text[:4000],
        anonymous=grievance.anonymous,
        complainant_name=grievance.complainant_name,
        complainant_phone=grievance.complainant_phone,
        reply_channel=grievance.reply_channel,
        village_id=grievance.village_id,
        person_id=grievance.person_id,
        household_id=grievance.household_id,
        programme_id=grievance.programme_id,
        assistance_id=grievance.assistance_id,
        run_id=grievance.run_id,
        appeal_of=grievance,
        appealed_decision=decision,
        created_by=actor,
    )
    _save_new(appeal, actor)
    # The named handlers of a restricted grievance keep its appeal.
    for assignment in grievance.assignments.all():
        GrievanceAssignment.objects.create(case=appeal, user=assignment.user, assigned_by=assignment.assigned_by)
    _move(grievance, c.Stage.CLOSED, actor, note=_("banding %(code)s") % {"code": appeal.code})
    audit(actor=actor, action="create", obj=appeal, appeal_of=grievance.pk)
    _inform(appeal, _received_text(appeal))
    return appeal


@transaction.atomic
def grievance_close(*, actor: User, grievance: Grievance, note: str = "") -> Grievance:
    ensure_can_handle(actor, grievance)
    _ensure_open(grievance)
    if grievance.stage != c.Stage.FOLLOW_UP and not (note or "").strip():
        raise ValidationError({"note": _("Tuliskan alasan menutup pengaduan yang belum diputuskan.")})
    _move(grievance, c.Stage.CLOSED, actor, note=note)
    audit(actor=actor, action="update", obj=grievance, stage=c.Stage.CLOSED)
    _inform(grievance, _status_text(grievance))
    return grievance


@transaction.atomic
def grievances_close_unanswered(*, today: dt.date | None = None) -> int:
    """SP4N-LAPOR!: a follow-up the complainant has not replied to within 10 working days closes. Run daily
    (`berdaya grievances_daily`)."""
    due = Grievance.objects.filter(policy().breached_q(today), stage=c.Stage.FOLLOW_UP)
    closed = 0
    for grievance in due.select_for_update():
        _move(grievance, c.Stage.CLOSED, None, on=today, note=_("tidak ada tanggapan pelapor"))
        closed += 1
    return closed


@transaction.atomic
def grievance_escalate(*, actor: User, grievance: Grievance, reason: str) -> list[GrievanceEscalation]:
    """Take a grievance to the supervisors, with a reason."""
    ensure_can_handle(actor, grievance)
    _ensure_open(grievance)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tuliskan alasan eskalasi.")})
    rows = escalation_record(
        model=GrievanceEscalation,
        case=grievance,
        stage=grievance.stage,
        to=_escalation_targets(grievance),
        by=actor,
        reason=reason,
    )
    if not rows:
        raise ValidationError(_("Belum ada supervisor pengaduan: minta administrator menetapkannya."))
    audit(actor=actor, action="update", obj=grievance, escalated=len(rows))
    return rows  # type: ignore[return-value]


def _escalation_targets(grievance: Grievance) -> list[User]:
    """The supervisors. For a restricted grievance, the named supervisors only (others may not read it); when none
    is named, all supervisors, who then name one (the escalation tells them the code, not the content)."""
    sups = list(supervisors())
    if grievance.restricted:
        named = [u for u in sups if grievance.assignments.filter(user=u).exists()]
        return named or sups
    return sups


@transaction.atomic
def grievances_escalate_breached(*, today: dt.date | None = None) -> int:
    """Escalate every open grievance past the due date of its stage (not the follow-up wait, which closes) that was
    not yet escalated in that stage. Run daily (`berdaya grievances_daily`)."""
    breached = Grievance.objects.filter(policy().breached_q(today)).exclude(stage=c.Stage.FOLLOW_UP)
    count = 0
    for grievance in breached:
        if grievance.escalations.filter(stage=grievance.stage, at__date__gte=grievance.stage_entered_on).exists():
            continue
        rows = escalation_record(
            model=GrievanceEscalation,
            case=grievance,
            stage=grievance.stage,
            to=_escalation_targets(grievance),
            by=None,
            reason=_("lewat tenggat tahap %(s)s") % {"s": c.Stage(grievance.stage).label},
            automatic=True,
        )
        count += bool(rows)
    return count


@transaction.atomic
def grievance_assign(*, actor: User, grievance: Grievance, user: User, reason: str = "") -> GrievanceAssignment:
    """Name a handler. For a restricted grievance, naming opens its content to that person: a reason is needed."""
    ensure_can_manage(actor)
    if not handlers().filter(pk=user.pk).exists():
        raise ValidationError({"user": _("Pengguna ini bukan petugas pengaduan.")})
    if grievance.restricted and not (reason or "").strip():
        raise ValidationError({"reason": _("Tuliskan alasan menunjuk petugas untuk pengaduan terbatas ini.")})
    if GrievanceAssignment.objects.filter(case=grievance, user=user).exists():
        raise ValidationError({"user": _("Petugas ini sudah ditunjuk.")})
    assignment = GrievanceAssignment.objects.create(case=grievance, user=user, assigned_by=actor)
    action = cw.AssignmentAction.SELF_ASSIGN if user.pk == actor.pk else cw.AssignmentAction.ASSIGN
    assignment_logged(
        log_model=GrievanceAssignmentLog, case=grievance, user=user, action=action, reason=reason, by=actor
    )
    audit(actor=actor, action="update", obj=grievance, assigned_user=user.pk)
    return assignment


@transaction.atomic
def grievance_unassign(*, actor: User, grievance: Grievance, user: User, reason: str = "") -> None:
    ensure_can_manage(actor)
    deleted, _rows = GrievanceAssignment.objects.filter(case=grievance, user=user).delete()
    if deleted:
        assignment_logged(
            log_model=GrievanceAssignmentLog,
            case=grievance,
            user=user,
            action=cw.AssignmentAction.UNASSIGN,
            reason=reason,
            by=actor,
        )
        audit(actor=actor, action="update", obj=grievance, unassigned_user=user.pk)


@transaction.atomic
def grievance_handler_set(*, actor: User, user: User, is_supervisor: bool = False, active: bool = True) -> Any:
    from berdaya.core.access import capabilities

    from .models import GrievanceHandler

    if not capabilities(actor).is_admin:
        raise PermissionDenied(_("Hanya administrator yang boleh menetapkan petugas pengaduan."))
    handler, _created = GrievanceHandler.objects.update_or_create(
        user=user, defaults={"is_supervisor": is_supervisor, "is_active": active}
    )
    audit(actor=actor, action="update", obj=handler, supervisor=is_supervisor, active=active)
    return handler


# --- Messages to the complainant (through the markets outbox) ---------------------------------------------------


def _received_text(grievance: Grievance) -> str:
    return _("Pengaduan Anda diterima. Kode lacak: %(code)s. Simpan kode ini untuk cek status.") % {
        "code": grievance.code
    }


def _status_text(grievance: Grievance) -> str:
    return _("Pengaduan %(code)s: %(status)s.") % {
        "code": grievance.code,
        "status": c.PublicStatus(grievance.public_status).label,
    }


def _decision_text(grievance: Grievance, decision: GrievanceDecision) -> str:
    return _("Pengaduan %(code)s: %(outcome)s. Balas dengan %(code)s diikuti alasan bila ingin banding.") % {
        "code": grievance.code,
        "outcome": c.Outcome(decision.outcome).label,
    }


def _inform(grievance: Grievance, text: str) -> list[OutboxMessage]:
    """Queue a message to the complainant when they left a number and asked for news. The text names the code and
    the status, never the content: a shared phone must not tell the grievance to whoever reads it."""
    if not (grievance.complainant_phone and grievance.reply_channel):
        return []
    channel = grievance.reply_channel
    bodies: Iterable[str] = split_sms(text) if channel == mc.MessageChannel.SMS else [text]
    return OutboxMessage.objects.bulk_create(
        OutboxMessage(kind=mc.MessageKind.GRIEVANCE, channel=channel, to=grievance.complainant_phone, body=body)
        for body in bodies
    )
