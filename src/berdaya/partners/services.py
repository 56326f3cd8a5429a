"""Writes to partners. Each service checks the actor's rights (.access), validates with the model's rules,
runs in one transaction and writes an audit row. Bad input raises ValidationError (in Bahasa Indonesia) before
anything is written: nothing is half-saved, uploaded files included."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.access import capabilities
from berdaya.core.audit import audit
from berdaya.core.documents import check_document, store_document
from berdaya.organisations.access import can_create_organisation, organisations_editable_by
from berdaya.organisations.models import Organisation
from berdaya.partners.access import can_manage_agreements, can_manage_commitments, can_record_contribution
from berdaya.programmes.models import Programme
from berdaya.registry.models import Group

from . import choices as c
from .models import Agreement, AgreementDocument, Commitment, Contribution, is_part_of
from .selectors import SimilarName, similar_organisations


class SimilarNameWarning(ValidationError):
    """The name is close to an existing organisation's: the user confirms it is a different one, or uses that one."""

    def __init__(self, similar: list[SimilarName]):
        self.similar = similar
        names = ", ".join(s.organisation.name for s in similar)
        super().__init__(
            {
                "name": _(
                    "Nama ini mirip dengan organisasi yang sudah terdaftar: %(names)s. Gunakan organisasi yang sudah "
                    "ada, atau centang “Ini organisasi yang berbeda” lalu simpan lagi."
                )
                % {"names": names}
            }
        )


def _check_name(name: str, *, exclude_pk: int | None, confirm_similar: bool) -> None:
    similar = similar_organisations(name, exclude_pk=exclude_pk)
    same = [s for s in similar if s.same]
    if same:
        # Refused outright: the same name with other capitals, spaces or punctuation is the same organisation.
        raise ValidationError(
            {
                "name": _("Organisasi %(name)s sudah terdaftar. Gunakan data yang sudah ada.")
                % {"name": same[0].organisation.name}
            }
        )
    if similar and not confirm_similar:
        raise SimilarNameWarning(similar)


def _split(data: dict[str, Any], m2m: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    return {k: v for k, v in data.items() if k not in m2m}, {k: v for k, v in data.items() if k in m2m}


# --- organisations -------------------------------------------------------------------------------------------------

ORGANISATION_M2M = ("districts",)


@transaction.atomic
def organisation_create(*, actor: User, data: dict[str, Any], confirm_similar: bool = False) -> Organisation:
    if not can_create_organisation(actor):
        raise PermissionDenied(_("Hanya petugas dinas yang dapat mendaftarkan organisasi mitra."))
    plain, m2m = _split(data, ORGANISATION_M2M)
    plain["name"] = " ".join(str(plain.get("name", "")).split())
    _check_name(plain["name"], exclude_pk=None, confirm_similar=confirm_similar)
    organisation = Organisation(**plain)
    organisation.full_clean()
    organisation.save()
    for name, values in m2m.items():
        getattr(organisation, name).set(values)
    audit(actor=actor, action="create", obj=organisation, similar_confirmed=confirm_similar)
    return organisation


@transaction.atomic
def organisation_update(
    *, actor: User, organisation: Organisation, data: dict[str, Any], confirm_similar: bool = False
) -> Organisation:
    if not organisations_editable_by(actor).filter(pk=organisation.pk).exists():
        raise PermissionDenied(_("Anda tidak boleh mengubah data organisasi ini."))
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    plain, m2m = _split(data, ORGANISATION_M2M)
    if "name" in plain:
        plain["name"] = " ".join(str(plain["name"]).split())
        if plain["name"] != organisation.name:
            _check_name(plain["name"], exclude_pk=organisation.pk, confirm_similar=confirm_similar)
    if capabilities(actor).organisation_scoped:
        # Partner staff keep their contacts current; what kind of organisation it is stays the officers' call.
        plain.pop("kind", None)
        plain.pop("is_active", None)
    for name, value in plain.items():
        setattr(organisation, name, value)
    organisation.full_clean()
    organisation.save()
    for name, values in m2m.items():
        getattr(organisation, name).set(values)
    audit(actor=actor, action="update", obj=organisation, fields=sorted(data))
    return organisation


@transaction.atomic
def organisation_from_group(*, actor: User, group: Group) -> Organisation:
    """Make a disability organisation registered as a Group a partner that can organise programmes (issue 8).

    An unlinked disability organisation of the same name is linked rather than duplicated, since organisation names
    are unique and it was most likely entered by hand before."""
    if not can_create_organisation(actor):
        raise PermissionDenied(_("Hanya petugas dinas yang dapat menjadikan kelompok mitra penyelenggara."))
    if group.kind != "disability_org":
        raise ValidationError(
            _("Hanya kelompok organisasi penyandang disabilitas yang dapat dijadikan mitra penyelenggara.")
        )
    if Organisation.objects.filter(group=group).exists():
        raise ValidationError(_("Kelompok ini sudah menjadi mitra penyelenggara."))
    organisation = Organisation.objects.select_for_update().filter(name=group.name).first()
    if organisation is None:
        organisation = Organisation(name=group.name, kind=Organisation.Kind.DISABILITY_ORG)
    elif organisation.group_id is not None or organisation.kind != Organisation.Kind.DISABILITY_ORG:
        raise ValidationError(
            _("Sudah ada organisasi lain bernama %(name)s. Ubah nama kelompok atau hubungkan lewat admin.")
            % {"name": group.name}
        )
    organisation.group = group
    organisation.full_clean()
    organisation.save()
    audit(actor=actor, action="event", obj=organisation, event="organisation_from_group", group=group.pk)
    return organisation


# --- agreements ----------------------------------------------------------------------------------------------------


def _ensure_agreements(actor: User) -> None:
    if not can_manage_agreements(actor):
        raise PermissionDenied(_("Hanya petugas dinas yang dapat mencatat perjanjian kerja sama."))


def _check_parties(parties: list[Organisation], pemkab_is_party: bool) -> None:
    if len(set(parties)) + (1 if pemkab_is_party else 0) < 2:
        raise ValidationError(
            {
                "parties": _(
                    "Perjanjian memerlukan sedikitnya dua pihak: pilih dua organisasi, atau satu organisasi bila "
                    "Pemerintah Kabupaten ikut menandatangani."
                )
            }
        )


@transaction.atomic
def agreement_create(*, actor: User, data: dict[str, Any]) -> Agreement:
    _ensure_agreements(actor)
    plain, m2m = _split(data, ("parties",))
    parties = list(m2m.get("parties") or [])
    agreement = Agreement(created_by=actor, **plain)
    agreement.status = c.AgreementStatus.DRAFT
    errors: dict[str, list] = {}
    try:
        agreement.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        _check_parties(parties, agreement.pemkab_is_party)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    agreement.save()
    agreement.parties.set(parties)
    audit(actor=actor, action="create", obj=agreement, parties=sorted(p.pk for p in parties))
    return agreement


@transaction.atomic
def agreement_update(*, actor: User, agreement: Agreement, data: dict[str, Any]) -> Agreement:
    _ensure_agreements(actor)
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status == c.AgreementStatus.ENDED:
        raise ValidationError(_("Perjanjian yang sudah berakhir tidak dapat diubah; buat perjanjian baru."))
    plain, m2m = _split(data, ("parties",))
    plain.pop("status", None)  # statuses move through agreement_transition only
    for name, value in plain.items():
        setattr(agreement, name, value)
    parties = list(m2m["parties"]) if "parties" in m2m else list(agreement.parties.all())
    errors: dict[str, list] = {}
    try:
        agreement.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        _check_parties(parties, agreement.pemkab_is_party)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    agreement.save()
    agreement.parties.set(parties)
    audit(actor=actor, action="update", obj=agreement, fields=sorted(data))
    return agreement


@transaction.atomic
def agreement_transition(*, actor: User, agreement: Agreement, to_status: str, on: dt.date | None = None) -> Agreement:
    """draft → signed → active → ended. Signing records the date signed; ending records the date it ended."""
    _ensure_agreements(actor)
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if to_status not in c.AGREEMENT_TRANSITIONS.get(agreement.status, set()):
        labels = dict(c.AgreementStatus.choices)
        raise ValidationError(
            _("Status perjanjian tidak bisa berubah dari %(a)s menjadi %(b)s.")
            % {"a": labels.get(agreement.status, agreement.status), "b": labels.get(to_status, to_status)}
        )
    on = on or timezone.localdate()
    old = agreement.status
    agreement.status = to_status
    if to_status == c.AgreementStatus.SIGNED:
        agreement.signed_on = on
    if to_status == c.AgreementStatus.ENDED:
        agreement.ended_on = on
    agreement.full_clean()
    agreement.save()
    audit(actor=actor, action="event", obj=agreement, event="agreement_transition", **{"from": old, "to": to_status})
    return agreement


@transaction.atomic
def agreement_add_document(*, actor: User, agreement: Agreement, upload: UploadedFile, title: str) -> AgreementDocument:
    _ensure_agreements(actor)
    content_type = check_document(upload)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Isi judul dokumen, mis. “PKS bertanda tangan”.")})
    document = AgreementDocument(
        agreement=agreement,
        title=title[:150],
        original_name=Path(upload.name or "").name[:200],
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=actor,
    )
    store_document(document, upload)
    audit(actor=actor, action="create", obj=document, agreement=agreement.pk, size=document.size)
    return document


# --- commitments and contributions ---------------------------------------------------------------------------------


def _not_part_of(organisation: Organisation, programmes: Iterable[Programme]) -> list[str]:
    return [p.name for p in programmes if not is_part_of(organisation.pk, p)]


@transaction.atomic
def commitment_create(*, actor: User, organisation: Organisation, data: dict[str, Any]) -> Commitment:
    if not can_manage_commitments(actor):
        raise PermissionDenied(_("Hanya petugas dinas yang dapat mencatat komitmen mitra."))
    plain, m2m = _split(data, ("programmes",))
    programmes = list(m2m.get("programmes") or [])
    commitment = Commitment(organisation=organisation, created_by=actor, **plain)
    if not commitment.unit.strip():
        commitment.unit = c.DEFAULT_UNITS.get(commitment.kind, "")
    if commitment.kind == c.CommitmentKind.FUNDS:
        commitment.quantity = None
    errors: dict[str, list] = {}
    try:
        commitment.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    outside = _not_part_of(organisation, programmes)
    if outside:
        errors["programmes"] = [
            _(
                "%(org)s bukan penyelenggara atau penyandang dana program: %(names)s. Tambahkan dulu sebagai "
                "penyandang dana di halaman program."
            )
            % {"org": organisation.name, "names": ", ".join(outside)}
        ]
    if errors:
        raise ValidationError(errors)
    commitment.save()
    commitment.programmes.set(programmes)
    audit(actor=actor, action="create", obj=commitment, organisation=organisation.pk)
    return commitment


@transaction.atomic
def contribution_create(*, actor: User, commitment: Commitment, data: dict[str, Any]) -> Contribution:
    """Record what a partner delivered. A contribution to a programme the partner neither organises nor funds is
    refused (Contribution.clean)."""
    if not can_record_contribution(actor, commitment.organisation):
        raise PermissionDenied(_("Anda tidak boleh mencatat realisasi organisasi ini."))
    contribution = Contribution(commitment=commitment, recorded_by=actor, **data)
    if contribution.assistance is not None and not contribution.programme_id:
        contribution.programme_id = contribution.assistance.programme_id
    if commitment.kind == c.CommitmentKind.FUNDS:
        contribution.quantity = None
    contribution.full_clean()
    contribution.save()
    audit(actor=actor, action="create", obj=contribution, commitment=commitment.pk)
    return contribution
