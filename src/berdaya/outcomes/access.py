"""Who may see and record outcome data, on the access kernel (berdaya.core.access).

Outcome data follows the person: a survey is seen by whoever may see its person (registry.access.people_visible_to:
facilitators their villages, officers the regency). Partner staff see less than the registry shows them: only the
surveys of people who took part in a programme their organisation runs, since an income or savings figure is
financial personal data (UU 27/2022) they need only for their own participants. Viewers read aggregates only: the
impact estimates and graduation rates, never a survey. The graduation criteria and follow-up plan of a programme are
set by whoever manages the programme. The figures partner staff read (survey counts, impact estimates, graduation
rates) leave out whoever withdrew consent to sharing with partners (`aggregate_scope`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.access import capabilities, ensure_sees_people, get_visible_or_404
from berdaya.programmes.access import can_manage_programme, programmes_visible_to
from berdaya.programmes.models import Enrolment, Programme
from berdaya.registry import choices as rc
from berdaya.registry.access import people_visible_to, withholds_members
from berdaya.registry.consent import excluded_for
from berdaya.registry.models import Person, PersonQuerySet

from .models import OutcomeSurvey


def people_with_outcomes_visible_to(user: User) -> PersonQuerySet:
    """The people whose outcome data `user` may read person by person."""
    caps = capabilities(user)
    if not caps.sees_people:
        return Person.objects.none()
    people = people_visible_to(user)
    if caps.organisation_scoped:
        people = people.filter(
            pk__in=Enrolment.objects.filter(programme__organiser_id=user.organisation_id).values("person_id")
        )
    return people


def person_scope_q(user: User, prefix: str = "person") -> Q:
    """The rows (reached through `prefix`, a path to Person) whose person's outcome data `user` may read."""
    return Q(**{f"{prefix}__in": people_with_outcomes_visible_to(user).values("pk")})


def surveys_visible_to(user: User) -> QuerySet[OutcomeSurvey]:
    if not capabilities(user).sees_people:
        return OutcomeSurvey.objects.none()
    return OutcomeSurvey.objects.filter(person_scope_q(user))


def get_survey_or_404(user: User, pk: int | str) -> OutcomeSurvey:
    ensure_sees_people(user)
    return get_visible_or_404(
        surveys_visible_to(user).select_related("person", "household__village", "programme", "commodity"), pk
    )


def can_record(user: User) -> bool:
    """Facilitators, officers and partner staff record surveys (each within their scope); viewers never."""
    return capabilities(user).edits_registry


def ensure_can_record_for(user: User, person: Person) -> None:
    if not can_record(user):
        raise PermissionDenied(_("Peran Anda tidak boleh mencatat survei hasil."))
    if not people_with_outcomes_visible_to(user).filter(pk=person.pk).exists():
        raise PermissionDenied(_("Penduduk ini di luar wilayah atau program Anda."))


def ensure_can_plan(user: User, programme: Programme) -> None:
    if not can_manage_programme(user, programme):
        raise PermissionDenied(
            _("Hanya pengelola program yang boleh mengubah rencana pemantauan dan kriteria graduasi.")
        )


def programmes_with_outcomes_visible_to(user: User) -> QuerySet[Programme]:
    """The programmes whose outcome figures (survey counts, impact estimates, graduation) `user` may read: partner
    staff only their organisation's programmes (the figures are about its participants), every other role the
    programmes they may see."""
    programmes = programmes_visible_to(user)
    if capabilities(user).organisation_scoped:
        programmes = programmes.filter(organiser_id=user.organisation_id)
    return programmes


# The scope of the figures shown to partner staff: everyone less whoever withdrew consent to sharing with partners.
SHARING_ONLY = "sharing"


def aggregate_scope(user: User) -> str:
    """Whose data the outcome figures `user` reads are computed over, by name ("" everyone; SHARING_ONLY): the
    name is what a cached estimate and a background job carry. A role that may miss some people of the households
    it sees (registry.access.withholds_members: partner staff) reads figures without anyone who withdrew consent to
    sharing with partners, in both arms of an estimate: they read every other participant's surveys and graduation
    person by person, and their counts are exact (core.disclosure.for_aggregates), so a figure that still counted
    her would give hers back by difference (with one such participant, the participants' mean baseline times their
    number, less the sum of the others, is her income). Every other role reads the regency's figures."""
    return SHARING_ONLY if withholds_members(user) else ""


def aggregate_people(scope: str) -> PersonQuerySet | None:
    """The people a figure of `scope` (aggregate_scope) counts; None for everyone."""
    if scope == SHARING_ONLY:
        return Person.objects.exclude(excluded_for(rc.ConsentPurpose.SHARING))
    if scope:
        raise ValueError(scope)
    return None


def people_for_figures(user: User) -> PersonQuerySet | None:
    """The people the outcome figures `user` reads count (aggregate_scope); None for everyone."""
    return aggregate_people(aggregate_scope(user))


def sees_aggregates(user: User) -> bool:
    """Impact estimates and graduation rates are aggregates: every signed-in role reads them (viewers included)."""
    return capabilities(user).authenticated
