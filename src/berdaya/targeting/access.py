"""Who may set targets, weigh and recompute the welfare score, verify a household's decile, and see which rule sets,
runs and candidates, on the access kernel (berdaya.core.access) and the registry's rules.

- Officers and admins target for any programme, over the whole regency; partner staff for their organisation's
  programmes, over the people the registry shows them (`pool_scope`: the person scope, less whoever withdrew consent
  to sharing with partners).
- Partner staff neither use nor read the results of the criteria read from a person's other household members
  (`criteria_withheld`): the female-headed household, a migrant worker's family, the household's size.
- The score's weights are an admin's decision; recomputing the scores is the regency's (officers and admins).
- Field verification of a decile is the regency's own staff's, for households they may see.
- A run's candidates are filtered by the viewer's person scope, whoever started the run (`candidates_visible_to`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.access import capabilities
from berdaya.registry.access import flags_withheld_from, households_visible_to, person_scope_q, withholds_members
from berdaya.registry.models import Household
from berdaya.registry.vulnerability import FLAG_BY_CODE

from . import choices as c
from . import integrations, rules
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
    people the registry shows them (registry.access.person_scope_q: for partner staff, less whoever withdrew consent
    to sharing with partners), so targeting never reads beyond it (docs/decisions.md)."""
    if not can_target(user):
        raise PermissionDenied(_("Peran Anda tidak boleh menetapkan sasaran."))
    return person_scope_q(user)


def criteria_withheld(
    user: User, *, rules_tree: dict, priority: list[str] | None = None, quotas: dict | None = None
) -> list[str]:
    """The criteria of a rule-set version (its conditions, priority order and minimum groups) that `user` may neither
    use nor read the results of, by label. For a role that may miss some members of a household
    (registry.access.withholds_members: partner staff), those read from a person's other household members: the
    flags withheld from them (registry.access.flags_withheld_from) as a condition, a priority or a minimum group, and
    the conditions counted from the members (rules.ConditionType.from_members: the household's size). Who meets
    them, in which order, tells of a member hidden from the user (a household that is female-headed though no woman
    heads it in what they see, one member more than they see). Empty for every other role. `rules_tree` must be a
    valid tree (rules.rule_errors)."""
    if not withholds_members(user):
        return []
    flags = flags_withheld_from(user)
    labels: list[str] = []
    for leaf in rules.leaves(rules_tree):
        condition = rules.CONDITIONS.get(leaf.get("type", ""))
        if leaf.get("type") == "flag" and leaf.get("value") in flags:
            labels.append(str(FLAG_BY_CODE[leaf["value"]].label))
        elif condition is not None and condition.from_members:
            labels.append(str(condition.label))
    labels += [str(c.PriorityKey(key).label) for key in priority or [] if key in flags]
    minimums = (quotas or {}).get("minimums") or {}
    labels += [str(c.MinimumGroup(group).label) for group, pct in minimums.items() if pct and group in flags]
    return list(dict.fromkeys(labels))


def criteria_withheld_from(user: User) -> list[str]:
    """Every criterion withheld from `user` (criteria_withheld), by label: the flags, then the conditions."""
    if not withholds_members(user):
        return []
    flags = flags_withheld_from(user)
    return [str(FLAG_BY_CODE[code].label) for code in sorted(flags, key=lambda code: FLAG_BY_CODE[code].order)] + [
        str(condition.label) for condition in rules.CONDITIONS.values() if condition.from_members
    ]


def criteria_withheld_message(labels: list[str]) -> str:
    return _("Kriteria berikut dihitung dari anggota rumah tangga lain dan tidak tersedia bagi staf mitra: %(k)s.") % {
        "k": "; ".join(labels)
    }


def run_withheld_from(user: User, run: TargetingRun) -> list[str]:
    """The criteria of `run`'s version withheld from `user` (criteria_withheld). A run that has any shows `user` none
    of its candidates, counts or explanations: who is on its list, in which order, and why (its reasons and failed
    conditions) would give those criteria back, person by person."""
    version = run.version
    return criteria_withheld(user, rules_tree=version.rules, priority=version.priority, quotas=version.quotas)


def run_withheld_message(labels: list[str]) -> str:
    return _(
        "Aturan proses ini memakai kriteria yang dihitung dari anggota rumah tangga lain (%(k)s): daftar calonnya "
        "hanya ditampilkan kepada petugas dinas."
    ) % {"k": "; ".join(labels)}


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
    """The run's candidates that `user` may see: filtered by the viewer's person scope, whoever started the run (an
    officer's regency-wide run shows a partner only the people the registry shows them, never one who withdrew
    consent to sharing with partners), and none of a run whose criteria are withheld from them
    (run_withheld_from). Every list, count, review and print of a run's candidates reads them through this."""
    qs = Candidate.objects.filter(run=run)
    if not capabilities(user).sees_people or run_withheld_from(user, run):
        return qs.none()
    scope = person_scope_q(user, "person__")
    return qs if scope is None else qs.filter(scope)


def sees_every_candidate(user: User) -> bool:
    """Whether `user` sees every candidate of the runs they see (officers, admins): their lists, ranks and counts
    are the run's own; anyone else's are counted over what they see."""
    return capabilities(user).sees_people and person_scope_q(user, "person__") is None


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
