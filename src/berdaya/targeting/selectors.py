"""Reads of targeting, already scoped to the user (berdaya.core.scoping)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from berdaya.accounts.models import User
from berdaya.core.scoping import capabilities
from berdaya.registry import choices as rc
from berdaya.registry.selectors import vulnerability_by_district

from . import integrations, rules
from .models import Candidate, RuleSet, TargetingRun

Role = User.Role


def rulesets_visible_to(user) -> QuerySet[RuleSet]:
    caps = capabilities(user)
    if caps.role in {Role.ADMIN, Role.OFFICER}:
        return RuleSet.objects.all()
    if caps.role == Role.PARTNER:
        return RuleSet.objects.filter(programme_id__in=integrations.programme_ids_of_organisation(user.organisation_id))
    return RuleSet.objects.none()


def runs_visible_to(user) -> QuerySet[TargetingRun]:
    return TargetingRun.objects.filter(ruleset__in=rulesets_visible_to(user).values("pk"))


def candidates(run: TargetingRun, *, status: str = "", q: str = "") -> QuerySet[Candidate]:
    qs = Candidate.objects.filter(run=run).select_related("person", "person__household__village__district")
    if status == "final":
        qs = qs.filter((Q(status="selected") & ~Q(review="excluded")) | Q(review="added"))
    elif status == "excluded":
        qs = qs.filter(review="excluded")
    elif status:
        qs = qs.filter(status=status)
    if q.strip():
        qs = qs.filter(person__full_name__icontains=q.strip()[:50])
    return qs.order_by("status", "rank", "id")


def decile_by_district(*, people: QuerySet) -> dict[str, list[int]]:
    """Living people per district and effective welfare decile (index 0 = unknown, 1..10), one aggregate query."""
    rows = (
        people.filter(status=rc.PersonStatus.ACTIVE)
        .annotate(d=rules.effective_decile())
        .values("household__village__district", "d")
        .annotate(n=Count("id"))
        .order_by()
    )
    result: dict[str, list[int]] = {}
    for row in rows:
        counts = result.setdefault(row["household__village__district"], [0] * 11)
        counts[row["d"] or 0] += row["n"]
    return result


def regency_overview(*, people: QuerySet) -> dict:
    rows = vulnerability_by_district(people=people)
    deciles = decile_by_district(people=people)
    for row in rows:
        row["deciles"] = deciles.get(row["household__village__district"], [0] * 11)
    totals: dict = {}
    for row in rows:
        for key, value in row.items():
            if isinstance(value, int) and not key.startswith("household__"):
                totals[key] = totals.get(key, 0) + value
    totals["deciles"] = [sum(row["deciles"][i] for row in rows) for i in range(11)]
    for item in [*rows, totals]:
        item["decile_counts"] = item["deciles"][1:]
        item["decile_unknown"] = item["deciles"][0]
    return {"rows": rows, "totals": totals, "as_of": timezone.localdate()}
