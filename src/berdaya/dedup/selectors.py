"""Reading linkage results, scoped: a pair is shown only to a user who may see both of its people."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from berdaya.accounts.models import User
from berdaya.registry.access import people_visible_to

from .models import DedupRun, MatchPair, PairDecision


def pairs_visible_to(
    actor: User, *, run: DedupRun | None = None, min_probability: float | None = None, undecided: bool = True
) -> QuerySet[MatchPair]:
    """The pairs of `run` (default: the latest finished run) whose two people `actor` may see, most likely first.
    With `undecided`, pairs an officer already decided are left out."""
    run = run or latest_run()
    if run is None:
        return MatchPair.objects.none()
    visible = people_visible_to(actor).values("pk")
    pairs = MatchPair.objects.filter(run=run, person_low__in=visible, person_high__in=visible)
    if min_probability is not None:
        pairs = pairs.filter(match_probability__gte=min_probability)
    if undecided:
        decided = PairDecision.objects.filter(
            person_low_id=OuterRef("person_low_id"), person_high_id=OuterRef("person_high_id")
        )
        pairs = pairs.exclude(Exists(decided))
    return pairs.select_related("person_low", "person_high").order_by(
        "-match_probability", "person_low_id", "person_high_id"
    )


def latest_run(*, scope: str | None = None) -> DedupRun | None:
    runs = DedupRun.objects.filter(status=DedupRun.Status.SUCCEEDED)
    if scope:
        runs = runs.filter(scope=scope)
    return runs.order_by("-finished_at", "-id").first()


def latest_model() -> dict[str, Any]:
    """The trained model of the latest finished run over the registry, else {} (the caller falls back)."""
    run = DedupRun.objects.filter(status=DedupRun.Status.SUCCEEDED).exclude(model={}).order_by("-finished_at", "-id")
    first = run.only("model").first()
    return first.model if first is not None else {}
