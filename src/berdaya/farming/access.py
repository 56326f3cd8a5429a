"""Who may see and change plots, harvests, sales and farmer-group profiles, on the access kernel
(berdaya.core.access) and the registry's rules: a farmer's records follow the farmer's household, so a facilitator
sees those of the farmers in their villages, partner staff those of their beneficiaries, viewers only aggregates."""

from __future__ import annotations

from django.db.models import QuerySet

from berdaya.accounts.models import User
from berdaya.registry.access import can_edit_groups, ensure_can_edit_group, scoped_by_household
from berdaya.registry.models import Group

from .models import Harvest, Plot, Sale

__all__ = [
    "can_edit_group_profiles",
    "ensure_can_edit_group_profile",
    "harvests_visible_to",
    "plots_visible_to",
    "sales_visible_to",
]


def plots_visible_to(user: User) -> QuerySet[Plot]:
    return scoped_by_household(Plot.objects.all(), user, "farmer__household__")


def harvests_visible_to(user: User) -> QuerySet[Harvest]:
    return scoped_by_household(Harvest.objects.all(), user, "plot__farmer__household__")


def sales_visible_to(user: User) -> QuerySet[Sale]:
    return scoped_by_household(Sale.objects.all(), user, "farmer__household__")


def can_edit_group_profiles(user: User) -> bool:
    """A farmer group's profile (class, extension worker, gapoktan) is the group's: whoever manages groups edits it."""
    return can_edit_groups(user)


def ensure_can_edit_group_profile(user: User, group: Group) -> None:
    ensure_can_edit_group(user, group)
