"""How two records of one person merge in migration (registry.merge). Registered from MigrationConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from berdaya.registry.merge import MergeContext, register_merge_handler

from . import choices as c
from .models import MigrationEpisode

OPEN = [c.Stage.PLANNED, c.Stage.PRE_DEPARTURE, c.Stage.WORKING]


def merge_episodes(ctx: MergeContext, rows: QuerySet[Any]) -> None:
    """A person has at most one open episode. Closed episodes always move; the duplicate's open one moves only
    when the survivor has none, else it stays with the alias (two open episodes of one person would contradict
    each other: an officer reads both from the survivor's page through the merge history and closes one)."""
    if MigrationEpisode.objects.filter(person=ctx.survivor, stage__in=OPEN).exists():
        rows = rows.exclude(stage__in=OPEN)
    ctx.move(rows, "person")


def register() -> None:
    register_merge_handler("migration.MigrationEpisode", "person", merge_episodes)
