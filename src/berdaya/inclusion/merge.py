"""How two records of one person merge in inclusion (registry.merge). Registered from InclusionConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from berdaya.registry.merge import MergeContext, register_merge_handler

from . import choices as c
from .models import DisabilityProfile


def merge_disability_profile(ctx: MergeContext, rows: QuerySet[Any]) -> None:
    """A person has one disability profile. If the survivor has none, the duplicate's moves; if both have one, the
    survivor's stands, takes on every support need the other recorded (so no session forgets an interpreter), and
    the duplicate's stays with the alias."""
    own = DisabilityProfile.objects.filter(person=ctx.survivor).first()
    duplicate = rows.first()
    if duplicate is None:
        return
    if own is None:
        ctx.move(rows, "person")
        return
    needs = {f"need_{need}": True for need in c.SupportNeed.values if getattr(duplicate, f"need_{need}")}
    needs = {name: value for name, value in needs.items() if not getattr(own, name)}
    if needs:
        ctx.change(DisabilityProfile.objects.filter(pk=own.pk), **needs)


def register() -> None:
    register_merge_handler("inclusion.DisabilityProfile", "person", merge_disability_profile)
