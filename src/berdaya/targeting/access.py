"""Who may set targets, weigh and recompute the welfare score, verify a household's decile, and see which rule sets,
runs and candidates, on the access kernel (berdaya.core.access) and the registry's rules.

- Officers and admins target for any programme, over the whole regency; partner staff for their organisation's
  programmes, over the people their registry list shows them (`pool_scope`).
- The score's weights are an admin's decision; recomputing the scores is the regency's (officers and admins).
- Field verification of a decile is the regency's own staff's, for households they may see.
- A run's candidates are filtered by the viewer's scope, whoever started the run.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.access import capabilities
from berdaya.registry.access import household_scope_q, households_visible_to
from berdaya.registry.models import Household

from . import integrations
from .models import Candidate, RuleSet, TargetingRun

# --- targeting ---------------------------------------------------------------------------------------------------


def can_target(user: User) -> bool:
    """Officers and admins run targeting for any programme; partner staff for their organisation's programmes."""
    return capabilities(user).runs_programmes


def ensure_can_manage(user: User, ruleset: RuleSet | None = None, programme_id: int | None = None) -> None:
    caps = capabilities(user)
    if caps.regency_wide:
        return
    if caps.organisation_scoped:
        pid = ruleset.programme_id if ruleset is not None else programme_id
        if pid and pid in integrations.programme_ids_of_organisation(user.organisation_id):
            return
        raise PermissionDenied(_("Staf mitra hanya boleh menetapkan sasaran untuk program organisasinya."))
    raise PermissionDenied(_("Peran Anda tidak boleh menetapkan sasaran."))


def pool_scope(user: User) -> Q | None:
    """The people a run or a live count by `user` is evaluated over, as a condition on Person (None: the whole
    registry). Officers and admins target the regency; anyone limited to an organisation or to villages targets the
    people the registry list shows them (the same household_scope_q), so targeting never reads beyond it
    (docs/decisions.md)."""
    if not can_target(user):
        raise PermissionDenied(_("Peran Anda tidak boleh menetapkan sasaran."))
    return household_scope_q(user, "household__")


def rulesets_visible_to(user: User) -> QuerySet[RuleSet]:
    caps = capabilities(user)
    if caps.regency_wide:
        return RuleSet.objects.all()
    if caps.organisation_scoped:
        return RuleSet.objects.filter(programme_id__in=integrations.programme_ids_of_organisation(user.organisation_id))
    return RuleSet.objects.none()


def runs_visible_to(user: User) -> QuerySet[TargetingRun]:
    return TargetingRun.objects.filter(ruleset__in=rulesets_visible_to(user).values("pk"))


def candidates_visible_to(user: User, run: TargetingRun) -> QuerySet[Candidate]:
    """The run's candidates that `user` may see: filtered by the viewer's scope, whoever started the run (an
    officer's regency-wide run shows a partner only the people their registry list shows them)."""
    qs = Candidate.objects.filter(run=run)
    if not capabilities(user).sees_people:
        return qs.none()
    scope = household_scope_q(user, "person__household__")
    return qs if scope is None else qs.filter(scope)


# --- the welfare score -------------------------------------------------------------------------------------------


def can_edit_score_weights(user: User) -> bool:
    return capabilities(user).is_admin


def ensure_admin(user: User) -> None:
    if not can_edit_score_weights(user):
        raise PermissionDenied(_("Hanya admin yang boleh mengubah bobot skor kesejahteraan."))


def can_recompute_scores(user: User) -> bool:
    """Recomputing ranks every household of the regency: its officers and admins."""
    return capabilities(user).regency_wide


def ensure_can_recompute_scores(user: User) -> None:
    if not can_recompute_scores(user):
        raise PermissionDenied(_("Hanya petugas dinas atau admin yang boleh menghitung ulang skor."))


def can_verify(user: User) -> bool:
    """Field verification of a decile: the regency's own staff (officers, admins, facilitators)."""
    return capabilities(user).regency_staff


def ensure_can_verify(user: User, household: Household) -> None:
    if not can_verify(user):
        raise PermissionDenied(_("Peran Anda tidak boleh mencatat verifikasi lapangan."))
    if not households_visible_to(user).filter(pk=household.pk).exists():
        raise PermissionDenied(_("Rumah tangga ini di luar wilayah Anda."))
