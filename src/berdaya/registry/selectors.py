"""Reads of the registry, already scoped to the user (registry.access)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core import snapshots
from berdaya.core.forms import style_widgets

from . import choices as c
from .access import (
    counts_unseen_members,
    flags_withheld_from,
    group_member_count,
    group_memberships_visible_to,
    groups_visible_to,
    people_for_aggregates,
    people_visible_to,
    regency_wide_aggregates,
    sees_every_person,
)
from .filtersets import GroupFilterSet, PersonFilterSet
from .models import Group, GroupMembership, Household, LifeEvent, Person
from .vulnerability import FLAGS, FlagReason, profiles_of


def person_list(*, actor: User, filters: Mapping[str, Any] | None) -> tuple[PersonFilterSet, QuerySet[Person]]:
    base = people_visible_to(actor).select_related("household__village__district")
    filterset = PersonFilterSet(filters, queryset=base, actor=actor)
    style_widgets(filterset.form, empty_label=_("Semua"))
    qs = filterset.qs if filterset.is_valid() else base.none()
    return filterset, qs.order_by("-id")


def group_list(*, actor: User, filters: Mapping[str, Any] | None) -> tuple[GroupFilterSet, QuerySet[Group]]:
    base = groups_visible_to(actor).select_related("village__district").annotate(member_count=group_member_count(actor))
    filterset = GroupFilterSet(filters, queryset=base)
    style_widgets(filterset.form, empty_label=_("Semua"))
    qs = filterset.qs if filterset.is_valid() else base.none()
    return filterset, qs.order_by("name")


def flag_profiles(ids: Iterable[int], *, actor: User) -> dict[int, list[FlagReason]]:
    """The vulnerability profile of each person of `ids` as `actor` may read it (vulnerability.profiles_of, less the
    flags access.flags_withheld_from leaves out for partner staff)."""
    profiles = profiles_of(ids)
    withheld = flags_withheld_from(actor)
    if not withheld:
        return profiles
    return {pk: [flag for flag in flags if flag.code not in withheld] for pk, flags in profiles.items()}


@dataclass
class GroupMembers:
    """A group's members as `group_members` gives them to one user."""

    shown: QuerySet[GroupMembership]  # with name, role and dates: former members last
    unseen_active: int  # active members not shown, when the user may be told how many (else 0)


def group_members(group: Group, *, actor: User) -> GroupMembers:
    """The members of `group` that `actor` sees (access.group_memberships_visible_to), and how many of its other
    active members there are when `actor` may be told (access.counts_unseen_members): a facilitator learns that a
    group of their village has members elsewhere, never who; partner staff learn nothing of the members they do not
    see. The shown active rows plus `unseen_active` are the count the group lists show (access.group_member_count)."""
    shown = group_memberships_visible_to(actor, group)
    unseen = 0
    if counts_unseen_members(actor):
        counts = GroupMembership.objects.filter(group=group, left_on__isnull=True).aggregate(
            active=Count("pk"), shown=Count("pk", filter=Q(pk__in=shown.values("pk")))
        )
        unseen = counts["active"] - counts["shown"]
    return GroupMembers(
        shown=shown.select_related("person__household__village").order_by("left_on", "role", "id"),
        unseen_active=unseen,
    )


def person_pick(*, actor: User, term: str, limit: int = 10) -> list[Person]:
    """People `actor` may see, for picking one by name or NIK (adding to a list, a group...).

    Every word of a name must appear; digits match only a whole 16-digit NIK, exactly, so typing part of a number
    never lists strangers' NIKs that begin alike. Fewer than three characters find nobody."""
    import re

    term = term.strip()
    digits = re.sub(r"\s", "", term)
    if re.fullmatch(r"\d+", digits):
        if len(digits) != 16:
            return []
        condition = Q(nik=digits)
    elif len(term) >= 3:
        condition = Q()
        for word in term.split()[:5]:
            condition &= Q(full_name__icontains=word)
    else:
        return []
    people = people_visible_to(actor).living().filter(condition).select_related("household__village")
    return list(people.order_by("full_name", "pk")[:limit])


def household_members(household: Household | int, *, actor: User) -> QuerySet[Person]:
    """The members of `household` (or its id) that `actor` may see (access.people_visible_to: partner staff do not
    see a member who withdrew consent to sharing), with the head first, then the spouse, then by age; merged
    duplicates are not members. A member left out is left out whole: no name, no row, no count."""
    rank = Case(
        When(relationship=c.Relationship.HEAD, then=Value(0)),
        When(relationship=c.Relationship.SPOUSE, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    members = people_visible_to(actor).filter(household=household)
    return members.annotate(rel_order=rank).order_by("rel_order", "birth_date", "id")


def household_events(household: Household | int, *, actor: User) -> QuerySet[LifeEvent]:
    """The life events of `household` that `actor` may read: those about no one in particular (a split) and those
    about a person they may see. An event about anyone else (a member hidden from them; the person a merged
    duplicate's events moved to, living in another village) is left out whole: its kind, date and note say
    something about that person even without the name."""
    events = LifeEvent.objects.filter(household=household)
    if sees_every_person(actor):
        return events
    return events.filter(Q(person__isnull=True) | Q(person__in=people_visible_to(actor).values("pk")))


def people_without_nik(*, actor: User) -> QuerySet[Person, dict[str, Any]]:
    """People without identity documents, counted per village: the civil-registration outreach list."""
    return (
        people_visible_to(actor)
        # Only people still living there: the dead and those who moved away cannot be visited.
        .filter(status=c.PersonStatus.ACTIVE, nik__isnull=True)
        .values("household__village", "household__village__name", "household__village__district__name")
        .annotate(
            total=Count("id"),
            never_registered=Count("id", filter=Q(nik_missing_reason=c.NikMissingReason.NEVER_REGISTERED)),
            card_lost=Count("id", filter=Q(nik_missing_reason=c.NikMissingReason.CARD_LOST)),
            unknown=Count("id", filter=Q(nik_missing_reason=c.NikMissingReason.UNKNOWN)),
        )
        .order_by("-total", "household__village")
    )


def vulnerability_by_district(*, people: QuerySet[Person]) -> list[dict[str, Any]]:
    """Counts of residents (not the dead, not those who moved out) per district and flag, in one aggregate query."""
    today = timezone.localdate()
    rows = (
        people.filter(status=c.PersonStatus.ACTIVE)
        .values("household__village__district", "household__village__district__name")
        .annotate(
            total=Count("id"),
            female=Count("id", filter=Q(sex=c.Sex.FEMALE)),
            **{flag.code: Count("id", filter=flag.fast_q(today)) for flag in FLAGS},
        )
        .order_by("household__village__district")
    )
    return list(rows)


def _vulnerability_params() -> dict[str, Any]:
    # The flags are registered by several apps, and ages move with the date: both are part of the snapshot's key.
    return {"today": timezone.localdate().isoformat(), "flags": [f.code for f in FLAGS]}


def vulnerability_by_district_for(user: User) -> list[dict[str, Any]]:
    """vulnerability_by_district over what `user` may count; the regency-wide counts from a snapshot at most
    settings.BERDAYA_AGGREGATE_MAX_AGE seconds old (core.snapshots), a scoped user's computed live."""
    people = people_for_aggregates(user)
    if not regency_wide_aggregates(user):
        return vulnerability_by_district(people=people)
    rows, _at = snapshots.read(
        "registry.vulnerability", _vulnerability_params(), lambda: vulnerability_by_district(people=people)
    )
    return rows


def vulnerability_refresh() -> None:
    snapshots.store(
        "registry.vulnerability",
        _vulnerability_params(),
        lambda: vulnerability_by_district(people=Person.objects.current()),
    )
