"""Who may read and handle rights cases, on the access kernel (berdaya.core.access); the people themselves are
scoped by the registry's rules (registry.access).

- A case's content (summary, notes, documents, referrals) is read only by its assigned case workers and admins.
- Supervisors (case workers with `is_supervisor`) see the list of all cases without content, to assign them.
- Seeing the person in the registry gives no access to their cases: a facilitator who can open the person's page
  gets 403 on the case; someone who cannot see the person gets 404, so the case's existence is not revealed.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.access import capabilities, get_visible_or_404, not_found
from berdaya.core.audit import audit
from berdaya.core.compiled import CompiledQuery
from berdaya.registry.access import people_visible_to

from .models import CaseWorker, RightsCase

# Asked on every person page (its migration panel): compiled once (core.compiled).
_CASE_WORKER = CompiledQuery(
    lambda user: CaseWorker.objects.filter(user=user, is_active=True).order_by("pk")[:1], user=int
)


def case_worker_of(user: User) -> CaseWorker | None:
    if not capabilities(user).authenticated:
        return None
    return next(iter(_CASE_WORKER(user=user.pk)), None)


def is_case_worker(user: User) -> bool:
    return case_worker_of(user) is not None


def is_supervisor(user: User) -> bool:
    worker = case_worker_of(user)
    return worker is not None and worker.is_supervisor


def case_handlers() -> QuerySet[User]:
    """The users a case may be assigned to: active users with an active case-worker capability."""
    return User.objects.filter(is_active=True, case_worker__is_active=True)


def can_manage_cases(user: User) -> bool:
    """Assign cases and see the whole case list (without content)."""
    return capabilities(user).is_admin or is_supervisor(user)


def cases_readable_by(user: User) -> QuerySet[RightsCase]:
    """Cases whose content `user` may read."""
    caps = capabilities(user)
    if caps.is_admin:
        return RightsCase.objects.all()
    if is_case_worker(user):
        return RightsCase.objects.filter(assignments__user=user)
    return RightsCase.objects.none()


def cases_listed_for(user: User) -> QuerySet[RightsCase]:
    """Cases `user` may see in the case list: content-free rows (type, stage, due date, assignees)."""
    if can_manage_cases(user):
        return RightsCase.objects.all()
    return cases_readable_by(user)


def can_read_case(user: User, case: RightsCase) -> bool:
    return cases_readable_by(user).filter(pk=case.pk).exists()


def get_case_or_404(user: User, pk: int | str) -> RightsCase:
    """The case, if `user` may read it. Otherwise 403 when they can see the person (the refusal is audited), 404
    when they cannot."""
    case = get_visible_or_404(RightsCase.objects.select_related("person__household__village__district", "episode"), pk)
    if can_read_case(user, case):
        return case
    if can_manage_cases(user) or people_visible_to(user).filter(pk=case.person_id).exists():
        audit(actor=user, action="denied", obj=case)
        raise PermissionDenied(_("Isi kasus hanya dapat dibaca oleh pengelola kasus yang ditugaskan."))
    # Someone who cannot see the person learns nothing of the case: the same 404 as a case that does not exist.
    raise not_found()
