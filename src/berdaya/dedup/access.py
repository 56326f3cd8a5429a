"""Who may run record linkage and see its pairs. A run reads the whole registry (a duplicate can sit in another
officer's villages), so only regency-wide staff who edit the registry start one; the pairs a user is shown are those
whose two people they may both see (selectors.pairs_visible_to)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from berdaya.core.access import AnyUser, capabilities


def can_run_dedup(user: AnyUser) -> bool:
    caps = capabilities(user)
    return caps.regency_wide and caps.edits_registry


def ensure_can_run_dedup(user: AnyUser) -> None:
    if not can_run_dedup(user):
        raise PermissionDenied(_("Hanya petugas atau admin kabupaten yang dapat menjalankan deduplikasi."))
