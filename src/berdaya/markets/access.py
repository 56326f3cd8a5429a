"""Who may do what with prices, bulletins, subscribers and the outbox, on the access kernel (berdaya.core.access).
The views, the services and the menus all ask these, so a role is never shown an entry that would answer 403.

Prices are not personal data: every signed-in role reads them. Subscribers' phone numbers are, and so are the
messages queued for them: those are scoped like the registry.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from berdaya.accounts.models import User
from berdaya.areas.models import Village
from berdaya.core.access import capabilities, village_scope_q
from berdaya.registry.access import people_visible_to

from .models import OutboxMessage, SubscriberConsent


def can_enter_prices(user: User) -> bool:
    """Everyone who works with people records the prices they see in the field."""
    return capabilities(user).sees_people


def can_manage_prices(user: User) -> bool:
    """Confirming outliers, setting official prices, sending bulletins: the regency's officers and admins."""
    return capabilities(user).regency_wide


def can_manage_subscribers(user: User) -> bool:
    """Facilitators record a farmer's consent in the field; partner staff do not hold the consent register."""
    return capabilities(user).regency_staff


@dataclass(frozen=True)
class MarketAccess:
    enter_prices: bool
    manage_prices: bool
    manage_subscribers: bool


def market_access(user: User) -> MarketAccess:
    return MarketAccess(can_enter_prices(user), can_manage_prices(user), can_manage_subscribers(user))


def subscribers_visible_to(user: User) -> QuerySet[SubscriberConsent]:
    """Bulletin subscribers `user` may see and manage: officers and admins all; facilitators those of the people
    they may see, and those without a linked person in the districts of their villages; nobody else."""
    caps = capabilities(user)
    qs = SubscriberConsent.objects.select_related("district", "person")
    if caps.regency_wide:
        return qs
    if caps.village_scoped:
        districts = Village.objects.filter(village_scope_q(user, "code")).values("district")
        return qs.filter(
            Q(person__in=people_visible_to(user).values("pk")) | Q(person__isnull=True, district__in=districts)
        )
    return qs.none()


def outbox_visible_to(user: User) -> QuerySet[OutboxMessage]:
    """The queued, sent and failed messages (phone numbers and their text): those who send bulletins."""
    if not can_manage_prices(user):
        return OutboxMessage.objects.none()
    return OutboxMessage.objects.all()
