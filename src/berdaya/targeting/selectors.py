"""Reads of targeting, already scoped to the user (.access)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from berdaya.accounts.models import User
from berdaya.core import snapshots
from berdaya.core.access import capabilities
from berdaya.registry import choices as rc
from berdaya.registry.access import people_for_aggregates, person_scope_q, regency_wide_aggregates
from berdaya.registry.models import Person
from berdaya.registry.selectors import vulnerability_by_district, vulnerability_by_district_for

from . import choices as c
from . import rules
from .access import candidates_visible_to, run_withheld_from, sees_every_candidate
from .models import Candidate, TargetingRun


def final_q() -> Q:
    """The final list of a run: selected by the run and not excluded by a reviewer, or added by one. Approving the
    run makes exactly these people proposed enrolments; the run's page shows and counts the same list."""
    return (Q(status=c.CandidateStatus.SELECTED) & ~Q(review=c.Review.EXCLUDED)) | Q(review=c.Review.ADDED)


def final_candidates(run: TargetingRun) -> QuerySet[Candidate]:
    return Candidate.objects.filter(run=run).filter(final_q())


def candidates(run: TargetingRun, *, viewer: User, status: str = "", q: str = "") -> QuerySet[Candidate]:
    """The run's candidates `viewer` may see, each with `shown_rank`: its rank among those candidates. A scoped
    viewer reading the run's own ranks (2, 4, 8, 13…) would learn how many hidden people rank above each one."""
    qs = candidates_visible_to(viewer, run).select_related("person", "person__household__village__district")
    if sees_every_candidate(viewer):
        qs = qs.annotate(shown_rank=F("rank"))
    else:
        # A correlated count, evaluated only for the rows of the page shown. Near misses are ranked on their own.
        def ahead(near: Q) -> Coalesce:
            return Coalesce(
                Subquery(
                    candidates_visible_to(viewer, run)
                    .filter(near, rank__lt=OuterRef("rank"))
                    .order_by()
                    .values("run")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            )

        near_miss = Q(status=c.CandidateStatus.NEAR_MISS)
        qs = qs.annotate(
            shown_rank=Case(
                When(rank__isnull=True, then=None),
                When(near_miss, then=ahead(near_miss) + 1),
                default=ahead(~near_miss) + 1,
            )
        )
    if status == "final":
        qs = qs.filter(final_q())
    elif status == "excluded":
        qs = qs.filter(review=c.Review.EXCLUDED)
    elif status:
        qs = qs.filter(status=status)
    if q.strip():
        qs = qs.filter(person__full_name__icontains=q.strip()[:50])
    return qs.order_by("status", "rank", "id")


def candidate_counts(run: TargetingRun, *, viewer: User) -> dict[str, int]:
    """The numbers of a run's page (per status, the final list, the excluded, the eligible) over the candidates
    `viewer` may see. For an unscoped viewer they are the run's own figures."""
    qs = candidates_visible_to(viewer, run)
    counts = dict(qs.values_list("status").annotate(n=Count("id")).order_by())
    counts["final"] = qs.filter(final_q()).count()
    counts["excluded"] = qs.filter(review=c.Review.EXCLUDED).count()
    counts["eligible"] = counts.get("selected", 0) + counts.get("reserve", 0)
    return counts


def runs_with_counts(runs: Iterable[TargetingRun], *, viewer: User) -> list[TargetingRun]:
    """Runs for a table, each with `shown_eligible` and `shown_selected`: the stored figures for a viewer who sees
    every candidate, else the count of the candidates they may see (candidates_visible_to, in one grouped query:
    their person scope, and nothing of a run whose criteria are withheld from them). Pass the runs with their
    version (select_related)."""
    rows = list(runs)
    if sees_every_candidate(viewer):
        for run in rows:
            run.shown_eligible, run.shown_selected = run.eligible_count, run.selected_count
        return rows
    counts: dict[tuple[int, str], int] = {}
    shown = [run.pk for run in rows if not run_withheld_from(viewer, run)]
    if capabilities(viewer).sees_people and shown:
        grouped = Candidate.objects.filter(run__in=shown, status__in=["selected", "reserve"])
        scope = person_scope_q(viewer, "person__")
        if scope is not None:
            grouped = grouped.filter(scope)
        counts = {
            (run_id, status): n
            for run_id, status, n in grouped.values_list("run", "status").annotate(n=Count("id")).order_by()
        }
    for run in rows:
        run.shown_selected = counts.get((run.pk, "selected"), 0)
        run.shown_eligible = run.shown_selected + counts.get((run.pk, "reserve"), 0)
    return rows


def decile_by_district(*, people: QuerySet[Person]) -> dict[str, list[int]]:
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


def decile_params() -> dict[str, Any]:
    return {"today": timezone.localdate().isoformat()}


def decile_refresh() -> None:
    snapshots.store("targeting.deciles", decile_params(), lambda: decile_by_district(people=Person.objects.current()))


def regency_overview_for(user: User) -> dict[str, Any]:
    """regency_overview of what `user` may count: the regency-wide figures from snapshots (core.snapshots), a scoped
    user's computed live."""
    people = people_for_aggregates(user)
    if not regency_wide_aggregates(user):
        return regency_overview(people=people)
    deciles, _at = snapshots.read("targeting.deciles", decile_params(), lambda: decile_by_district(people=people))
    return regency_overview(people=people, rows=vulnerability_by_district_for(user), deciles=deciles)


def regency_overview(
    *,
    people: QuerySet[Person],
    rows: list[dict[str, Any]] | None = None,
    deciles: dict[str, list[int]] | None = None,
) -> dict[str, Any]:
    rows = [dict(r) for r in (vulnerability_by_district(people=people) if rows is None else rows)]
    deciles = decile_by_district(people=people) if deciles is None else deciles
    for row in rows:
        row["deciles"] = deciles.get(row["household__village__district"], [0] * 11)
    totals: dict[str, Any] = {}
    for row in rows:
        for key, value in row.items():
            if isinstance(value, int) and not key.startswith("household__"):
                totals[key] = totals.get(key, 0) + value
    totals["deciles"] = [sum(row["deciles"][i] for row in rows) for i in range(11)]
    for item in [*rows, totals]:
        item["decile_counts"] = item["deciles"][1:]
        item["decile_unknown"] = item["deciles"][0]
    return {"rows": rows, "totals": totals, "as_of": timezone.localdate()}
