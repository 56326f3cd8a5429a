"""Writes of the data-protection officer's work: recording and answering requests (carrying out an erasure or a
consent withdrawal), and breach records. Every write is audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.audit import audit
from berdaya.registry import choices as rc
from berdaya.registry import services as registry_services
from berdaya.registry.access import get_person_or_404

from . import choices as c
from . import erasure
from .access import ensure_can_handle
from .models import BreachRecord, DataRequest

REQUEST_FIELDS = ("kind", "purpose", "channel", "received_at", "handler", "notes")
UPDATE_FIELDS = ("handler", "status", "outcome", "notes")


@transaction.atomic
def request_record(*, actor: User, person_id: int, data: dict[str, Any]) -> DataRequest:
    ensure_can_handle(actor)
    person = get_person_or_404(actor, person_id)
    request = DataRequest(person=person, created_by=actor, **{k: v for k, v in data.items() if k in REQUEST_FIELDS})
    if request.handler is None:
        request.handler = actor
    request.received_at = request.received_at or timezone.now()
    request.full_clean(exclude=["due_at"])
    request.save()
    audit(actor=actor, action="create", obj=request, kind=request.kind, person=person.pk)
    return request


@transaction.atomic
def request_update(*, actor: User, request: DataRequest, data: dict[str, Any]) -> DataRequest:
    ensure_can_handle(actor)
    for name in UPDATE_FIELDS:
        if name in data:
            setattr(request, name, data[name])
    closing = request.status in (c.RequestStatus.DONE, c.RequestStatus.REFUSED)
    if closing and not request.outcome.strip():
        raise ValidationError({"outcome": _("Tulis jawaban atau alasan penolakan sebelum menutup permintaan.")})
    request.completed_at = (request.completed_at or timezone.now()) if closing else None
    request.full_clean(exclude=["due_at"])
    request.save()
    audit(actor=actor, action="update", obj=request, status=request.status, person=request.person_id)
    return request


@transaction.atomic
def request_carry_out(*, actor: User, request: DataRequest, confirm: str = "") -> str:
    """Do what an erasure or consent-withdrawal request asks, then close it with what was done. An erasure is
    confirmed by typing the request's number (it cannot be undone)."""
    ensure_can_handle(actor)
    if not request.is_open:
        raise ValidationError(_("Permintaan ini sudah ditutup."))
    person = request.person
    if request.kind == c.RequestKind.ERASURE:
        if confirm.strip() != str(request.pk):
            raise ValidationError(
                _("Ketik nomor permintaan (%(id)s) untuk menegaskan penghapusan; tindakan ini tidak dapat dibatalkan.")
                % {"id": request.pk}
            )
        if erasure.is_erased(person):
            raise ValidationError(_("Data orang ini sudah dihapus."))
        counts = erasure.person_erase(person=person, actor=actor)
        # The erasure scrubbed this request's own notes too (an officer may have typed the NIK there): read them
        # back, or saving the copy held here would write the identifiers again.
        request.refresh_from_db()
        outcome = _(
            "Data pribadi dihapus (dianonimkan) pada %(at)s; catatan penyaluran bantuan disimpan tanpa identitas."
        )
        outcome %= {"at": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
        audit(actor=actor, action="delete", obj=person, event="pdp_erasure", request=request.pk, counts=counts)
    elif request.kind == c.RequestKind.WITHDRAWAL:
        registry_services.consent_withdraw(actor=actor, person=person, purpose=request.purpose)
        if request.purpose in (rc.ConsentPurpose.MESSAGES, rc.ConsentPurpose.ALL):
            _stop_subscriptions(actor, person)
        label = rc.ConsentPurpose(request.purpose).label
        outcome = _("Persetujuan untuk %(purpose)s ditarik mulai %(on)s.") % {
            "purpose": label,
            "on": timezone.localdate().strftime("%Y-%m-%d"),
        }
    else:
        raise ValidationError(_("Permintaan jenis ini dijawab oleh petugas, tidak dijalankan otomatis."))
    request.status = c.RequestStatus.DONE
    request.outcome = (request.outcome + "\n" + outcome).strip()
    request.completed_at = timezone.now()
    request.save()
    audit(actor=actor, action="update", obj=request, event="pdp_request_carried_out", person=person.pk)
    return outcome


def _stop_subscriptions(actor: User, person: Any) -> None:
    from berdaya.markets import services as market_services
    from berdaya.markets.models import SubscriberConsent

    for subscriber in SubscriberConsent.objects.filter(person=person, withdrawn_at__isnull=True):
        market_services.subscriber_withdraw(actor=actor, subscriber=subscriber)


BREACH_FIELDS = (
    "title",
    "description",
    "occurred_at",
    "discovered_at",
    "data_affected",
    "people_affected",
    "authority_notified_at",
    "authority_reference",
    "subjects_notified_at",
    "subjects_notice",
    "remediation",
    "status",
)


@transaction.atomic
def breach_save(*, actor: User, data: dict[str, Any], breach: BreachRecord | None = None) -> BreachRecord:
    ensure_can_handle(actor)
    created = breach is None
    breach = breach or BreachRecord(created_by=actor)
    for name in BREACH_FIELDS:
        if name in data:
            setattr(breach, name, data[name])
    breach.full_clean()
    breach.save()
    audit(actor=actor, action="create" if created else "update", obj=breach)
    return breach
