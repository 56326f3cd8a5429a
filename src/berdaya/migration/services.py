"""Writes of the migrant-worker module. Each service checks scope (registry.access) or case access
(berdaya.migration.access), validates with the model's rules, runs in one transaction and records who did it.

Nothing here logs or puts case content (summary, notes, file names, reasons) into an exception message or an audit
row: audit details carry ids and codes only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.casework.services import assignment_logged, stage_change
from berdaya.core.access import capabilities
from berdaya.core.audit import audit, set_history_user
from berdaya.core.conf import conf
from berdaya.core.documents import check_document, store_document
from berdaya.registry import choices as rc
from berdaya.registry.access import ensure_can_edit_household, people_visible_to
from berdaya.registry.models import Person

from . import choices as c
from .access import can_manage_cases, can_read_case, is_case_worker
from .models import (
    CaseAssignment,
    CaseAssignmentLog,
    CaseDocument,
    CaseNote,
    CaseReferral,
    CaseStageChange,
    CaseWorker,
    MigrationEpisode,
    Notification,
    RightsCase,
)
from .sla import policy

EPISODE_FIELDS = {
    "destination",
    "destination_detail",
    "sector",
    "employer",
    "channel",
    "placement_company",
    "placement_company_licence",
    "contract_start",
    "contract_end",
    "departure_date",
    "return_date",
    "family_contact",
    "family_contact_name",
    "family_contact_phone",
    "family_contact_relationship",
    *[f"doc_{d}" for d in c.Document.values],
}


def _save(obj: Model, actor: User) -> None:
    set_history_user(obj, actor)
    obj.full_clean()
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        if "episode_one_open_per_person" in str(exc) or "UNIQUE" in str(exc).upper():
            raise ValidationError(_("Penduduk ini sudah punya episode migrasi yang masih berjalan.")) from None
        raise


# --- Episodes -----------------------------------------------------------------------------------------------------


def _check_family_contact(actor: User, episode: MigrationEpisode) -> None:
    contact = episode.family_contact
    if contact is None:
        return
    if not people_visible_to(actor).filter(pk=contact.pk).exists():
        raise ValidationError({"family_contact": _("Kontak keluarga tidak ditemukan di wilayah Anda.")})
    if contact.status == rc.PersonStatus.DECEASED:
        raise ValidationError({"family_contact": _("Kontak keluarga sudah meninggal: pilih orang lain.")})


@transaction.atomic
def episode_create(*, actor: User, person: Person, data: dict[str, Any]) -> MigrationEpisode:
    """Record a plan to leave, a departure already made, or a return. A non-procedural episode needs no document."""
    ensure_can_edit_household(actor, person.household)
    if person.status == rc.PersonStatus.DECEASED:
        raise ValidationError(_("Penduduk yang sudah meninggal tidak bisa dicatat berangkat bekerja."))
    unknown = set(data) - EPISODE_FIELDS - {"stage"}
    if unknown:
        raise ValueError(f"unknown episode fields: {sorted(unknown)}")
    episode = MigrationEpisode(person=person, created_by=actor, **data)
    _check_family_contact(actor, episode)
    _save(episode, actor)
    audit(actor=actor, action="create", obj=episode, stage=episode.stage)
    return episode


@transaction.atomic
def episode_update(*, actor: User, episode: MigrationEpisode, data: dict[str, Any]) -> MigrationEpisode:
    """Change the details and document checklist. The stage moves only through `episode_advance`."""
    ensure_can_edit_household(actor, episode.person.household)
    chosen = episode.family_contact_id
    for field, value in data.items():
        if field not in EPISODE_FIELDS:
            raise ValueError(f"not an editable episode field: {field}")
        setattr(episode, field, value)
    # A contact chosen before stands, whoever edits the rest (partner staff may not see her: the form leaves the
    # field out for them); a new choice must be someone the actor may see.
    if episode.family_contact_id != chosen:
        _check_family_contact(actor, episode)
    _save(episode, actor)
    return episode


@transaction.atomic
def episode_advance(
    *, actor: User, episode: MigrationEpisode, to_stage: str, date: dt.date | None = None
) -> MigrationEpisode:
    """Move an episode forward in its lifecycle. Leaving sets the departure date; coming home the return date."""
    ensure_can_edit_household(actor, episode.person.household)
    allowed = c.STAGE_MOVES.get(episode.stage, ())
    if to_stage not in allowed:
        raise ValidationError(
            _("Tahap tidak bisa berpindah dari %(a)s ke %(b)s.")
            % {"a": c.Stage(episode.stage).label, "b": c.Stage(to_stage).label if to_stage in c.Stage else to_stage}
        )
    date = date or timezone.localdate()
    if to_stage == c.Stage.WORKING:
        episode.departure_date = date
    elif to_stage == c.Stage.RETURNED:
        episode.return_date = date
    episode.stage = to_stage
    _save(episode, actor)
    return episode


# --- Cases: intake, assignment, workflow --------------------------------------------------------------------------


def _notify(users: Iterable[User], case: RightsCase, kind: str, message: str) -> None:
    Notification.objects.bulk_create(
        [Notification(recipient=user, case=case, kind=kind, message=message[:200]) for user in users]
    )


def _trafficking_message(case: RightsCase) -> str:
    return _("%(ref)s: indikasi perdagangan orang (TPPO). Prioritas: mendesak.") % {"ref": case.reference}


def _raise_for_trafficking(case: RightsCase) -> None:
    """A trafficking indication makes the case urgent and tells the supervisors on it (all active supervisors when
    none is assigned yet, so that it cannot wait unseen in the queue)."""
    if case.priority != c.Priority.URGENT:
        case.priority = c.Priority.URGENT
        case.save(update_fields=["priority", "updated_at"])
    supervisors = list(
        User.objects.filter(
            case_worker__is_supervisor=True, case_worker__is_active=True, case_assignments__case=case
        ).distinct()
    )
    if not supervisors:
        supervisors = list(User.objects.filter(case_worker__is_supervisor=True, case_worker__is_active=True))
    _notify(supervisors, case, c.NotificationKind.TRAFFICKING, _trafficking_message(case))


@transaction.atomic
def case_intake(*, actor: User, person: Person, data: dict[str, Any]) -> RightsCase:
    """Take in a complaint. Whoever may edit the person's household (or a case worker) can file it; reading it
    afterwards is for the assigned case workers only. A case worker filing a case is assigned to it."""
    caps = capabilities(actor)
    if not people_visible_to(actor).filter(pk=person.pk).exists():
        raise PermissionDenied(_("Penduduk ini di luar wilayah atau organisasi Anda."))
    if not (caps.edits_registry or is_case_worker(actor)):
        raise PermissionDenied(_("Peran Anda tidak boleh mencatat pengaduan."))
    case = RightsCase(person=person, created_by=actor, stage=c.CaseStage.INTAKE, **data)
    case.stage_entered_on = case.received_on or timezone.localdate()
    if case.complaint_type == c.ComplaintType.TRAFFICKING:
        case.priority = c.Priority.URGENT
    _save(case, actor)
    if is_case_worker(actor):
        CaseAssignment.objects.create(case=case, user=actor, assigned_by=actor)
        assignment_logged(
            log_model=CaseAssignmentLog, case=case, user=actor, action=c.AssignmentAction.ASSIGN, by=actor
        )
    if case.complaint_type == c.ComplaintType.TRAFFICKING:
        _raise_for_trafficking(case)
    audit(actor=actor, action="create", obj=case, complaint_type=case.complaint_type)
    return case


def _ensure_can_handle(actor: User, case: RightsCase) -> None:
    if not can_read_case(actor, case):
        raise PermissionDenied(_("Hanya pengelola kasus yang ditugaskan yang boleh menangani kasus ini."))


@transaction.atomic
def case_assign(*, actor: User, case: RightsCase, user: User, reason: str = "") -> CaseAssignment:
    """Assign a case worker to a case. Assigning oneself opens the case's confidential content to oneself, so it
    needs a reason, is told to the case workers already on the case (or, when there are none, to the other
    supervisors), and stays in the case's assignment log after the assignment is removed (docs/security.md)."""
    if not can_manage_cases(actor):
        raise PermissionDenied(_("Hanya supervisor kasus atau administrator yang boleh menugaskan kasus."))
    reason = (reason or "").strip()[:300]
    own = user.pk == actor.pk
    if own and not reason:
        raise ValidationError(
            {
                "reason": _(
                    "Tuliskan alasan Anda menugaskan diri sendiri pada kasus ini: alasan itu tercatat di riwayat "
                    "penugasan dan pengelola kasus lainnya diberi tahu."
                )
            }
        )
    worker = CaseWorker.objects.filter(user=user, is_active=True, user__is_active=True).first()
    if worker is None:
        raise ValidationError(
            {"user": _("Pengguna ini tidak punya hak pengelola kasus: tetapkan dulu sebagai pengelola kasus.")}
        )
    if CaseAssignment.objects.filter(case=case, user=user).exists():
        raise ValidationError({"user": _("Pengguna ini sudah ditugaskan pada kasus ini.")})
    others = list(User.objects.filter(case_assignments__case=case).exclude(pk=actor.pk).distinct())
    assignment = CaseAssignment.objects.create(case=case, user=user, assigned_by=actor)
    assignment_logged(
        log_model=CaseAssignmentLog,
        case=case,
        user=user,
        action=c.AssignmentAction.SELF_ASSIGN if own else c.AssignmentAction.ASSIGN,
        reason=reason,
        by=actor,
    )
    if own:
        told = others or list(
            User.objects.filter(case_worker__is_supervisor=True, case_worker__is_active=True, is_active=True).exclude(
                pk=actor.pk
            )
        )
        # The reason stays on the case (it may describe the case); the notification names the case and who took it.
        _notify(
            told,
            case,
            c.NotificationKind.SELF_ASSIGNED,
            _("%(user)s menugaskan dirinya sendiri pada %(ref)s; alasannya ada di riwayat penugasan kasus.")
            % {"user": actor.get_full_name() or actor.username, "ref": case.reference},
        )
    if worker.is_supervisor and case.complaint_type == c.ComplaintType.TRAFFICKING:
        _notify([user], case, c.NotificationKind.TRAFFICKING, _trafficking_message(case))
    elif not own:
        _notify(
            [user],
            case,
            c.NotificationKind.ASSIGNED,
            _("Anda ditugaskan pada %(ref)s (%(type)s).")
            % {"ref": case.reference, "type": case.get_complaint_type_display()},
        )
    audit(actor=actor, action="update", obj=case, assigned_user=user.pk, self_assigned=own)
    return assignment


@transaction.atomic
def case_unassign(*, actor: User, case: RightsCase, user: User, reason: str = "") -> None:
    """Remove an assignment. The assignment log keeps it: removing oneself does not erase having read the case."""
    if not can_manage_cases(actor):
        raise PermissionDenied(_("Hanya supervisor kasus atau administrator yang boleh mengubah penugasan."))
    deleted, _rows = CaseAssignment.objects.filter(case=case, user=user).delete()
    if deleted:
        assignment_logged(
            log_model=CaseAssignmentLog,
            case=case,
            user=user,
            action=c.AssignmentAction.UNASSIGN,
            reason=reason,
            by=actor,
        )
        audit(actor=actor, action="update", obj=case, unassigned_user=user.pk)


@transaction.atomic
def case_change_type(*, actor: User, case: RightsCase, complaint_type: str) -> RightsCase:
    """Correct the complaint type, e.g. when assessment finds a trafficking indication."""
    _ensure_can_handle(actor, case)
    if complaint_type not in c.ComplaintType.values:
        raise ValidationError({"complaint_type": _("Jenis pengaduan tidak dikenal.")})
    was_trafficking = case.complaint_type == c.ComplaintType.TRAFFICKING
    case.complaint_type = complaint_type
    _save(case, actor)
    if complaint_type == c.ComplaintType.TRAFFICKING and not was_trafficking:
        _raise_for_trafficking(case)
    return case


@transaction.atomic
def case_set_priority(*, actor: User, case: RightsCase, priority: int) -> RightsCase:
    _ensure_can_handle(actor, case)
    if case.complaint_type == c.ComplaintType.TRAFFICKING and priority < c.Priority.URGENT:
        raise ValidationError({"priority": _("Kasus dengan indikasi perdagangan orang tetap berprioritas mendesak.")})
    case.priority = priority
    _save(case, actor)
    return case


@transaction.atomic
def case_move(
    *,
    actor: User,
    case: RightsCase,
    to_stage: str,
    reason: str = "",
    referral_target: str = "",
    institution: str = "",
    on: dt.date | None = None,
) -> RightsCase:
    """Move a case along intake → assessment → referral → follow-up → resolved, or close it.

    Skipping a stage, or closing a case that was not resolved, needs a reason. Moving to referral needs the
    institution referred to. Nothing moves backwards: a re-referral is recorded with `case_refer`.
    """
    _ensure_can_handle(actor, case)
    on = on or timezone.localdate()
    reason = reason.strip()
    current = case.stage
    if current == c.CaseStage.CLOSED:
        raise ValidationError(_("Kasus sudah ditutup."))
    if to_stage not in c.CaseStage.values or to_stage == current:
        raise ValidationError({"to_stage": _("Pilih tahap berikutnya.")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("Tanggal tidak boleh di masa depan.")})
    if on < case.stage_entered_on:
        raise ValidationError({"on": _("Tanggal tidak boleh sebelum kasus masuk tahap sekarang.")})
    if to_stage == c.CaseStage.CLOSED:
        if current != c.CaseStage.RESOLVED and not reason:
            raise ValidationError({"reason": _("Tuliskan alasan menutup kasus yang belum selesai ditangani.")})
    else:
        flow = [s.value for s in c.CASE_FLOW]
        if flow.index(to_stage) < flow.index(current):
            raise ValidationError({"to_stage": _("Tahap kasus tidak bisa mundur.")})
        skipped = flow[flow.index(current) + 1 : flow.index(to_stage)]
        if skipped and not reason:
            names = ", ".join(str(c.CaseStage(s).label) for s in skipped)
            raise ValidationError({"reason": _("Tahap %(names)s dilewati: tuliskan alasannya.") % {"names": names}})
    if to_stage == c.CaseStage.REFERRAL and referral_target not in c.ReferralTarget.values:
        raise ValidationError({"referral_target": _("Pilih lembaga tujuan rujukan.")})
    stage_change(
        case=case,
        policy=policy(),
        change_model=CaseStageChange,
        to_stage=to_stage,
        by=actor,
        on=on,
        closed_stages=(c.CaseStage.RESOLVED, c.CaseStage.CLOSED),
        reason=reason[:300],
    )
    if to_stage == c.CaseStage.REFERRAL:
        CaseReferral.objects.create(
            case=case, target=referral_target, institution=institution.strip()[:150], referred_on=on, by=actor
        )
    _save(case, actor)
    audit(actor=actor, action="update", obj=case, stage=to_stage)
    return case


@transaction.atomic
def case_refer(
    *, actor: User, case: RightsCase, target: str, institution: str = "", on: dt.date | None = None
) -> CaseReferral:
    """Another referral while the case is being handled (e.g. from Disnaker on to the police)."""
    _ensure_can_handle(actor, case)
    if case.stage not in (c.CaseStage.REFERRAL, c.CaseStage.FOLLOW_UP):
        raise ValidationError(_("Rujukan tambahan dicatat pada tahap rujukan atau tindak lanjut."))
    if target not in c.ReferralTarget.values:
        raise ValidationError({"referral_target": _("Pilih lembaga tujuan rujukan.")})
    return CaseReferral.objects.create(
        case=case,
        target=target,
        institution=institution.strip()[:150],
        referred_on=on or timezone.localdate(),
        by=actor,
    )


# --- Case notes and documents -------------------------------------------------------------------------------------


@transaction.atomic
def case_add_note(*, actor: User, case: RightsCase, text: str) -> CaseNote:
    _ensure_can_handle(actor, case)
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Catatan tidak boleh kosong.")})
    note = CaseNote(case=case, text=text, author=actor)
    note.full_clean()
    note.save()
    audit(actor=actor, action="create", obj=note, case=case.pk)
    return note


def max_document_bytes() -> int:
    return conf().case_document_max_bytes


@transaction.atomic
def case_add_document(*, actor: User, case: RightsCase, upload: UploadedFile, title: str) -> CaseDocument:
    _ensure_can_handle(actor, case)
    content_type = check_document(upload, max_bytes=max_document_bytes())
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Isi judul dokumen.")})
    document = CaseDocument(
        case=case,
        title=title[:150],
        original_name=Path(upload.name or "").name[:200],
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=actor,
    )
    store_document(document, upload)
    audit(actor=actor, action="create", obj=document, case=case.pk)
    return document


# --- Notifications ------------------------------------------------------------------------------------------------


def notifications_mark_read(*, actor: User, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


# --- Case workers -------------------------------------------------------------------------------------------------


@transaction.atomic
def case_worker_set(*, actor: User, user: User, is_supervisor: bool = False, active: bool = True) -> CaseWorker:
    """Give (or take away) the case-worker capability. Admins only: it opens confidential records."""
    if not capabilities(actor).is_admin:
        raise PermissionDenied(_("Hanya administrator yang boleh menetapkan pengelola kasus."))
    worker, _created = CaseWorker.objects.update_or_create(
        user=user, defaults={"is_supervisor": is_supervisor, "is_active": active}
    )
    audit(actor=actor, action="update", obj=worker, supervisor=is_supervisor, active=active)
    return worker
