"""Who does the data-protection officer's work: data-subject requests, breach records, the audit trail and
retention. Regency-wide roles (officers and admins: `capabilities(user).handles_pdp_requests`); partner staff,
facilitators and viewers get 403 on the pages and 404 for a record."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.access import capabilities, get_visible_or_404

from .models import BreachRecord, DataRequest


def can_handle(user: User) -> bool:
    return capabilities(user).handles_pdp_requests


def ensure_can_handle(user: User) -> None:
    if not can_handle(user):
        raise PermissionDenied(_("Hanya petugas pelindungan data (petugas dinas atau admin) yang boleh membuka ini."))


def requests_visible_to(user: User) -> QuerySet[DataRequest]:
    return DataRequest.objects.all() if can_handle(user) else DataRequest.objects.none()


def breaches_visible_to(user: User) -> QuerySet[BreachRecord]:
    return BreachRecord.objects.all() if can_handle(user) else BreachRecord.objects.none()


def get_request_or_404(user: User, pk: int) -> DataRequest:
    return get_visible_or_404(requests_visible_to(user).select_related("person", "handler", "created_by"), pk)


def get_breach_or_404(user: User, pk: int) -> BreachRecord:
    return get_visible_or_404(breaches_visible_to(user), pk)
