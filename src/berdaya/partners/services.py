"""Writes to partners. Minimal: the Partners issue adds the rest."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from berdaya.core.audit import audit
from berdaya.core.scoping import Role, capabilities

from .models import Organisation


@transaction.atomic
def organisation_from_group(*, actor, group) -> Organisation:
    """Make a disability organisation registered as a Group a partner that can organise programmes (issue 8).

    An unlinked disability organisation of the same name is linked rather than duplicated, since organisation names
    are unique and it was most likely entered by hand before."""
    if capabilities(actor).role not in {Role.ADMIN, Role.OFFICER}:
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
