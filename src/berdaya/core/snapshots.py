"""Stored results of the aggregate queries over the whole registry: how pages of counts stay fast at a million people.

A page of counts over every resident (coverage gaps, the regency profile, inclusion, migrants) reads all of them:
seconds at 1,000,000 people, however well indexed. Those pages read, instead, the rows their aggregate query
returned a few minutes ago, stored here (one JSON row per query and parameters, `AggregateSnapshot`), the way DHIS2
reads its analytics tables:

    rows, as_of = snapshots.read("targeting.regency", {}, compute)

- `compute()` returns what the page needs, JSON-serialisable (rows of counts, never personal data);
- a snapshot younger than `settings.BERDAYA_AGGREGATE_MAX_AGE` seconds is returned as it is; an older one (or none)
  is computed now and stored, so a figure is never older than that bound even if the scheduler stops;
- the scheduled job `core.aggregates` (every 10 minutes, berdaya.jobs.schedule) recomputes every registered default
  (`register`) ahead of readers, so they rarely pay for a computation: a figure is normally at most ~10 minutes old
  plus the refresh's own duration;
- `BERDAYA_AGGREGATE_MAX_AGE = 0` (the default outside production, and in tests) computes every page live.

Only queries whose result is the same for every reader may be stored: the regency-wide counts (viewers, officers,
admins, and the coordination pages every role reads whole; a variant that is the same for every reader of a kind, such
as the coordination pages' for partner staff, is a query of its own, its parameters naming it). A scoped reader
(partner staff, a facilitator) computes their own counts live, over their smaller scope.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import AggregateSnapshot

_refreshers: dict[str, Callable[[], None]] = {}


def max_age() -> int:
    return int(getattr(settings, "BERDAYA_AGGREGATE_MAX_AGE", 0) or 0)


def key_of(name: str, params: dict[str, Any]) -> str:
    body = json.dumps(params, sort_keys=True, cls=DjangoJSONEncoder)
    return f"{name}:{hashlib.sha256(body.encode()).hexdigest()[:32]}"


def _plain(value: Any) -> Any:
    """What the value reads back as from a JSON column (so a fresh and a stored result look the same)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def store(name: str, params: dict[str, Any], compute: Callable[[], Any]) -> tuple[Any, dt.datetime]:
    """Compute now and store (replacing the previous snapshot of the same query)."""
    t0 = time.perf_counter()
    data = _plain(compute())
    seconds = time.perf_counter() - t0
    now = timezone.now()
    key = key_of(name, params)
    values = {"name": name, "params": _plain(params), "data": data, "computed_at": now, "seconds": seconds}
    try:
        with transaction.atomic():
            AggregateSnapshot.objects.update_or_create(key=key, defaults=values)
    except IntegrityError:  # two readers stored the same key at once: theirs is as good
        pass
    return data, now


def read(
    name: str, params: dict[str, Any], compute: Callable[[], Any], *, age: int | None = None
) -> tuple[Any, dt.datetime]:
    """`compute()`'s result, from a snapshot at most `age` (default settings) seconds old, with when it was computed."""
    limit = max_age() if age is None else age
    if limit <= 0:
        return _plain(compute()), timezone.now()
    row = AggregateSnapshot.objects.filter(key=key_of(name, params)).values_list("data", "computed_at").first()
    if row is not None and timezone.now() - row[1] <= dt.timedelta(seconds=limit):
        return row[0], row[1]
    return store(name, params, compute)


def register(name: str, refresh: Callable[[], None]) -> None:
    """Add the default snapshots of an app (`refresh()` calls `store` for each) to the scheduled refresh. Apps above
    core register from their AppConfig.ready(); registering a name again replaces it."""
    _refreshers[name] = refresh


def registered() -> list[str]:
    return sorted(_refreshers)


def refresh_all(progress: Callable[[str], None] | None = None) -> dict[str, float]:
    """Recompute every registered default snapshot; seconds per name."""
    took = {}
    for name in registered():
        if progress:
            progress(name)
        t0 = time.perf_counter()
        _refreshers[name]()
        took[name] = round(time.perf_counter() - t0, 2)
    return took


def purge(older_than: dt.timedelta = dt.timedelta(days=2)) -> int:
    """Drop snapshots no reader asked for in a while (non-default parameters: other periods, districts)."""
    deleted, _by_model = AggregateSnapshot.objects.filter(computed_at__lt=timezone.now() - older_than).delete()
    return deleted


def stamp(name: str, params: dict[str, Any], *, age: int | None = None) -> dt.datetime | None:
    """When the snapshot that `read` would return now was computed, or None when `read` would compute (no snapshot,
    an aged-out one, or snapshots switched off): one indexed lookup, for keying what is rendered from it."""
    limit = max_age() if age is None else age
    if limit <= 0:
        return None
    at = AggregateSnapshot.objects.filter(key=key_of(name, params)).values_list("computed_at", flat=True).first()
    if at is None or timezone.now() - at > dt.timedelta(seconds=limit):
        return None
    return at
