"""Who may read and run what in monitoring, on the access kernel (berdaya.core.access).

Every signed-in role reads the dashboard, the maps and the indicators, each figure counted over the role's own scope
(measures.Scope: officers and admins the regency, viewers the regency with small counts suppressed, facilitators
their villages, partner staff their organisation's people and programmes). Administrators define indicators; the
regency's officers rebuild the analytics tables and take an indicator snapshot now.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from berdaya.core.access import AnyUser, capabilities


def can_read(user: AnyUser) -> bool:
    return capabilities(user).authenticated


def dashboard_is_home(user: AnyUser) -> bool:
    """Officers, admins and viewers land on the dashboard; facilitators and partner staff keep the registry's home
    (their day's work: reminders and panels), with the dashboard of their scope one click away."""
    caps = capabilities(user)
    return caps.regency_wide or caps.aggregates_only


def can_define_indicators(user: AnyUser) -> bool:
    return capabilities(user).is_admin


def ensure_can_define_indicators(user: AnyUser) -> None:
    if not can_define_indicators(user):
        raise PermissionDenied(_("Hanya administrator yang boleh menetapkan indikator."))


def can_refresh(user: AnyUser) -> bool:
    """Rebuild the analytics tables or take a snapshot now: the regency's officers and admins."""
    return capabilities(user).regency_wide


def ensure_can_refresh(user: AnyUser) -> None:
    if not can_refresh(user):
        raise PermissionDenied(_("Hanya petugas dinas yang boleh memperbarui data analitik dan mengambil potret."))
