"""Who may run record linkage, see its pairs and act on them. A run reads the whole registry (a duplicate can sit in
another officer's villages), so only regency-wide staff who edit the registry start one; the pairs a user is shown
are those whose two people they may both see (selectors.pairs_visible_to, pairs_reviewable_by); only a role that may
change the registry decides or merges (the merge itself checks both households)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.access import AnyUser, capabilities
from berdaya.registry.access import people_visible_to, person_scope_q
from berdaya.registry.models import PersonMerge

from .models import DedupRun, MatchPair, PairDecision


def can_run_dedup(user: AnyUser) -> bool:
    caps = capabilities(user)
    return caps.regency_wide and caps.edits_registry


def ensure_can_run_dedup(user: AnyUser) -> None:
    if not can_run_dedup(user):
        raise PermissionDenied(_("Hanya petugas atau admin kabupaten yang dapat menjalankan deduplikasi."))


def can_review_duplicates(user: User) -> bool:
    caps = capabilities(user)
    return caps.sees_people and caps.edits_registry


def ensure_can_review_duplicates(user: User) -> None:
    if not can_review_duplicates(user):
        raise PermissionDenied(_("Peran Anda tidak boleh meninjau data ganda."))


def pairs_reviewable_by(user: User) -> QuerySet[MatchPair]:
    """Pairs of any run whose two people `user` may both see, for acting on one pair. A pair with a merged record
    drops out: the alias is not a person (people_visible_to), so a merged pair leaves the queue by itself."""
    if not can_review_duplicates(user):
        return MatchPair.objects.none()
    visible = people_visible_to(user).values("pk")
    return MatchPair.objects.filter(person_low__in=visible, person_high__in=visible)


def decisions_visible_to(user: User) -> QuerySet[PairDecision]:
    """Decisions on two people `user` may both see, for the roles that may decide (regency staff: the same bar as
    registry.services.ensure_may_merge; partner staff neither decide nor see who decided what and why)."""
    if not (can_review_duplicates(user) and capabilities(user).regency_staff):
        return PairDecision.objects.none()
    visible = people_visible_to(user).values("pk")
    return PairDecision.objects.filter(person_low__in=visible, person_high__in=visible)


def merges_visible_to(user: User) -> QuerySet[PersonMerge]:
    """Merges of two people `user` may both see, by the person scope's condition (registry.access.person_scope_q:
    the alias is out of people lists, so not people_visible_to itself): the history names both, and partner staff
    see no one who withdrew consent to sharing with partners, though they see the household."""
    if not can_review_duplicates(user):
        return PersonMerge.objects.none()
    qs = PersonMerge.objects.all()
    for prefix in ("survivor__", "merged__"):
        q = person_scope_q(user, prefix)
        if q == Q(pk__in=[]):
            return qs.none()
        if q is not None:
            qs = qs.filter(q)
    return qs


def runs_visible_to(user: User) -> QuerySet[DedupRun]:
    """Runs cover the whole registry; their counts are shown to those who review (the pairs stay scoped)."""
    return DedupRun.objects.all() if can_review_duplicates(user) else DedupRun.objects.none()
