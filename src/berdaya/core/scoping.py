"""Who may see and change which records. The one place that decides it (UU 27/2022).

Every page, export, command and API call gets its querysets from here, so a rule changes in one place:
- admin and officer: the whole regency;
- facilitator (pendamping): the villages assigned to them, directly or through an assigned district;
- partner staff: the households their organisation registered, and those of their programmes' participants;
- viewer: aggregates only, never a person-level record.
Records outside a user's scope answer 404, not 403, so their existence is not revealed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from berdaya.accounts.models import User

Role = User.Role


@dataclass(frozen=True)
class Capabilities:
    role: str
    authenticated: bool
    sees_people: bool
    sees_identifiers: bool
    edits_registry: bool
    accepts_failed_checks: bool
    is_admin: bool


ANONYMOUS = Capabilities("", False, False, False, False, False, False)


def capabilities(user) -> Capabilities:
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    role = Role.ADMIN if user.is_superuser else user.role
    return Capabilities(
        role=role,
        authenticated=True,
        sees_people=role != Role.VIEWER,
        # Partner staff work with their beneficiaries but do not need the raw identity numbers.
        sees_identifiers=role in {Role.ADMIN, Role.OFFICER, Role.FACILITATOR},
        edits_registry=role in {Role.ADMIN, Role.OFFICER, Role.FACILITATOR, Role.PARTNER},
        # Accepting a record whose NIK or KK fails a check is an officer's decision, with a reason.
        accepts_failed_checks=role in {Role.ADMIN, Role.OFFICER},
        is_admin=role == Role.ADMIN,
    )


def _village_codes_q(user, field: str) -> Q:
    """Q restricting `field` (a village code) to the facilitator's assigned villages and districts."""
    from berdaya.areas.models import Village

    assigned = Village.objects.filter(
        Q(pk__in=user.villages.values("pk")) | Q(district__in=user.districts.values("pk"))
    ).values("pk")
    return Q(**{f"{field}__in": assigned})


def household_scope_q(user, prefix: str = "") -> Q | None:
    """The condition on Household (reached through `prefix`) for what `user` may see; None means no limit."""
    caps = capabilities(user)
    if not caps.sees_people:
        return Q(pk__in=[])
    if caps.role in {Role.ADMIN, Role.OFFICER}:
        return None
    if caps.role == Role.FACILITATOR:
        return _village_codes_q(user, f"{prefix}village")
    if caps.role == Role.PARTNER:
        # Their own registrations, plus the households of anyone ever enrolled in a programme their organisation
        # runs. One OR of an indexed column and an id subquery, so the planner never joins enrolments per row.
        from berdaya.programmes.models import Enrolment

        enrolled = Enrolment.objects.filter(programme__organiser_id=user.organisation_id).values("person__household")
        return Q(**{f"{prefix}registered_by_organisation": user.organisation_id}) | Q(**{f"{prefix}pk__in": enrolled})
    return Q(pk__in=[])


def _apply(qs: QuerySet, q: Q | None) -> QuerySet:
    if q is None:
        return qs
    if q == Q(pk__in=[]):
        return qs.none()
    return qs.filter(q)


def households_visible_to(user) -> QuerySet:
    from berdaya.registry.models import Household

    return _apply(Household.objects.all(), household_scope_q(user))


def people_visible_to(user) -> QuerySet:
    from berdaya.registry.models import Person

    return _apply(Person.objects.all(), household_scope_q(user, "household__"))


def groups_visible_to(user) -> QuerySet:
    from berdaya.registry.models import Group

    caps = capabilities(user)
    if not caps.sees_people:
        return Group.objects.none()
    if caps.role == Role.FACILITATOR:
        return Group.objects.filter(_village_codes_q(user, "village"))
    if caps.role == Role.PARTNER:
        # Partner staff see groups that have a member they may see.
        return Group.objects.filter(memberships__person__in=people_visible_to(user).values("pk")).distinct()
    return Group.objects.all()


def villages_for_registration(user) -> QuerySet:
    """The villages in which `user` may register a household."""
    from berdaya.areas.models import Village

    caps = capabilities(user)
    villages = Village.objects.select_related("district")
    if not caps.edits_registry:
        return villages.none()
    if caps.role == Role.FACILITATOR:
        return villages.filter(_village_codes_q(user, "code"))
    return villages


def get_visible_or_404(qs: QuerySet, pk):
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("Data tidak ditemukan atau di luar wilayah Anda.")) from exc


def get_household_or_404(user, pk):
    return get_visible_or_404(households_visible_to(user), pk)


def get_person_or_404(user, pk):
    return get_visible_or_404(people_visible_to(user).select_related("household__village__district"), pk)


def get_group_or_404(user, pk):
    return get_visible_or_404(groups_visible_to(user).select_related("village__district"), pk)


def ensure_can_edit_household(user, household) -> None:
    """Raise unless `user` may change this household and its members (services call this first)."""
    caps = capabilities(user)
    if not caps.edits_registry:
        raise PermissionDenied(_("Peran Anda tidak boleh mengubah data registri."))
    if not households_visible_to(user).filter(pk=household.pk).exists():
        raise PermissionDenied(_("Rumah tangga ini di luar wilayah atau organisasi Anda."))


def ensure_can_register_in(user, village) -> None:
    if not villages_for_registration(user).filter(pk=village.pk).exists():
        raise PermissionDenied(_("Anda tidak boleh mendaftarkan rumah tangga di desa ini."))


def ensure_sees_people(user) -> None:
    if not capabilities(user).sees_people:
        raise PermissionDenied(_("Peran Anda hanya boleh melihat data agregat."))


def people_for_aggregates(user) -> QuerySet:
    """The people whose counts `user` may read: viewers (auditors, the regent) read regency-wide aggregates;
    everyone else the aggregates of what they may see. Never use this for a person-level list."""
    from berdaya.registry.models import Person

    if not capabilities(user).authenticated:
        return Person.objects.none()
    if capabilities(user).role == Role.VIEWER:
        return Person.objects.all()
    return people_visible_to(user)


# Programmes (berdaya.programmes)


def programmes_visible_to(user) -> QuerySet:
    """Programme-level facts (name, organiser, period, counts) are not personal data: every signed-in role reads
    them. Who takes part is filtered separately, through people_visible_to."""
    from berdaya.programmes.models import Programme

    if not capabilities(user).authenticated:
        return Programme.objects.none()
    return Programme.objects.all()


def _organisation_scoped(user, qs: QuerySet, own: Callable[[int], Q]) -> QuerySet:
    """The rule organisation-owned records share: officers and admins see all, partner staff the rows `own` picks
    for their organisation, everyone else none."""
    caps = capabilities(user)
    if caps.role in {Role.ADMIN, Role.OFFICER}:
        return qs
    if caps.role == Role.PARTNER:
        return qs.filter(own(user.organisation_id))
    return qs.none()


def programmes_editable_by(user) -> QuerySet:
    """The programmes `user` manages: officers and admins all, partner staff their organisation's, others none."""
    from berdaya.programmes.models import Programme

    return _organisation_scoped(user, Programme.objects.all(), lambda org: Q(organiser_id=org))


def can_manage_programme(user, programme) -> bool:
    caps = capabilities(user)
    if caps.role in {Role.ADMIN, Role.OFFICER}:
        return True
    return caps.role == Role.PARTNER and programme.organiser_id == user.organisation_id


def ensure_can_manage_programme(user, programme) -> None:
    if not can_manage_programme(user, programme):
        raise PermissionDenied(_("Program ini dikelola organisasi lain; Anda tidak boleh mengubahnya."))


def ensure_can_create_programme(user) -> None:
    if capabilities(user).role not in {Role.ADMIN, Role.OFFICER, Role.PARTNER}:
        raise PermissionDenied(_("Peran Anda tidak boleh membuat program."))


def can_record_attendance(user, programme) -> bool:
    """Programme managers, and facilitators (for the participants in their villages only)."""
    return can_manage_programme(user, programme) or capabilities(user).role == Role.FACILITATOR


def ensure_can_record_attendance(user, programme) -> None:
    if not can_record_attendance(user, programme):
        raise PermissionDenied(_("Anda tidak boleh mencatat kehadiran program ini."))


def ensure_can_record_needs(user, person) -> None:
    """Needs assessments are recorded by anyone who may edit the registry, for a person they can see."""
    caps = capabilities(user)
    if not caps.edits_registry or not people_visible_to(user).filter(pk=person.pk).exists():
        raise PermissionDenied(_("Anda tidak boleh mencatat kebutuhan penduduk ini."))


def sees_assistance_notes(user, programme) -> bool:
    """Internal notes on assistance stay with the organiser (and the regency's officers)."""
    return can_manage_programme(user, programme)


# Partners and coordination (berdaya.partners)
# Partner staff see their own organisation, its agreements and commitments, and nothing of other organisations
# beyond the aggregates of the 4W and coverage-gap pages.


def organisations_visible_to(user) -> QuerySet:
    """The partner directory: officers, admins and facilitators all organisations; partner staff their own only;
    viewers none (they read the 4W and gap aggregates)."""
    from berdaya.organisations.models import Organisation

    caps = capabilities(user)
    if caps.role in {Role.ADMIN, Role.OFFICER, Role.FACILITATOR}:
        return Organisation.objects.all()
    if caps.role == Role.PARTNER:
        return Organisation.objects.filter(pk=user.organisation_id)
    return Organisation.objects.none()


def organisations_editable_by(user) -> QuerySet:
    """Officers and admins register and edit every organisation; partner staff keep their own contacts current."""
    from berdaya.organisations.models import Organisation

    return _organisation_scoped(user, Organisation.objects.all(), lambda org: Q(pk=org))


def can_create_organisation(user) -> bool:
    return capabilities(user).role in {Role.ADMIN, Role.OFFICER}


def agreements_visible_to(user) -> QuerySet:
    """Agreements and their documents: officers and admins all; partner staff those their organisation is party to."""
    from berdaya.partners.models import Agreement

    return _organisation_scoped(
        user,
        Agreement.objects.all(),
        lambda org: Q(pk__in=Agreement.parties.through.objects.filter(organisation_id=org).values("agreement_id")),
    )


def can_manage_agreements(user) -> bool:
    """Agreements bind the regency: officers and admins record them and move their status."""
    return capabilities(user).role in {Role.ADMIN, Role.OFFICER}


def commitments_visible_to(user) -> QuerySet:
    from berdaya.partners.models import Commitment

    return _organisation_scoped(user, Commitment.objects.all(), lambda org: Q(organisation_id=org))


def can_manage_commitments(user) -> bool:
    """What a partner promised is recorded by the regency's officers, from the agreement or the meeting minutes."""
    return capabilities(user).role in {Role.ADMIN, Role.OFFICER}


def can_record_contribution(user, organisation) -> bool:
    """Officers for every partner; partner staff report what their own organisation delivered."""
    caps = capabilities(user)
    if caps.role in {Role.ADMIN, Role.OFFICER}:
        return True
    return caps.role == Role.PARTNER and organisation.pk == user.organisation_id


def sees_coordination(user) -> bool:
    """The 4W matrix and the coverage gaps are aggregates: every signed-in role reads them, viewers included."""
    return capabilities(user).authenticated


def people_for_coordination(user) -> QuerySet:
    """The people counted on the 4W and coverage-gap pages: the whole regency for every signed-in role, because
    coordination needs the full picture. Counts only: never use this for a person-level list or a link to a person."""
    from berdaya.registry.models import Person

    if not sees_coordination(user):
        return Person.objects.none()
    return Person.objects.all()


# Price bulletins (berdaya.markets): subscribers' phone numbers are personal data.


def subscribers_visible_to(user) -> QuerySet:
    """Bulletin subscribers `user` may see and manage: officers and admins all; facilitators those of the people
    they may see, and those without a linked person in the districts of their villages; nobody else."""
    from berdaya.areas.models import Village
    from berdaya.markets.models import SubscriberConsent

    caps = capabilities(user)
    qs = SubscriberConsent.objects.select_related("district", "person")
    if caps.role in {Role.ADMIN, Role.OFFICER}:
        return qs
    if caps.role == Role.FACILITATOR:
        districts = Village.objects.filter(_village_codes_q(user, "code")).values("district")
        return qs.filter(
            Q(person__in=people_visible_to(user).values("pk")) | Q(person__isnull=True, district__in=districts)
        )
    return qs.none()
