"""The access kernel: who a user is to the system, and the few helpers every app's rules are built from (UU 27/2022).

Each app owns the rules for its own data in its `access.py` (registry: households, people and groups; programmes;
partners; markets; migration...). They are all written with what this module offers, so a role's reach is named
once, here:
- admin and officer work regency-wide (`REGENCY_WIDE`);
- facilitators (pendamping) work in the villages assigned to them, directly or through an assigned district
  (`village_scope_q`);
- partner staff work for their organisation: its own records (`organisation_scoped`) and, in the registry, the
  households it registered or reached through its programmes;
- viewers read aggregates only, never a person-level record (`ensure_sees_people`).
Records outside a user's scope answer 404, not 403, so their existence is not revealed (`get_visible_or_404`).

No literal role set or role comparison is written outside this module and `roles.py`: an app asks a capability
(`capabilities(user).regency_wide`) or a named set below (`role in RUNS_PROGRAMMES`). A test holds the source to it
(core/tests/test_access_literals.py). The kernel imports no other Berdaya app: what it needs of the user (the
organisation, the assigned villages and districts) it reads from the user it is given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Manager, Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .compiled import CompiledQuery
from .roles import Role

__all__ = [
    "AGGREGATES_ONLY",
    "ANONYMOUS",
    "ORGANISATION_SCOPED",
    "REGENCY_STAFF",
    "REGENCY_WIDE",
    "RUNS_PROGRAMMES",
    "SEES_PEOPLE",
    "VILLAGE_SCOPED",
    "Actor",
    "AnyUser",
    "Capabilities",
    "Role",
    "assigned_villages",
    "capabilities",
    "ensure_sees_people",
    "get_visible_or_404",
    "not_found",
    "organisation_scoped",
    "village_scope_q",
]

# --- Who asks ----------------------------------------------------------------------------------------------------


class Actor(Protocol):
    """A signed-in user as the kernel reads it. The kernel imports no other app, so it names the user
    (accounts.User) by what it reads of it; mypy checks that accounts.User fits. Apps above accounts annotate
    with accounts.User itself."""

    @property
    def pk(self) -> Any: ...
    @property
    def is_authenticated(self) -> bool: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def is_superuser(self) -> bool: ...
    @property
    def role(self) -> str: ...
    @property
    def organisation_id(self) -> int | None: ...
    @property
    def villages(self) -> Manager[Any]: ...
    @property
    def districts(self) -> Manager[Any]: ...


AnyUser: TypeAlias = Actor | AnonymousUser | None
"""Whoever asks, signed in or not (request.user, or None outside a request)."""


# --- Named role sets: the only place roles are grouped ----------------------------------------------------------

# Where a role works. Every signed-in role is in exactly one of these four.
REGENCY_WIDE = frozenset({Role.ADMIN, Role.OFFICER})
"""The regency's officers and admins: every household, programme and partner of the regency."""
VILLAGE_SCOPED = frozenset({Role.FACILITATOR})
"""Field facilitators: the villages assigned to them, directly or through an assigned district."""
ORGANISATION_SCOPED = frozenset({Role.PARTNER})
"""Partner staff: what their organisation registered, runs or is party to."""
AGGREGATES_ONLY = frozenset({Role.VIEWER})
"""Viewers (auditors, the regent's office): aggregates only, never a person-level record."""

SEES_PEOPLE = REGENCY_WIDE | VILLAGE_SCOPED | ORGANISATION_SCOPED
"""Everyone who works with people: they read, register and update person-level records within their scope."""
REGENCY_STAFF = REGENCY_WIDE | VILLAGE_SCOPED
"""The regency's own staff (officers, admins, facilitators): they see identity numbers, manage groups, verify
households in the field and hold the bulletin consent register; partner staff do not."""
RUNS_PROGRAMMES = REGENCY_WIDE | ORGANISATION_SCOPED
"""Who runs programmes and sets their targets: the regency, and partner organisations for their own."""


# --- Capabilities ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Capabilities:
    """What a user may do, as plain flags: views, services and templates (`caps` in every template) ask these."""

    role: str
    authenticated: bool
    sees_people: bool
    sees_identifiers: bool
    edits_registry: bool
    accepts_failed_checks: bool
    is_admin: bool
    # Where the user works (one of the four named sets above).
    regency_wide: bool = False
    village_scoped: bool = False
    organisation_scoped: bool = False
    aggregates_only: bool = False
    # What the user's role does beyond its scope.
    regency_staff: bool = False
    runs_programmes: bool = False
    # The data-protection officer's work (UU 27/2022): data-subject requests, breach records, the audit trail,
    # retention. Regency-wide roles: the office that holds the register answers for it.
    handles_pdp_requests: bool = False


ANONYMOUS = Capabilities("", False, False, False, False, False, False)


def capabilities(user: AnyUser) -> Capabilities:
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    role = Role.ADMIN if user.is_superuser else user.role
    return Capabilities(
        role=role,
        authenticated=True,
        sees_people=role in SEES_PEOPLE,
        # Partner staff work with their beneficiaries but do not need the raw identity numbers.
        sees_identifiers=role in REGENCY_STAFF,
        edits_registry=role in SEES_PEOPLE,
        # Accepting a record whose NIK or KK fails a check is an officer's decision, with a reason.
        accepts_failed_checks=role in REGENCY_WIDE,
        is_admin=role == Role.ADMIN,
        regency_wide=role in REGENCY_WIDE,
        village_scoped=role in VILLAGE_SCOPED,
        organisation_scoped=role in ORGANISATION_SCOPED,
        aggregates_only=role in AGGREGATES_ONLY,
        regency_staff=role in REGENCY_STAFF,
        runs_programmes=role in RUNS_PROGRAMMES,
        handles_pdp_requests=role in REGENCY_WIDE,
    )


def ensure_sees_people(user: AnyUser) -> None:
    if not capabilities(user).sees_people:
        raise PermissionDenied(_("Peran Anda hanya boleh melihat data agregat."))


# --- Scoping helpers ---------------------------------------------------------------------------------------------

M = TypeVar("M", bound=Model)


def not_found() -> Http404:
    """The answer for a record outside the user's scope: the same as for one that does not exist."""
    return Http404(_("Data tidak ditemukan atau di luar wilayah Anda."))


def get_visible_or_404(qs: QuerySet[M], pk: Any) -> M:
    """The record `pk` of an already scoped queryset; 404 when it is outside it (or `pk` is not a valid key)."""
    try:
        return qs.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise not_found() from exc


def village_scope_q(user: Actor, field: str) -> Q:
    """Q restricting `field` (a village code, or a path to one) to the villages assigned to `user` (a facilitator),
    directly or through an assigned district, as they are when it is called.

    The codes are read first (one small query) and written into the condition: with a list of codes PostgreSQL
    knows how few rows a facilitator's villages hold and reads them through the village index, where an id subquery
    looked to it like the whole regency (it walked every person in id order, probing each one's household). No
    village assigned: a condition nothing meets (`__in` an empty list), as before.

    The village model is reached through the user's own assignment (`user.villages`), so the kernel imports no area
    app."""
    return Q(**{f"{field}__in": assigned_villages(user)})


def assigned_villages(user: Actor) -> list[Any]:
    """The codes of the villages assigned to `user`, directly or through an assigned district, in code order, read
    from the database at each call (an assignment removed holds from the next request on).

    The query is the same for every facilitator but for the user's id: its SQL is compiled once per database
    (core.compiled.CompiledQuery), where building and compiling it through the ORM on every request cost about a
    fifth of a facilitator's list page's CPU. It reads the assignment tables themselves (`user.villages` and
    `user.districts`: their many-to-many through tables), as the related managers do."""
    query = _ASSIGNED.get(type(user))
    if query is None:
        query = _ASSIGNED[type(user)] = _assigned_query(user)
    return list(query(user=user.pk))


# The assigned-villages query per user model (there is one: accounts.User), compiled once per database.
_ASSIGNED: dict[type, CompiledQuery] = {}


def _assigned_query(user: Actor) -> CompiledQuery:
    # The classes and names of the user's two assignments, not its managers (which hold this user).
    villages: Any = user.villages
    districts: Any = user.districts
    village_model = villages.model
    by_village = (villages.through, villages.source_field_name, villages.target_field_name)
    by_district = (districts.through, districts.source_field_name, districts.target_field_name)

    def build(user: int) -> QuerySet[Any]:
        direct = by_village[0].objects.filter(**{by_village[1]: user}).values(by_village[2])
        through_district = by_district[0].objects.filter(**{by_district[1]: user}).values(by_district[2])
        return (
            village_model.objects.filter(Q(pk__in=direct) | Q(district__in=through_district))
            .order_by("pk")
            .values_list("pk", flat=True)
        )

    return CompiledQuery(build, user=int)


def organisation_scoped(user: Actor, qs: QuerySet[M], own: Callable[[int], Q]) -> QuerySet[M]:
    """The rule organisation-owned records share: regency-wide roles see all, partner staff the rows `own` picks
    for their organisation, everyone else none."""
    caps = capabilities(user)
    if caps.regency_wide:
        return qs
    if caps.organisation_scoped and user.organisation_id is not None:  # partner staff always have one
        return qs.filter(own(user.organisation_id))
    return qs.none()
