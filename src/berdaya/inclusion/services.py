"""Writes of disability inclusion. Scope through registry.access; history through django-simple-history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.audit import set_history_user
from berdaya.programmes.models import Programme
from berdaya.registry import choices as rc
from berdaya.registry.access import ensure_can_edit_household
from berdaya.registry.flags import wgss_disability_q
from berdaya.registry.models import Person

from . import choices as c
from . import integration
from .models import AssistiveDevice, DisabilityProfile

PROFILE_FIELDS = {"disability_type", "kpd_number", *[f"need_{n}" for n in c.SupportNeed.values]}


def _save(obj: Model, actor: User) -> None:
    set_history_user(obj, actor)
    obj.full_clean()
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        if "kpd" in str(exc).lower() or "unique" in str(exc).lower():
            raise ValidationError({"kpd_number": _("Nomor KPD ini sudah tercatat untuk penduduk lain.")}) from None
        raise


def at_wgss_cut_off(person: Person) -> bool:
    """WG-SS standard cut-off: the registry's part of the disability flag, evaluated by the same Q the lists use. A
    profile is the flag's other part (berdaya.inclusion.flags), so it cannot be the ground for recording itself."""
    return Person.objects.filter(pk=person.pk).filter(wgss_disability_q(timezone.localdate())).exists()


@transaction.atomic
def disability_profile_save(*, actor: User, person: Person, data: dict[str, Any]) -> DisabilityProfile:
    """Record or change the disability details. Allowed for a person at the WG-SS cut-off, or holding a KPD (the card
    is an official finding of disability even when WG-SS was not asked)."""
    ensure_can_edit_household(actor, person.household)
    unknown = set(data) - PROFILE_FIELDS
    if unknown:
        raise ValueError(f"unknown profile fields: {sorted(unknown)}")
    if person.status == rc.PersonStatus.DECEASED:
        raise ValidationError(_("Data penduduk yang sudah meninggal tidak diubah."))
    if not at_wgss_cut_off(person) and not (data.get("kpd_number") or "").strip():
        raise ValidationError(
            _(
                "Penduduk ini belum tergolong penyandang disabilitas menurut jawaban WG-SS. Isi dulu jawaban WG-SS "
                "di data penduduk, atau isi nomor KPD bila ia memiliki kartu penyandang disabilitas."
            )
        )
    profile = DisabilityProfile.objects.filter(person=person).first() or DisabilityProfile(
        person=person, recorded_by=actor
    )
    for field, value in data.items():
        setattr(profile, field, value)
    _save(profile, actor)
    return profile


@transaction.atomic
def device_need_add(*, actor: User, person: Person, device: str, other_detail: str = "") -> AssistiveDevice:
    ensure_can_edit_household(actor, person.household)
    if person.assistive_devices.filter(device=device, status=c.DeviceStatus.NEEDED, other_detail=other_detail).exists():
        raise ValidationError({"device": _("Kebutuhan alat bantu ini sudah tercatat.")})
    record = AssistiveDevice(person=person, device=device, other_detail=other_detail.strip(), recorded_by=actor)
    _save(record, actor)
    return record


@transaction.atomic
def device_mark_received(
    *,
    actor: User,
    record: AssistiveDevice,
    received_on: dt.date,
    source: str = "",
    programme: Programme | None = None,
    override_reason: str = "",
) -> AssistiveDevice:
    """Record that the device was received. With a programme, the receipt is also recorded as that programme's
    assistance (berdaya.programmes, via .integration); without, it is a receipt from outside Berdaya's programmes."""
    ensure_can_edit_household(actor, record.person.household)
    if record.status == c.DeviceStatus.RECEIVED:
        raise ValidationError(_("Alat bantu ini sudah tercatat diterima."))
    record.status = c.DeviceStatus.RECEIVED
    record.received_on = received_on
    record.source = source.strip() or (str(programme) if programme is not None else "")
    _save(record, actor)
    assistance_id = integration.record_device_assistance(
        actor=actor, programme=programme, device=record, override_reason=override_reason
    )
    if assistance_id is not None:
        record.assistance_id = assistance_id
        _save(record, actor)
    return record
