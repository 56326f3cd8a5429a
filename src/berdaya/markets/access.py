"""Who may do what with prices and bulletins. The views, the services and the menus all ask these, so a role is
never shown an entry that would answer 403."""

from __future__ import annotations

from dataclasses import dataclass

from berdaya.core.scoping import capabilities

PRICE_ENTRY_ROLES = frozenset({"admin", "officer", "facilitator", "partner"})
PRICE_MANAGE_ROLES = frozenset({"admin", "officer"})
# Facilitators record a farmer's consent in the field; partner staff do not hold the consent register.
SUBSCRIBER_ROLES = frozenset({"admin", "officer", "facilitator"})


def can_enter_prices(user) -> bool:
    return capabilities(user).role in PRICE_ENTRY_ROLES


def can_manage_prices(user) -> bool:
    return capabilities(user).role in PRICE_MANAGE_ROLES


def can_manage_subscribers(user) -> bool:
    return capabilities(user).role in SUBSCRIBER_ROLES


@dataclass(frozen=True)
class MarketAccess:
    enter_prices: bool
    manage_prices: bool
    manage_subscribers: bool


def market_access(user) -> MarketAccess:
    return MarketAccess(can_enter_prices(user), can_manage_prices(user), can_manage_subscribers(user))
