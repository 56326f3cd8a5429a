"""Builders for the migration tests."""

from __future__ import annotations

from berdaya.migration import choices as c
from berdaya.migration.models import MigrationEpisode


def episode(person, officer, **fields) -> MigrationEpisode:
    fields.setdefault("destination", c.Destination.MALAYSIA)
    fields.setdefault("channel", c.Channel.NON_PROCEDURAL)
    return MigrationEpisode.objects.create(person=person, created_by=officer, **fields)
