"""Who may review duplicates, on the registry's rules: a pair is shown only when both people are visible to the
user, and only a role that may change the registry decides or merges (the merge itself checks both households)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.access import capabilities
from berdaya.registry.access import people_visible_to, scoped_by_household
from berdaya.registry.models import PersonMerge

from .models import DedupRun, MatchPair


def can_review_duplicates(user: User) -> bool:
    caps = capabilities(user)
    return caps.sees_people and caps.edits_registry


def ensure_can_review_duplicates(user: User) -> None:
    if not can_review_duplicates(user):
        raise PermissionDenied(_("Peran Anda tidak boleh meninjau data ganda."))


def pairs_visible_to(user: User) -> QuerySet[MatchPair]:
    """Pairs whose two people `user` may both see. A pair with a merged record drops out: the alias is not a person
    (people_visible_to), so a merged pair leaves the queue by itself."""
    if not can_review_duplicates(user):
        return MatchPair.objects.none()
    visible = people_visible_to(user).values("pk")
    return MatchPair.objects.filter(person_low__in=visible, person_high__in=visible)


def merges_visible_to(user: User) -> QuerySet[PersonMerge]:
    """Merges of two households `user` may both see (the alias is out of people lists, so scope by household)."""
    if not can_review_duplicates(user):
        return PersonMerge.objects.none()
    qs = scoped_by_household(PersonMerge.objects.all(), user, "survivor__household__")
    return scoped_by_household(qs, user, "merged__household__")


def runs_visible_to(user: User) -> QuerySet[DedupRun]:
    """Runs cover the whole registry; their counts are shown to those who review (the pairs stay scoped)."""
    return DedupRun.objects.all() if can_review_duplicates(user) else DedupRun.objects.none()


def can_start_runs(user: User) -> bool:
    """A run reads the whole registry: regency-wide staff start it."""
    return can_review_duplicates(user) and capabilities(user).regency_wide
