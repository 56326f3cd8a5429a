"""Who may import into the registry, see which import runs, and use or save which column mappings, on the access
kernel (berdaya.core.access). What an import may write (which villages, for which organisation) follows the
registry's own rules (registry.access)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.access import capabilities

from .models import ColumnMapping, ImportRun


def can_import(user: User) -> bool:
    """Whoever may register households may import them (within the villages they may register in)."""
    return capabilities(user).edits_registry


def ensure_can_import(user: User) -> None:
    if not can_import(user):
        raise PermissionDenied(_("Peran Anda tidak boleh mengimpor data registri."))


def imports_everywhere(user: User) -> bool:
    """Regency-wide roles import into any village; others only where registry.access lets them register."""
    return capabilities(user).regency_wide


def import_runs_visible_to(user: User) -> QuerySet[ImportRun]:
    """A user sees the files they uploaded; an admin sees all."""
    if capabilities(user).is_admin:
        return ImportRun.objects.all()
    return ImportRun.objects.filter(created_by=user)


def ensure_can_start(user: User, run: ImportRun) -> None:
    if run.created_by_id != user.pk and not capabilities(user).is_admin:
        raise PermissionDenied(_("Hanya pengunggah file yang boleh mengimpornya."))


def mappings_visible_to(user: User) -> QuerySet[ColumnMapping]:
    """The shared mappings and those of the user's organisation."""
    shared = Q(organisation__isnull=True)
    org = getattr(user, "organisation_id", None)
    return ColumnMapping.objects.filter(shared | Q(organisation_id=org) if org else shared)


def mapping_organisation(user: User) -> int | None:
    """Whose mapping `user` saves: officers and admins save the shared mappings everyone may use (None); staff of
    an organisation save their organisation's (never another's, never a shared one); anyone else none."""
    if capabilities(user).regency_wide:
        return None
    if organisation_id := getattr(user, "organisation_id", None):
        return organisation_id
    raise PermissionDenied(
        _("Pemetaan bersama hanya bisa disimpan oleh petugas dinas atau admin; minta mereka menyimpannya.")
    )
