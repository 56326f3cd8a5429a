"""Who may see and change which households, people and groups (UU 27/2022), on the access kernel (berdaya.core.access).

Every page, export, command and API call gets its registry querysets from here:
- admins and officers: the whole regency;
- facilitators: the villages assigned to them, directly or through an assigned district;
- partner staff: the households their organisation registered, and those it reaches through the apps above the
  registry (the households of its programmes' participants: `register_partner_reach`);
- viewers: aggregates only (`people_for_aggregates`), never a person-level record.
Records outside a user's scope answer 404, not 403, so their existence is not revealed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from berdaya.accounts.models import User
from berdaya.areas.models import Village
from berdaya.core.access import capabilities, get_visible_or_404, not_found, village_scope_q
from berdaya.core.compiled import CompiledQuery, DailyQuerysets
from berdaya.core.roles import Role

from . import choices as c
from .consent import excluded_for
from .merge import resolve_alias
from .models import Group, GroupMembership, Household, Person, PersonQuerySet
from .vulnerability import FLAGS

QS = TypeVar("QS", bound=QuerySet[Any])

# --- Partner reach: households an organisation reaches through apps above the registry --------------------------

PartnerReach = Callable[[int | None], QuerySet]
_partner_reach: dict[str, PartnerReach] = {}


def register_partner_reach(name: str, households: PartnerReach) -> None:
    """Add the households an organisation reaches through another app to its staff's scope.

    `households(organisation_id)` returns a `.values(...)` queryset of household ids. The registry sits below the
    apps that reach people (programmes), so they register here from their `AppConfig.ready()`; registering a name
    again replaces it."""
    _partner_reach[name] = households
    _PARTNER_PEOPLE.clear()  # built with the reaches as they were


def _partner_q(organisation_id: int | None, prefix: str) -> Q:
    # One OR of the indexed column and an id subquery per reach, so the planner never joins enrolments per row.
    q = Q(**{f"{prefix}registered_by_organisation": organisation_id})
    for households in _partner_reach.values():
        q |= Q(**{f"{prefix}pk__in": households(organisation_id)})
    return q


def _shares_with_partners(prefix: str, today: dt.date | None = None) -> Q:
    # Not withdrawn from sharing with partners as of `today` (registry.consent: by date, today by default).
    return ~excluded_for(c.ConsentPurpose.SHARING, prefix[: -len("__")] if prefix else "pk", today=today)


def _partner_person_q(organisation_id: int | None, prefix: str, today: dt.date | None = None) -> Q:
    # The person scope of an organisation's staff: its households, less whoever withdrew consent to sharing with
    # partners. `person_scope_q` (staff at hand) and `partner_people_q` (no user at hand) are both this.
    return _partner_q(organisation_id, f"{prefix}household__") & _shares_with_partners(prefix, today)


def partner_people_q(organisation_id: int, prefix: str = "", *, today: dt.date | None = None) -> Q:
    """The condition on Person (reached through `prefix`) for the people `organisation_id`'s staff may see, as
    `people_visible_to` gives them to one of its users: the households it registered or reaches, less whoever withdrew
    consent to sharing with partners by `today` (default: today, as a request reads it), less merged aliases. The one
    rule for code that counts for an organisation without one of its users at hand (the monitoring analytics
    tables)."""
    return _partner_person_q(organisation_id, prefix, today) & ~Q(**{f"{prefix}status__in": c.ALIAS_STATUSES})


# --- Households, people, groups ----------------------------------------------------------------------------------


def household_scope_q(user: User, prefix: str = "", village: str | None = None) -> Q | None:
    """The condition on Household (reached through `prefix`) for what `user` may see; None means no limit.
    `village`: where the rows hold their household's village themselves (Person.village, a copy the database keeps),
    the path to it, so that a facilitator's scope is read from the rows' own index rather than through the join."""
    caps = capabilities(user)
    if not caps.sees_people:
        return Q(pk__in=[])
    if caps.regency_wide:
        return None
    if caps.village_scoped:
        return village_scope_q(user, village or f"{prefix}village")
    if caps.organisation_scoped:
        # Their own registrations, plus the households of anyone ever enrolled in a programme their organisation
        # runs (registered by programmes).
        return _partner_q(user.organisation_id, prefix)
    return Q(pk__in=[])


def scoped_by_household(qs: QS, user: User, prefix: str, village: str | None = None) -> QS:
    """`qs` limited to the rows whose household (reached through `prefix`, e.g. "farmer__household__") `user` may
    see: the one rule for every record that belongs to a household (`village`: household_scope_q)."""
    q = household_scope_q(user, prefix, village)
    if q is None:
        return qs
    if q == Q(pk__in=[]):
        return qs.none()
    return qs.filter(q)


def households_visible_to(user: User) -> QuerySet[Household]:
    return scoped_by_household(Household.objects.all(), user, "")


def withholds_members(user: User) -> bool:
    """Whether some members of a household `user` sees may be hidden from them (`people_visible_to`): partner staff
    do not see a member who withdrew consent to sharing with partners. Every other role sees every member of the
    households it sees. A page showing a household's members says so to these roles on every household, whether or
    not one of its members is hidden: a note that depends on no one's data reveals no withdrawal."""
    return capabilities(user).organisation_scoped


# The one answer to a role that may not change who heads a registered household (`changes_household_heads`),
# whoever its members are.
HEAD_CHANGE_REFUSED = gettext_lazy(
    "Hanya petugas dinas atau pendamping desa yang boleh mengubah kepala keluarga rumah tangga yang sudah terdaftar."
)


def changes_household_heads(user: User) -> bool:
    """Whether `user` may set or change who heads a household already registered (add a member as its head, make a
    member head, make the head another member). Not a role that may miss some members (`withholds_members`): the
    head may be a member hidden from them, and the household's rule of one head would refuse them because of her,
    which tells of her withdrawal. They are refused with HEAD_CHANGE_REFUSED on every household, whether or not one
    has a head or a hidden member. They still register a new household with its head, edit the head they see without
    changing who heads, and split a household (pecah KK: household_split moves, counts and promotes only the members
    they see, so its answers depend on no hidden member either)."""
    return not withholds_members(user)


def reads_household_notes(user: User) -> bool:
    """Whether `user` reads the free text written about a household and its members' life events (a KK number's
    reason for changing, a life event's note: "pecah KK, ikut suaminya ..."). Not a role that may miss some members
    (`withholds_members`), on any household: the text may name a member hidden from them, and leaving it out only
    where a member is hidden would itself tell of the withdrawal. The kind and date of each event stay."""
    return not withholds_members(user)


def flags_withheld_from(user: User) -> frozenset[str]:
    """The vulnerability flags `user` is shown on no one and may not filter by: for a role that may miss some members
    of a household (`withholds_members`), the flags read from a person's other household members
    (vulnerability.Flag.from_members: a female-headed household gives the head's sex, a migrant worker's family names
    the worker), on every person, so that their absence tells of no withdrawal. Empty for every other role."""
    if not withholds_members(user):
        return frozenset()
    return frozenset(flag.code for flag in FLAGS if flag.from_members)


def person_scope_q(user: User, prefix: str = "") -> Q | None:
    """The condition on Person (reached through `prefix`, e.g. "person__" on a row pointing at one) for the people
    `user` may see, as `people_visible_to` applies it (which also leaves out merged aliases); None means no limit.
    For code that filters a table of rows about people by the person scope in one statement (a targeting run's
    pool, its candidate lists)."""
    # A facilitator's villages are matched on the person's own copy of their household's village (Person.village,
    # kept by the database): the same people, read as an index range.
    caps = capabilities(user)
    if caps.sees_people and caps.organisation_scoped and not (caps.regency_wide or caps.village_scoped):
        # Partner staff: the same rule as for their organisation without a user at hand (partner_people_q).
        return _partner_person_q(user.organisation_id, prefix)
    q = household_scope_q(user, f"{prefix}household__", village=f"{prefix}village")
    if q == Q(pk__in=[]) or not withholds_members(user):
        return q
    withdrawn = _shares_with_partners(prefix)
    return withdrawn if q is None else q & withdrawn


def people_visible_to(user: User) -> PersonQuerySet:
    """The people `user` may see. Merged duplicates are left out: they are aliases of a person, not people
    (their ids still resolve through get_person_or_404). Partner staff do not see a person who withdrew consent to
    sharing their data with partners (registry.consent), though they see that person's household: a household's
    members are shown to anyone through this (selectors.household_members), never through `household.members`.
    The condition itself is `person_scope_q`."""
    if withholds_members(user) and capabilities(user).sees_people:
        return _PARTNER_PEOPLE.get(user.organisation_id)  # type: ignore[return-value]
    people = Person.objects.current()
    q = person_scope_q(user)
    if q is None:
        return people
    if q == Q(pk__in=[]):
        return people.none()
    return people.filter(q)


# Partner staff's people per organisation and day, built once (core.compiled.DailyQuerysets): the rule is all
# conditions and subqueries (their organisation's registrations, the reach of the apps above, the consent withdrawn
# by today), which the database evaluates when the page is read. Building it cost about as much CPU as a partner's
# page spent in PostgreSQL.
_PARTNER_PEOPLE = DailyQuerysets(
    lambda organisation_id: Person.objects.current().filter(_partner_person_q(organisation_id, ""))
)


def groups_visible_to(user: User) -> QuerySet[Group]:
    caps = capabilities(user)
    if not caps.sees_people:
        return Group.objects.none()
    if caps.village_scoped:
        return Group.objects.filter(village_scope_q(user, "village"))
    if caps.organisation_scoped:
        # Partner staff see groups that have a member they may see.
        return Group.objects.filter(memberships__person__in=people_visible_to(user).values("pk")).distinct()
    return Group.objects.all()


def group_memberships_visible_to(user: User, group: Group | int) -> QuerySet[GroupMembership]:
    """The memberships of `group` (or its id) shown to `user` with the member's name, role and dates: those of the
    people `user` sees (people_visible_to). Any other membership is left out whole, for every role: a role and its
    dates identify a member (a group has one chair) as well as a name. What a role may learn of the others is
    `counts_unseen_members`; ending a membership goes through this too, so no one ends one they cannot see."""
    return GroupMembership.objects.filter(group=group, person__in=people_visible_to(user).values("pk"))


def counts_unseen_members(user: User) -> bool:
    """Whether `user` is told how many of a group's active members they do not see, as one number on the group's
    pages and inside its member counts (`group_member_count`). Facilitators are: whom they do not see is whoever lives
    outside their villages, so the number is a fact of the group (it spans villages) that depends on no one's consent.
    Partner staff are not (`withholds_members`): among the members of the households they reach, those they do not
    see are exactly those who withdrew consent to sharing with partners, and any count of members they do not see
    could tell of a withdrawal; they count only the members they see."""
    return not withholds_members(user)


def group_member_count(user: User, group_ref: str = "pk") -> Coalesce:
    """The number of active members of a group that `user` reads in a list (annotate a Group queryset with it;
    `group_ref` names the group's id there): every active member, or for a role that is not told of members it does not
    see (`counts_unseen_members`) the active members it sees. The group's own pages show the same number: their rows,
    plus the line counting the others where it is shown."""
    members = GroupMembership.objects.filter(group=OuterRef(group_ref), left_on__isnull=True)
    if not counts_unseen_members(user):
        members = members.filter(person__in=people_visible_to(user).values("pk"))
    counted = members.order_by().values("group").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def villages_for_registration(user: User) -> QuerySet[Village]:
    """The villages in which `user` may register a household."""
    caps = capabilities(user)
    villages = Village.objects.select_related("district")
    if not caps.edits_registry:
        return villages.none()
    if caps.village_scoped:
        return villages.filter(village_scope_q(user, "code"))
    return villages


# --- Reads compiled once for the regency-wide roles ----------------------------------------------------------------


def sees_every_person(user: User) -> bool:
    """Whether the registry's scope adds no condition of `user`'s own: the regency-wide roles (officers, admins),
    for whom `people_visible_to` and `households_visible_to` are the same querysets whoever asks. Their scoped reads
    can then be compiled once (core.compiled) with `regency_wide_reader()` standing in for the user; every other
    role's are built and compiled per request, as their SQL depends on who asks."""
    caps = capabilities(user)
    return caps.sees_people and caps.regency_wide and not (caps.village_scoped or caps.organisation_scoped)


def regency_wide_reader() -> User:
    """An unsaved officer: the user a compiled read of the regency-wide roles is built for (`sees_every_person`)."""
    return User(username="", role=Role.OFFICER, is_active=True)


def _compiled_key(pk: Any) -> bool:
    # An id the compiled reads take as is; any other (a string, one beyond a 64-bit key, which Django answers
    # without SQL) goes the per-request way.
    return type(pk) is int and 0 <= pk < 2**63


def _found(rows: list[Any]) -> Any:
    # QuerySet.get over a compiled read (at most two rows asked for): none is a 404, as for a record out of scope.
    if len(rows) != 1:
        if rows:
            raise rows[0].MultipleObjectsReturned
        raise not_found()
    return rows[0]


_HOUSEHOLD = CompiledQuery(
    lambda pk: (
        households_visible_to(regency_wide_reader()).select_related("village__district").filter(pk=pk).order_by()[:2]
    ),
    pk=int,
)
_PERSON = CompiledQuery(
    lambda pk: (
        people_visible_to(regency_wide_reader())
        .select_related("household__village__district")
        .filter(pk=pk)
        .order_by()[:2]
    ),
    pk=int,
)


def get_household_or_404(user: User, pk: int | str, *, related: tuple[str, ...] = ()) -> Household:
    """The household `pk` the user sees (404 otherwise); `related`: relations read with it (select_related; for a
    regency-wide role, a read compiled once that always brings the village and its district)."""
    if _compiled_key(pk) and sees_every_person(user) and set(related) <= {"village", "village__district"}:
        return _found(_HOUSEHOLD(pk=pk))
    households = households_visible_to(user)
    return get_visible_or_404(households.select_related(*related) if related else households, pk)


def get_person_or_404(user: User, pk: int | str) -> Person:
    """The person with id `pk`, or the one a merged record `pk` was merged into (old links and ids keep working:
    a page compares `person.pk` with the id it was asked for and redirects)."""
    if _compiled_key(pk) and sees_every_person(user):

        def find(key: Any) -> Person:
            return _found(_PERSON(pk=key))
    else:
        people = people_visible_to(user).select_related("household__village__district")

        def find(key: Any) -> Person:
            return get_visible_or_404(people, key)

    try:
        return find(pk)
    except Http404:
        # Not a person the user sees: a merged record (people_visible_to leaves aliases out) stands for its survivor.
        survivor = resolve_alias(pk)
        if survivor is None:
            raise
        return find(survivor)


def get_group_or_404(user: User, pk: int | str) -> Group:
    return get_visible_or_404(groups_visible_to(user).select_related("village__district"), pk)


def ensure_can_edit_household(user: User, household: Household) -> None:
    """Raise unless `user` may change this household and its members (services call this first)."""
    caps = capabilities(user)
    if not caps.edits_registry:
        raise PermissionDenied(_("Peran Anda tidak boleh mengubah data registri."))
    if not households_visible_to(user).filter(pk=household.pk).exists():
        raise PermissionDenied(_("Rumah tangga ini di luar wilayah atau organisasi Anda."))


def ensure_can_register_in(user: User, village: Village) -> None:
    if not villages_for_registration(user).filter(pk=village.pk).exists():
        raise PermissionDenied(_("Anda tidak boleh mendaftarkan rumah tangga di desa ini."))


def can_edit_groups(user: User) -> bool:
    """Groups (farmer groups, disability organisations...) are managed by the regency's own staff."""
    return capabilities(user).regency_staff


def ensure_can_edit_group(user: User, group: Group | None = None) -> None:
    if not can_edit_groups(user):
        raise PermissionDenied(_("Peran Anda tidak boleh mengelola kelompok."))
    if group is not None and group.pk and not groups_visible_to(user).filter(pk=group.pk).exists():
        raise PermissionDenied(_("Kelompok ini di luar wilayah Anda."))


def registers_for_organisation(user: User) -> int | None:
    """The organisation a household registered by `user` is recorded against (partner staff's), else None."""
    return user.organisation_id if capabilities(user).organisation_scoped else None


def people_for_aggregates(user: User) -> PersonQuerySet:
    """The people whose counts `user` may read: viewers (auditors, the regent) read regency-wide aggregates;
    everyone else the aggregates of what they may see. Never use this for a person-level list."""
    caps = capabilities(user)
    if not caps.authenticated:
        return Person.objects.none()
    if caps.aggregates_only:
        return Person.objects.current()
    return people_visible_to(user)


def regency_wide_aggregates(user: User) -> bool:
    """Whether the counts `user` reads (people_for_aggregates) are the whole regency's: the same for every such
    reader, so a stored snapshot of them may be shown (core.snapshots). Scoped staff count their own scope live."""
    caps = capabilities(user)
    return bool(caps.authenticated and (caps.aggregates_only or household_scope_q(user) is None))
