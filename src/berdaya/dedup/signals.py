"""Keeps PersonKey current for people saved one at a time (forms, services). Bulk imports write set-based and
bypass signals: the incremental check also looks at people newer than the keys (incremental.py), and each run
rebuilds the keys."""

from __future__ import annotations

from typing import Any


def connect() -> None:
    from django.db.models.signals import post_save

    from berdaya.registry.models import Person

    post_save.connect(_person_saved, sender=Person, dispatch_uid="dedup.person_key")


def _person_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    from .keys import person_key_refresh

    person_key_refresh([instance.pk])
