"""Who may see and handle grievances, on the access kernel (berdaya.core.access). No literal roles: capabilities.

- A grievance of normal sensitivity is seen by regency staff across the regency (officers, admins), by a facilitator
  in their villages and districts, by partner staff when it concerns their organisation's programme (or they filed
  it). Viewers see aggregates only.
- A restricted grievance (sexual harassment, misconduct) is read by its named handlers only: an administrator or
  officer who is not named gets the same 404 as for a grievance that does not exist.
- Handling (forward, decide, close, escalate) is for active grievance handlers and regency staff who may see it;
  naming handlers is for supervisors and administrators.
- Links to a person, household, programme, assistance record or targeting run are checked against the owning app's
  rules: a handler links only what their role may see.
- Partner staff read no grievance about a person who withdrew consent to sharing with partners, nor an objection to
  a targeting list they may not read (`withheld_from`), even as its named handlers: not listed, counted or opened.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.access import capabilities, get_visible_or_404, village_scope_q
from berdaya.core.audit import audit
from berdaya.programmes.access import programmes_editable_by, programmes_visible_to
from berdaya.programmes.models import Assistance
from berdaya.registry import choices as rc
from berdaya.registry.access import households_visible_to, people_visible_to, withholds_members
from berdaya.registry.consent import excluded_for
from berdaya.targeting.access import run_withheld_from, runs_visible_to
from berdaya.targeting.models import TargetingRun

from . import choices as c
from .models import Grievance, GrievanceHandler


def handler_of(user: User) -> GrievanceHandler | None:
    if not capabilities(user).authenticated:
        return None
    return GrievanceHandler.objects.filter(user=user, is_active=True).first()


def is_handler(user: User) -> bool:
    return handler_of(user) is not None


def is_supervisor(user: User) -> bool:
    handler = handler_of(user)
    return handler is not None and handler.is_supervisor


def supervisors() -> QuerySet[User]:
    return User.objects.filter(is_active=True, grievance_handler__is_active=True, grievance_handler__is_supervisor=True)


def handlers() -> QuerySet[User]:
    return User.objects.filter(is_active=True, grievance_handler__is_active=True)


def _scope_q(user: User) -> Q | None:
    """The normal-sensitivity grievances `user`'s role may see, or None for none."""
    caps = capabilities(user)
    if not caps.sees_people:
        return None
    if caps.regency_wide:
        return Q()
    if caps.village_scoped:
        return village_scope_q(user, "village") | Q(created_by=user)
    if caps.organisation_scoped:
        own = programmes_editable_by(user).values("pk")
        return Q(programme__in=own) | Q(assistance__programme__in=own) | Q(created_by=user)
    return None


def withheld_from(user: User) -> Q | None:
    """The grievances `user` may not read or list whatever else gives them access (their programme, their own
    recording, being named a handler), or None for none. For a role that may miss some people of the households it
    sees (registry.access.withholds_members: partner staff):
    - a grievance about a person who withdrew consent to sharing with partners (its person, or the person of its
      assistance record). She is most often its complainant: her name, her words and the decision's reason would
      tell her story to the partner with the link to her record cut out. Left out whole, it leaves no row, count or
      marker: a grievance hidden by her withdrawal is not told apart from one that does not exist;
    - an objection to a targeting run whose list they may not read (a run they do not see, or one whose criteria
      are withheld from them: targeting.access.run_withheld_from): "should not be on the list" tells that she is.
    A grievance about a person merely outside their organisation's reach keeps the rule for every role (the text is
    read, the link to the person is not shown: `visible_links`)."""
    if not withholds_members(user):
        return None
    withdrawn = excluded_for(rc.ConsentPurpose.SHARING, "person") | excluded_for(
        rc.ConsentPurpose.SHARING, "assistance__person"
    )
    readable_runs = runs_visible_to(user)
    objected = (
        TargetingRun.objects.filter(
            pk__in=Grievance.objects.filter(category=c.Category.TARGETING_OBJECTION, run__isnull=False).values("run")
        )
        .filter(pk__in=readable_runs.values("pk"))
        .select_related("version")
    )
    lists_withheld = [run.pk for run in objected if run_withheld_from(user, run)]
    unreadable_list = Q(run__in=lists_withheld) | (Q(run__isnull=False) & ~Q(run__in=readable_runs.values("pk")))
    return withdrawn | (Q(category=c.Category.TARGETING_OBJECTION) & unreadable_list)


def without_withheld(qs: QuerySet[Grievance], user: User) -> QuerySet[Grievance]:
    """`qs` less the grievances withheld from `user` (withheld_from)."""
    withheld = withheld_from(user)
    return qs if withheld is None else qs.exclude(withheld)


def grievances_visible_to(user: User) -> QuerySet[Grievance]:
    """Grievances whose content `user` may read."""
    if not capabilities(user).authenticated:
        return Grievance.objects.none()
    named = Q(pk__in=Grievance.objects.filter(assignments__user=user).values("pk"))
    scope = _scope_q(user)
    if scope is None:
        return without_withheld(Grievance.objects.filter(named), user)
    return without_withheld(Grievance.objects.filter((Q(sensitivity=c.Sensitivity.NORMAL) & scope) | named), user)


def get_grievance_or_404(user: User, pk: int | str) -> Grievance:
    """The grievance, if `user` may read it (404 otherwise, so a restricted one's existence is not revealed); the
    reading is audited."""
    grievance = get_visible_or_404(
        grievances_visible_to(user).select_related("village", "person", "household", "programme", "run"), pk
    )
    audit(actor=user, action="view", obj=grievance)
    return grievance


def can_record(user: User) -> bool:
    """Record a grievance at the desk or on someone's behalf: every role that works with people."""
    return capabilities(user).sees_people


def can_handle(user: User, grievance: Grievance) -> bool:
    if not grievances_visible_to(user).filter(pk=grievance.pk).exists():
        return False
    if grievance.restricted:
        return grievance.assignments.filter(user=user).exists()
    return capabilities(user).regency_wide or is_handler(user)


def ensure_can_handle(user: User, grievance: Grievance) -> None:
    if not can_handle(user, grievance):
        raise PermissionDenied(_("Anda tidak boleh menangani pengaduan ini."))


def can_manage(user: User) -> bool:
    """Name handlers and see escalations: supervisors and administrators."""
    return capabilities(user).is_admin or is_supervisor(user)


def ensure_can_manage(user: User) -> None:
    if not can_manage(user):
        raise PermissionDenied(_("Hanya supervisor pengaduan atau administrator yang boleh menunjuk petugas."))


def ensure_links_visible(user: User, grievance: Grievance) -> None:
    """Each thing the grievance is linked to must be one `user` may see."""
    from django.core.exceptions import ValidationError

    errors = {}
    if grievance.person_id and not people_visible_to(user).filter(pk=grievance.person_id).exists():
        errors["person"] = _("Penduduk ini di luar wilayah atau organisasi Anda.")
    if grievance.household_id and not households_visible_to(user).filter(pk=grievance.household_id).exists():
        errors["household"] = _("Rumah tangga ini di luar wilayah atau organisasi Anda.")
    if grievance.programme_id and not programmes_visible_to(user).filter(pk=grievance.programme_id).exists():
        errors["programme"] = _("Program tidak ditemukan.")
    if grievance.assistance_id and not assistance_visible_to(user).filter(pk=grievance.assistance_id).exists():
        errors["assistance"] = _("Catatan bantuan ini di luar wilayah atau organisasi Anda.")
    if grievance.run_id and not runs_visible_to(user).filter(pk=grievance.run_id).exists():
        errors["run"] = _("Penetapan sasaran ini tidak ditemukan.")
    if errors:
        raise ValidationError(errors)


def assistance_visible_to(user: User) -> QuerySet[Assistance]:
    return Assistance.objects.filter(person__in=people_visible_to(user).values("pk"))


def visible_links(user: User, grievance: Grievance) -> dict[str, bool]:
    """Which of the grievance's links `user` may see: a named handler of a restricted grievance reads its text, but
    the linked person, programme or run only when their own role may see them."""
    person, programme, assistance, run = (
        grievance.person_id,
        grievance.programme_id,
        grievance.assistance_id,
        grievance.run_id,
    )
    return {
        "person": person is not None and people_visible_to(user).filter(pk=person).exists(),
        "programme": programme is not None and programmes_visible_to(user).filter(pk=programme).exists(),
        "assistance": assistance is not None and assistance_visible_to(user).filter(pk=assistance).exists(),
        "run": run is not None and runs_visible_to(user).filter(pk=run).exists(),
    }
