"""Who may see and change plots, harvests, sales and farmer-group profiles, on the access kernel
(berdaya.core.access) and the registry's rules: a farmer's records follow the farmer (registry.access.person_scope_q),
so a facilitator sees those of the farmers in their villages, partner staff those of their beneficiaries less anyone
who withdrew consent to sharing with partners, viewers only aggregates."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Q, QuerySet

from berdaya.accounts.models import User
from berdaya.registry.access import can_edit_groups, ensure_can_edit_group, person_scope_q
from berdaya.registry.models import Group

from .models import Harvest, Plot, Sale

__all__ = [
    "can_edit_group_profiles",
    "ensure_can_edit_group_profile",
    "harvests_visible_to",
    "plots_visible_to",
    "sales_visible_to",
]


QS = TypeVar("QS", bound=QuerySet[Any])


def _by_farmer(qs: QS, user: User, prefix: str) -> QS:
    # The person scope, not the household's: a farmer who withdrew consent to sharing is not a partner's to see,
    # though the household is (their sales list names the farmer).
    q = person_scope_q(user, prefix)
    if q is None:
        return qs
    if q == Q(pk__in=[]):
        return qs.none()
    return qs.filter(q)


def plots_visible_to(user: User) -> QuerySet[Plot]:
    return _by_farmer(Plot.objects.all(), user, "farmer__")


def harvests_visible_to(user: User) -> QuerySet[Harvest]:
    return _by_farmer(Harvest.objects.all(), user, "plot__farmer__")


def sales_visible_to(user: User) -> QuerySet[Sale]:
    return _by_farmer(Sale.objects.all(), user, "farmer__")


def can_edit_group_profiles(user: User) -> bool:
    """A farmer group's profile (class, extension worker, gapoktan) is the group's: whoever manages groups edits it."""
    return can_edit_groups(user)


def ensure_can_edit_group_profile(user: User, group: Group) -> None:
    ensure_can_edit_group(user, group)
