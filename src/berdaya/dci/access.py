"""Who may read the SPDCI exchange records: they hold queries by identity number and the answers sent, so admins
only (the interfaces themselves are scoped per client by the registry's rules, in services.py)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.access import capabilities

from .models import Delivery


def can_see_exchanges(user: User) -> bool:
    return capabilities(user).is_admin


def ensure_can_see_exchanges(user: User) -> None:
    if not can_see_exchanges(user):
        raise PermissionDenied(_("Hanya admin yang boleh melihat pertukaran data SPDCI."))


def deliveries_visible_to(user: User) -> QuerySet[Delivery]:
    if not can_see_exchanges(user):
        return Delivery.objects.none()
    return Delivery.objects.all()
