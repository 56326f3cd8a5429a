"""Who may see, manage and record what in programmes, on the access kernel (berdaya.core.access).

Programme-level facts (name, organiser, period, counts) are not personal data: every signed-in role reads them.
Who takes part is filtered separately, through the registry's people_visible_to. The figures counted from the
participants (enrolments by status, assistance totals, a session's access needs) are counted, for partner staff,
over the people they may see (`counts_seen_people_only`). Programmes are managed by the
regency's officers and admins, and by partner staff for their own organisation's programmes.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.access import capabilities, organisation_scoped
from berdaya.registry.access import people_visible_to, register_partner_reach, withholds_members
from berdaya.registry.models import Person

from .models import Enrolment, Programme


def households_reached_by(organisation_id: int | None) -> QuerySet:
    """The households of anyone ever enrolled in a programme the organisation runs: its staff see them in the
    registry (registered with registry.access from ProgrammesConfig.ready())."""
    return Enrolment.objects.filter(programme__organiser_id=organisation_id).values("person__household")


def register() -> None:
    register_partner_reach("programmes", households_reached_by)


def programmes_visible_to(user: User) -> QuerySet[Programme]:
    if not capabilities(user).authenticated:
        return Programme.objects.none()
    return Programme.objects.all()


def programmes_editable_by(user: User) -> QuerySet[Programme]:
    """The programmes `user` manages: officers and admins all, partner staff their organisation's, others none."""
    return organisation_scoped(user, Programme.objects.all(), lambda org: Q(organiser_id=org))


def can_manage_programme(user: User, programme: Programme) -> bool:
    caps = capabilities(user)
    if caps.regency_wide:
        return True
    return caps.organisation_scoped and programme.organiser_id == user.organisation_id


def ensure_can_manage_programme(user: User, programme: Programme) -> None:
    if not can_manage_programme(user, programme):
        raise PermissionDenied(_("Program ini dikelola organisasi lain; Anda tidak boleh mengubahnya."))


def can_create_programme(user: User) -> bool:
    return capabilities(user).runs_programmes


def ensure_can_create_programme(user: User) -> None:
    if not can_create_programme(user):
        raise PermissionDenied(_("Peran Anda tidak boleh membuat program."))


def organiser_of_own_programmes(user: User) -> int | None:
    """The organisation whose programmes `user` runs and no other (partner staff's); None when they may organise for
    any organisation. Forms offer only it, and services hold a programme to it whatever a form sent."""
    return user.organisation_id if capabilities(user).organisation_scoped else None


def can_record_attendance(user: User, programme: Programme) -> bool:
    """Programme managers, and facilitators (for the participants in their villages only)."""
    return can_manage_programme(user, programme) or capabilities(user).village_scoped


def ensure_can_record_attendance(user: User, programme: Programme) -> None:
    if not can_record_attendance(user, programme):
        raise PermissionDenied(_("Anda tidak boleh mencatat kehadiran program ini."))


def ensure_can_record_needs(user: User, person: Person) -> None:
    """Needs assessments are recorded by anyone who may edit the registry, for a person they can see."""
    caps = capabilities(user)
    if not caps.edits_registry or not people_visible_to(user).filter(pk=person.pk).exists():
        raise PermissionDenied(_("Anda tidak boleh mencatat kebutuhan penduduk ini."))


def sees_assistance_notes(user: User, programme: Programme) -> bool:
    """Internal notes on assistance stay with the organiser (and the regency's officers)."""
    return can_manage_programme(user, programme)


def sees_others_assistance_in_full(user: User) -> bool:
    """Assistance from programmes `user` does not manage is listed in full for everyone but partner staff, who see
    other organisations' assistance as counts and kinds only (enough for double-dipping checks)."""
    return not capabilities(user).organisation_scoped


def counts_seen_people_only(user: User) -> bool:
    """Whether the programme figures `user` reads are counted over the people they may see (`people_visible_to`)
    rather than over every participant: for partner staff (`registry.access.withholds_members`), who do not see a
    participant who withdrew consent to sharing with partners. Their counts are exact beside lists that leave her
    out (the participants, the assistance ledger), so a total over everyone would give her back by difference: the
    spent total less the ledger they see is her assistance. So their enrolment counts, their spent, committed and
    planned totals and a session's access needs are what they can sum from the rows they see, on every programme,
    and the pages say so on every programme, whoever takes part. Officers, admins, facilitators and viewers read the
    figures over every participant."""
    return withholds_members(user)
