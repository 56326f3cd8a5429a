"""Rendered fragments of the pages of counts, cached per reader's scope, filters, language and data version.

A page of counts drawn from stored data (core.snapshots, the monitoring app's analytics tables) renders the same HTML
for every reader of the same scope until that data is recomputed; rendering it again for each of 20 readers a second
is what made those pages slow at a million people, not the reads. So such a page renders its figures once per

    (page, version of the stored data, scope of the reader, language, filters)

and serves the cached HTML to the next reader of that key. The version (e.g. the snapshot's `computed_at`) is part
of the key, so a recomputation shows at once; `seconds` bounds what the fragment holds besides the stored data (names
of organisations, sessions held), which the page may state as its staleness.

The scope key never lets one reader see another's figures: regency-wide roles (and viewers, who read regency-wide
counts, suppressed) share one entry per role; partner staff one per organisation and role; anyone else (a facilitator,
whose villages are their own) one per user. The role is always part of it, so a viewer's suppressed table and an
officer's exact one are never mixed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .access import AnyUser, capabilities

DEFAULT_SECONDS = 600


def scope_key(user: AnyUser) -> str:
    """Who sees the same figures: one key per scope and role (not per user where the scope is the same)."""
    caps = capabilities(user)
    if caps.regency_wide or caps.aggregates_only:
        return caps.role
    if caps.organisation_scoped:
        return f"{caps.role}:org{getattr(user, 'organisation_id', None)}"
    if caps.village_scoped:
        # The assignment itself is in the key: a facilitator moved to other villages never reads the figures cached
        # for the villages they had.
        villages = sorted(user.villages.values_list("pk", flat=True))  # type: ignore[union-attr]
        districts = sorted(user.districts.values_list("pk", flat=True))  # type: ignore[union-attr]
        assigned = hashlib.sha256(json.dumps([villages, districts]).encode()).hexdigest()[:16]
        return f"{caps.role}:user{getattr(user, 'pk', None)}:{assigned}"
    return f"{caps.role}:user{getattr(user, 'pk', None)}"


def form_query(form: Any, data: Any) -> str:
    """The query string of a form's own fields only, each with all its values, in one order: what a cached
    fragment is keyed on (other parameters do not change the page) and what its links carry."""
    return urlencode([(k, v) for k in sorted(form.fields) for v in data.getlist(k)])


def key_of(name: str, *, user: AnyUser, version: str, params: Mapping[str, Any] | str) -> str:
    body = params if isinstance(params, str) else json.dumps(dict(params), sort_keys=True, cls=DjangoJSONEncoder)
    digest = hashlib.sha256(body.encode()).hexdigest()[:32]
    return f"fragment:{name}:{version}:{scope_key(user)}:{get_language()}:{digest}"


def cached(
    name: str,
    *,
    user: AnyUser,
    version: str | None,
    params: Mapping[str, Any] | str,
    build: Callable[[], str],
    seconds: int = DEFAULT_SECONDS,
) -> SafeString:
    """`build()`'s HTML (rendered by our own autoescaping templates), from the cache when the same scope asked for
    the same filters on the same version of the data within `seconds`. A None version (no stored data to key on:
    snapshots off, or aged out and about to be recomputed) renders without caching."""
    if version is None or seconds <= 0:
        return mark_safe(build())  # our own autoescaped template's output
    key = key_of(name, user=user, version=version, params=params)
    html = cache.get(key)
    if html is None:
        html = build()
        cache.set(key, html, seconds)
    return mark_safe(html)  # our own autoescaped template's output
