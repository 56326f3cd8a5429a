"""How two records of one person merge in targeting's candidate lists (registry.merge). Registered from
TargetingConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from berdaya.registry.merge import MergeContext, register_merge_handler

from . import choices as c
from .models import Candidate
from .selectors import final_q


def merge_candidates(ctx: MergeContext, rows: QuerySet[Any]) -> None:
    """One person appears once on a run's list. Where both records are on the same run, the survivor's row stands
    (on the final list if either was) and the duplicate's is excluded with the reason, staying with the alias;
    elsewhere the duplicate's row moves, with the survivor's household and village, so the list is read as before."""
    survivor = ctx.survivor
    own = Candidate.objects.filter(person=survivor)
    clash = rows.filter(run__in=own.values("run"))
    reason = _("Data ganda: digabung ke penduduk #%(id)s.") % {"id": survivor.pk}
    finals = set(clash.filter(final_q()).values_list("run", flat=True))
    ctx.change(own.filter(run__in=finals).exclude(final_q()), review=c.Review.ADDED, review_reason=reason)
    clash_ids = list(clash.values_list("pk", flat=True))
    ctx.change(Candidate.objects.filter(pk__in=clash_ids), review=c.Review.EXCLUDED, review_reason=reason)
    village = survivor.household.village_id
    ctx.move(
        rows.exclude(pk__in=clash_ids),
        "person",
        household_id=survivor.household_id,
        village_id=village,
        district_code=village[:8],
    )


def register() -> None:
    register_merge_handler("targeting.Candidate", "person", merge_candidates)
