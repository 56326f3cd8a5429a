"""Who may see and change partners, agreements, commitments and contributions, and who reads the coordination
pages, on the access kernel (berdaya.core.access).

Partner staff see their own organisation, its agreements and commitments, and nothing of other organisations beyond
the aggregates of the 4W and coverage-gap pages. Agreements and commitments bind the regency: its officers record
them.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from berdaya.accounts.models import User
from berdaya.core.access import capabilities, organisation_scoped
from berdaya.organisations.access import is_own_organisation
from berdaya.organisations.models import Organisation
from berdaya.registry import choices as rc
from berdaya.registry.access import withholds_members
from berdaya.registry.consent import excluded_for
from berdaya.registry.models import Person

from .models import Agreement, Commitment

# --- agreements, commitments, contributions ----------------------------------------------------------------------


def agreements_visible_to(user: User) -> QuerySet[Agreement]:
    """Agreements and their documents: officers and admins all; partner staff those their organisation is party to."""
    return organisation_scoped(
        user,
        Agreement.objects.all(),
        lambda org: Q(pk__in=Agreement.parties.through.objects.filter(organisation_id=org).values("agreement_id")),
    )


def can_manage_agreements(user: User) -> bool:
    """Agreements bind the regency: officers and admins record them and move their status."""
    return capabilities(user).regency_wide


def sees_agreement_list(user: User) -> bool:
    """The agreement list: those who manage agreements, and partner staff (their organisation's)."""
    return can_manage_agreements(user) or capabilities(user).organisation_scoped


def commitments_visible_to(user: User) -> QuerySet[Commitment]:
    return organisation_scoped(user, Commitment.objects.all(), lambda org: Q(organisation_id=org))


def can_manage_commitments(user: User) -> bool:
    """What a partner promised is recorded by the regency's officers, from the agreement or the meeting minutes."""
    return capabilities(user).regency_wide


def can_record_contribution(user: User, organisation: Organisation) -> bool:
    """Officers for every partner; partner staff report what their own organisation delivered."""
    return capabilities(user).regency_wide or is_own_organisation(user, organisation)


# --- coordination (4W matrix, coverage gaps) ---------------------------------------------------------------------


def sees_coordination(user: User) -> bool:
    """The 4W matrix and the coverage gaps are aggregates: every signed-in role reads them, viewers included."""
    return capabilities(user).authenticated


def coordination_less_withdrawn(user: User) -> bool:
    """Whether the coordination figures `user` reads (the 4W matrix, its map, the coverage gaps, their exports) are
    the regency's less whoever withdrew consent to sharing with partners: for a role that may miss some people
    (registry.access.withholds_members: partner staff), the same for every partner. Their own organisation's row is
    exact from five people (core.disclosure.for_coordination) and sits beside their participant list and assistance
    ledger, so a row that still counted a participant who withdrew would give her back by difference (the Rupiah
    disbursed less the ledger they read is her assistance). Not their reach only: other organisations' rows would
    empty, their people being outside the partner's scope by design, not by consent. Every other role reads the
    regency's figures."""
    return withholds_members(user)


def people_for_coordination(user: User) -> QuerySet[Person]:
    """The people counted on the 4W and coverage-gap pages: the whole regency, because coordination needs the full
    picture, less whoever withdrew consent to sharing with partners for partner staff (coordination_less_withdrawn).
    Counts only: never use this for a person-level list or a link to a person."""
    if not sees_coordination(user):
        return Person.objects.none()
    if coordination_less_withdrawn(user):
        return Person.objects.current().exclude(excluded_for(rc.ConsentPurpose.SHARING))
    return Person.objects.current()
