"""Writes to programmes. Each service checks scope (.access), validates with the model's rules, runs in one
transaction and records who did it: django-simple-history for every row, EnrolmentEvent for enrolment statuses,
core.audit for overrides (capacity, double-dipping). Bad input raises ValidationError before anything is written."""

from __future__ import annotations

import secrets
from base64 import b32encode
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from berdaya.accounts.models import User
from berdaya.core.audit import audit, set_history_user
from berdaya.core.money import format_rupiah
from berdaya.registry import choices as rc
from berdaya.registry.access import people_visible_to
from berdaya.registry.models import Person

from . import choices as c
from . import selectors
from .access import (
    counts_seen_people_only,
    ensure_can_create_programme,
    ensure_can_manage_programme,
    ensure_can_record_attendance,
    ensure_can_record_needs,
    organiser_of_own_programmes,
)
from .models import (
    Assistance,
    Attendance,
    Certificate,
    Enrolment,
    EnrolmentEvent,
    Need,
    PersonNeed,
    Programme,
    Session,
)

M2M_FIELDS = ("funders", "districts", "villages", "needs")


def _save(obj: Model, actor: User) -> None:
    set_history_user(obj, actor)
    obj.full_clean()
    obj.save()


def _split_m2m(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    plain = {k: v for k, v in data.items() if k not in M2M_FIELDS}
    m2m = {k: v for k, v in data.items() if k in M2M_FIELDS}
    return plain, m2m


def _set_m2m(programme: Programme, m2m: dict[str, Any]) -> None:
    for name, values in m2m.items():
        getattr(programme, name).set(values)


# --- programmes ----------------------------------------------------------------------------------------------------


@transaction.atomic
def programme_create(*, actor: User, data: dict[str, Any]) -> Programme:
    ensure_can_create_programme(actor)
    plain, m2m = _split_m2m(data)
    programme = Programme(created_by=actor, **plain)
    if (own := organiser_of_own_programmes(actor)) is not None:
        # Partner staff create programmes for their own organisation only, whatever the form said.
        programme.organiser_id = own
    programme.status = c.ProgrammeStatus.DRAFT if not plain.get("status") else plain["status"]
    _save(programme, actor)
    _set_m2m(programme, m2m)
    return programme


@transaction.atomic
def programme_update(*, actor: User, programme: Programme, data: dict[str, Any]) -> Programme:
    ensure_can_manage_programme(actor, programme)
    old = Programme.objects.select_for_update().get(pk=programme.pk)
    plain, m2m = _split_m2m(data)
    for field, value in plain.items():
        setattr(programme, field, value)
    if organiser_of_own_programmes(actor) is not None:
        programme.organiser_id = old.organiser_id
    if programme.status != old.status and programme.status not in c.PROGRAMME_TRANSITIONS[old.status]:
        raise ValidationError(
            {
                "status": _("Status program tidak bisa berubah dari %(a)s menjadi %(b)s.")
                % {"a": old.get_status_display(), "b": programme.get_status_display()}
            }
        )
    if programme.start_date and programme.end_date:
        outside = programme.sessions.exclude(date__range=(programme.start_date, programme.end_date)).count()
        if outside:
            raise ValidationError(
                {"end_date": _("%(n)s sesi berada di luar periode baru; pindahkan sesinya dulu.") % {"n": outside}}
            )
    _save(programme, actor)
    _set_m2m(programme, m2m)
    return programme


# --- sessions ------------------------------------------------------------------------------------------------------


@transaction.atomic
def session_create(*, actor: User, programme: Programme, data: dict[str, Any]) -> Session:
    ensure_can_manage_programme(actor, programme)
    session = Session(programme=programme, **data)
    _save(session, actor)
    return session


@transaction.atomic
def session_update(*, actor: User, session: Session, data: dict[str, Any]) -> Session:
    ensure_can_manage_programme(actor, session.programme)
    for field, value in data.items():
        setattr(session, field, value)
    _save(session, actor)
    return session


@transaction.atomic
def session_delete(*, actor: User, session: Session) -> None:
    ensure_can_manage_programme(actor, session.programme)
    if session.attendance.exists():
        raise ValidationError(_("Sesi ini sudah punya catatan kehadiran dan tidak bisa dihapus."))
    set_history_user(session, actor)
    session.delete()


# --- enrolment -----------------------------------------------------------------------------------------------------


def _ensure_can_take_part(programme: Programme, person: Person) -> None:
    if person.status == rc.PersonStatus.DECEASED:
        raise ValidationError(
            _("%(name)s tercatat meninggal dunia dan tidak bisa didaftarkan.") % {"name": person.full_name}
        )
    if not programme.is_accepting():
        raise ValidationError(_("Program ini sudah ditutup; tidak bisa menerima peserta baru."))


def _seats_taken(programme: Programme) -> int:
    return programme.enrolments.filter(status__in=c.SEAT_STATUSES).count()


def _check_capacity(*, actor: User, programme: Programme, adding: int, override_reason: str) -> str:
    """Returns the override reason to store ('' when within capacity). Locks the programme row first, so two
    officers enrolling the last seat at once cannot both get it."""
    Programme.objects.select_for_update().filter(pk=programme.pk).first()
    taken = _seats_taken(programme)
    if taken + adding <= programme.capacity:
        return ""
    if not override_reason.strip():
        if counts_seen_people_only(actor):
            # The seats are every participant's (a seat is a seat), but the number taken would count one the
            # partner's staff do not see: they are told the programme is full, not by how many, and (the same words
            # on every programme, hidden participant or not) why it may read fuller than the figures they see.
            raise ValidationError(
                _(
                    "Kuota program penuh (%(cap)s kursi). Kursi dihitung dari semua peserta, termasuk yang tidak "
                    "dapat Anda lihat. Untuk tetap mendaftarkan, isi alasan melebihi kuota."
                )
                % {"cap": programme.capacity}
            )
        raise ValidationError(
            _(
                "Kuota program penuh (%(taken)s dari %(cap)s kursi terisi). Untuk tetap mendaftarkan, isi alasan "
                "melebihi kuota."
            )
            % {"taken": taken, "cap": programme.capacity}
        )
    audit(
        actor=actor, action="event", obj=programme, event="capacity_override", taken=taken, capacity=programme.capacity
    )
    return override_reason.strip()


def _event(enrolment: Enrolment, *, actor: User, from_status: str, reason: str = "") -> EnrolmentEvent:
    return EnrolmentEvent(
        enrolment=enrolment, from_status=from_status, to_status=enrolment.status, reason=reason, actor=actor
    )


@transaction.atomic
def enrolment_create(
    *,
    actor: User,
    programme: Programme,
    person: Person,
    enrol: bool = False,
    override_reason: str = "",
    source: str = c.EnrolmentSource.MANUAL,
) -> Enrolment:
    """Propose a person for a programme, or (enrol=True) propose and enrol at once, as two logged steps.

    A person who dropped out or was rejected before gets a new row; the old one stays as history."""
    ensure_can_manage_programme(actor, programme)
    if not people_visible_to(actor).filter(pk=person.pk).exists():
        raise PermissionDenied(_("Penduduk ini di luar wilayah atau organisasi Anda."))
    _ensure_can_take_part(programme, person)
    if programme.enrolments.filter(person=person, status__in=c.OPEN_STATUSES).exists():
        raise ValidationError(
            _("%(name)s sudah terdaftar (atau diusulkan) di program ini.") % {"name": person.full_name}
        )
    enrolment = Enrolment(programme=programme, person=person, source=source, created_by=actor)
    _save(enrolment, actor)
    events = [_event(enrolment, actor=actor, from_status="")]
    if enrol:
        enrolment.capacity_override_reason = _check_capacity(
            actor=actor, programme=programme, adding=1, override_reason=override_reason
        )
        enrolment.status = c.EnrolmentStatus.ENROLLED
        enrolment.enrolled_on = timezone.localdate()
        _save(enrolment, actor)
        events.append(_event(enrolment, actor=actor, from_status=c.EnrolmentStatus.PROPOSED))
    EnrolmentEvent.objects.bulk_create(events)
    return enrolment


@transaction.atomic
def enrolment_bulk_propose(
    *, actor: User, programme: Programme, people: QuerySet, source: str = c.EnrolmentSource.LIST
) -> int:
    """Propose many people at once (a candidate list from targeting, or ticked rows of the matching list).

    Set-based: people out of scope, deceased, or already proposed/enrolled are skipped, not errors."""
    ensure_can_manage_programme(actor, programme)
    if not programme.is_accepting():
        raise ValidationError(_("Program ini sudah ditutup; tidak bisa menerima peserta baru."))
    ids = list(
        people_visible_to(actor)
        .filter(pk__in=people.values("pk"))
        .living()
        .exclude(enrolments__programme=programme, enrolments__status__in=c.OPEN_STATUSES)
        .values_list("pk", flat=True)
    )
    rows = [Enrolment(programme=programme, person_id=pk, source=source, created_by=actor) for pk in ids]
    created = bulk_create_with_history(rows, Enrolment, default_user=actor)
    if created and created[0].pk is None:  # backends that do not return ids on bulk insert
        created = list(
            Enrolment.objects.filter(programme=programme, person_id__in=ids, status=c.EnrolmentStatus.PROPOSED)
        )
    EnrolmentEvent.objects.bulk_create([_event(e, actor=actor, from_status="") for e in created])
    return len(created)


def _attendance_shortfall(enrolment: Enrolment) -> str:
    """'' when the person meets the programme's attendance threshold, else the reason they do not."""
    held, attended = selectors.attendance_of(enrolment)
    if not selectors.sessions_held(enrolment.programme).exists():
        return _("Belum ada sesi yang berlangsung; kelulusan belum bisa ditetapkan.")
    if attended * 100 < enrolment.programme.attendance_threshold * held:
        return _("Kehadiran %(a)s dari %(h)s sesi (%(p)s%%) di bawah batas lulus %(t)s%%.") % {
            "a": attended,
            "h": held,
            "p": attended * 100 // held,
            "t": enrolment.programme.attendance_threshold,
        }
    return ""


@transaction.atomic
def enrolment_transition(
    *, actor: User, enrolment: Enrolment, to_status: str, reason: str = "", override_reason: str = ""
) -> Enrolment:
    """Move an enrolment along proposed → enrolled → active → completed / dropped out / rejected."""
    programme = enrolment.programme
    ensure_can_manage_programme(actor, programme)
    enrolment = Enrolment.objects.select_for_update().select_related("programme", "person").get(pk=enrolment.pk)
    current = enrolment.status
    if to_status not in c.ENROLMENT_TRANSITIONS.get(current, set()):
        raise ValidationError(
            _("Status peserta tidak bisa berubah dari %(a)s menjadi %(b)s.")
            % {"a": c.EnrolmentStatus(current).label, "b": c.EnrolmentStatus(to_status).label}
        )
    reason = reason.strip()
    if to_status in c.REASON_REQUIRED and not reason:
        raise ValidationError({"reason": _("Tuliskan alasan putus atau ditolak.")})
    if to_status == c.EnrolmentStatus.ENROLLED:
        _ensure_can_take_part(programme, enrolment.person)
        enrolment.capacity_override_reason = _check_capacity(
            actor=actor, programme=programme, adding=1, override_reason=override_reason
        )
        enrolment.enrolled_on = timezone.localdate()
    if to_status == c.EnrolmentStatus.COMPLETED:
        shortfall = _attendance_shortfall(enrolment)
        if shortfall:
            raise ValidationError(shortfall)
    if to_status in {c.EnrolmentStatus.COMPLETED, c.EnrolmentStatus.DROPPED_OUT, c.EnrolmentStatus.REJECTED}:
        enrolment.ended_on = timezone.localdate()
    if to_status in c.REASON_REQUIRED:
        enrolment.reason = reason
    enrolment.status = to_status
    _save(enrolment, actor)
    _event(enrolment, actor=actor, from_status=current, reason=reason or enrolment.capacity_override_reason).save()
    if to_status == c.EnrolmentStatus.COMPLETED:
        _issue_certificates(actor=actor, enrolments=[enrolment])
    return enrolment


def _bulk_transition(*, actor: User, enrolments: list[Enrolment], to_status: str, reason: str = "") -> None:
    """The same transition for many enrolments: one UPDATE, one history insert, one event insert."""
    if not enrolments:
        return
    events = []
    today = timezone.localdate()
    for enrolment in enrolments:
        events.append((enrolment, enrolment.status))
        enrolment.status = to_status
        if to_status == c.EnrolmentStatus.COMPLETED:
            enrolment.ended_on = today
    bulk_update_with_history(enrolments, Enrolment, ["status", "ended_on"], default_user=actor)
    EnrolmentEvent.objects.bulk_create(
        [_event(enrolment, actor=actor, from_status=old, reason=reason) for enrolment, old in events]
    )


def new_certificate_code() -> str:
    """80 random bits in Crockford-free base32, grouped for reading aloud: XXXX-XXXX-XXXX-XXXX."""
    raw = b32encode(secrets.token_bytes(10)).decode("ascii")
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _issue_certificates(*, actor: User, enrolments: Iterable[Enrolment]) -> list[Certificate]:
    today = timezone.localdate()
    certificates = [
        Certificate(enrolment=e, code=new_certificate_code(), issued_on=today, issued_by=actor) for e in enrolments
    ]
    return Certificate.objects.bulk_create(certificates)


@transaction.atomic
def programme_complete(*, actor: User, programme: Programme) -> int:
    """Mark as completed every active participant whose attendance meets the threshold, and issue certificates.

    Set-based: one query finds them (attendance counted in SQL), one update moves them. Returns how many."""
    ensure_can_manage_programme(actor, programme)
    Programme.objects.select_for_update().filter(pk=programme.pk).first()
    held = selectors.sessions_held(programme).count()
    if held == 0:
        raise ValidationError(_("Belum ada sesi yang berlangsung; kelulusan belum bisa ditetapkan."))
    qualifying = list(selectors.graduating(programme).select_related("person"))
    _bulk_transition(
        actor=actor,
        enrolments=qualifying,
        to_status=c.EnrolmentStatus.COMPLETED,
        reason=_("Kehadiran memenuhi batas %(t)s%%") % {"t": programme.attendance_threshold},
    )
    _issue_certificates(actor=actor, enrolments=qualifying)
    return len(qualifying)


# --- attendance ----------------------------------------------------------------------------------------------------


@dataclass
class AttendanceResult:
    present: int
    absent: int
    activated: int


@transaction.atomic
def attendance_record(
    *, actor: User, session: Session, roster: Iterable[int], present: Iterable[int]
) -> AttendanceResult:
    """Record who attended a session, for the whole class at once.

    `roster` is every person on the form, `present` those ticked. Everyone on the roster must be enrolled or active
    in the programme (and visible to the actor); otherwise nothing is written. One upsert writes all rows; the
    enrolled people who attend for the first time become active."""
    programme = session.programme
    ensure_can_record_attendance(actor, programme)
    roster_ids, present_ids = set(roster), set(present)
    if not present_ids <= roster_ids:
        roster_ids |= present_ids
    if session.date > timezone.localdate():
        raise ValidationError(_("Sesi ini belum berlangsung; kehadiran dicatat pada hari sesi atau sesudahnya."))
    attending = Enrolment.objects.filter(
        programme=programme,
        status__in=c.ATTENDING_STATUSES,
        person__in=people_visible_to(actor).values("pk"),
    )
    allowed = set(attending.filter(person_id__in=roster_ids).values_list("person_id", flat=True))
    refused = roster_ids - allowed
    if refused:
        names = list(people_visible_to(actor).filter(pk__in=refused).values_list("full_name", flat=True)[:5])
        raise ValidationError(
            _(
                "Kehadiran tidak disimpan: %(n)s orang tidak terdaftar atau tidak aktif di program ini%(names)s. "
                "Kehadiran hanya dicatat untuk peserta berstatus terdaftar atau aktif."
            )
            % {"n": len(refused), "names": f" ({', '.join(names)})" if names else ""}
        )
    now = timezone.now()
    Attendance.objects.bulk_create(
        [
            Attendance(session=session, person_id=pk, present=pk in present_ids, recorded_by=actor, recorded_at=now)
            for pk in sorted(roster_ids)
        ],
        update_conflicts=True,
        unique_fields=["session", "person"],
        update_fields=["present", "recorded_by", "recorded_at"],
    )
    newly_active = list(attending.filter(status=c.EnrolmentStatus.ENROLLED, person_id__in=present_ids))
    _bulk_transition(
        actor=actor,
        enrolments=newly_active,
        to_status=c.EnrolmentStatus.ACTIVE,
        reason=_("Hadir pada sesi %(d)s") % {"d": date_format(session.date)},
    )
    return AttendanceResult(present=len(present_ids), absent=len(roster_ids - present_ids), activated=len(newly_active))


# --- assistance ----------------------------------------------------------------------------------------------------


@transaction.atomic
def assistance_create(*, actor: User, programme: Programme, person: Person, data: dict[str, Any]) -> Assistance:
    ensure_can_manage_programme(actor, programme)
    if not people_visible_to(actor).filter(pk=person.pk).exists():
        raise PermissionDenied(_("Penduduk ini di luar wilayah atau organisasi Anda."))
    if person.status == rc.PersonStatus.DECEASED:
        raise ValidationError(
            _("%(name)s tercatat meninggal dunia; bantuan tidak bisa dicatat.") % {"name": person.full_name}
        )
    if not programme.enrolments.filter(person=person, status__in=c.SEAT_STATUSES).exists():
        raise ValidationError(
            _("%(name)s belum terdaftar sebagai peserta program ini; daftarkan dulu sebelum mencatat bantuan.")
            % {"name": person.full_name}
        )
    assistance = Assistance(programme=programme, person=person, created_by=actor, **data)
    _save(assistance, actor)
    return assistance


def _remaining_budget(programme: Programme) -> int:
    spent = programme.assistance.filter(status__in=c.SPENT_STATUSES).aggregate(total=Sum("amount"))["total"] or 0
    return programme.budget - spent


def double_dip_message(matches: list[dict]) -> str:
    parts = [
        _("%(n)s kali dari %(org)s (terakhir %(date)s)")
        % {"n": m["count"], "org": m["organisation"], "date": date_format(m["last_date"])}
        for m in matches
    ]
    return "; ".join(parts)


@transaction.atomic
def assistance_transition(
    *, actor: User, assistance: Assistance, to_status: str, reason: str = "", override_reason: str = ""
) -> Assistance:
    """planned → approved → disbursed → acknowledged (or cancelled before disbursement).

    Approval refuses a double-dip (same kind within the window, any programme or organisation) unless an override
    reason is given; disbursement refuses an amount above the programme's remaining budget."""
    ensure_can_manage_programme(actor, assistance.programme)
    programme = Programme.objects.select_for_update().get(pk=assistance.programme_id)
    assistance = Assistance.objects.select_for_update().get(pk=assistance.pk)
    current = assistance.status
    if to_status not in c.ASSISTANCE_TRANSITIONS.get(current, set()):
        raise ValidationError(
            _("Status bantuan tidak bisa berubah dari %(a)s menjadi %(b)s.")
            % {"a": c.AssistanceStatus(current).label, "b": c.AssistanceStatus(to_status).label}
        )
    now = timezone.now()
    if to_status == c.AssistanceStatus.APPROVED:
        matches = selectors.double_dip_summary(assistance)
        if matches:
            if not override_reason.strip():
                raise ValidationError(
                    _(
                        "Terindikasi penerimaan ganda: penduduk ini sudah menerima %(kind)s dalam %(days)s hari "
                        "terakhir: %(detail)s. Isi alasan untuk tetap menyetujui."
                    )
                    % {
                        "kind": assistance.get_kind_display().lower(),
                        "days": selectors.double_dip_window_days(),
                        "detail": double_dip_message(matches),
                    }
                )
            assistance.double_dip_override_reason = override_reason.strip()
            audit(actor=actor, action="event", obj=assistance, event="double_dip_override", matches=len(matches))
        assistance.approved_by = actor
        assistance.approved_at = now
    if to_status == c.AssistanceStatus.DISBURSED and assistance.amount:
        remaining = _remaining_budget(programme)
        if assistance.amount > remaining and counts_seen_people_only(actor):
            # The budget is the programme's, spent on every participant; its remainder would give the partner's
            # staff back the assistance of one they do not see (selectors.budget_summary counts what they see).
            raise ValidationError(
                _("Penyaluran %(amount)s melebihi sisa anggaran program; tidak disalurkan.")
                % {"amount": format_rupiah(assistance.amount)}
            )
        if assistance.amount > remaining:
            raise ValidationError(
                _("Penyaluran %(amount)s melebihi sisa anggaran program %(remaining)s; tidak disalurkan.")
                % {"amount": format_rupiah(assistance.amount), "remaining": format_rupiah(remaining)}
            )
    if to_status == c.AssistanceStatus.DISBURSED:
        assistance.disbursed_at = now
    if to_status == c.AssistanceStatus.ACKNOWLEDGED:
        assistance.acknowledged_at = now
    if to_status == c.AssistanceStatus.CANCELLED:
        if not reason.strip():
            raise ValidationError({"reason": _("Tuliskan alasan pembatalan.")})
        assistance.cancel_reason = reason.strip()
    assistance.status = to_status
    _save(assistance, actor)
    return assistance


# --- needs ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def person_needs_set(*, actor: User, person: Person, needs: dict[int, str]) -> None:
    """Replace a person's recorded needs with `needs` ({need id: interest note}); unchanged rows are kept."""
    ensure_can_record_needs(actor, person)
    valid = set(Need.objects.filter(pk__in=needs, is_active=True).values_list("pk", flat=True))
    unknown = set(needs) - valid
    if unknown:
        raise ValidationError(_("Kebutuhan yang dipilih tidak ada dalam daftar."))
    current = {pn.need_id: pn for pn in PersonNeed.objects.filter(person=person)}
    for need_id, pn in current.items():
        if need_id not in needs:
            set_history_user(pn, actor)
            pn.delete()
        elif pn.note != needs[need_id]:
            pn.note = needs[need_id]
            _save(pn, actor)
    for need_id in valid - set(current):
        _save(PersonNeed(person=person, need_id=need_id, note=needs[need_id], recorded_by=actor), actor)
