from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.db import models

from .access import Actor, AnyUser
from .logging import redact
from .models import AuditEvent


def fingerprint(value: str) -> str:
    """A keyed hash standing in for a personal value (a NIK, a phone number, a search text) in audit details.

    The same value always gives the same fingerprint, so an investigator holding a NIK can find the exports filtered
    by it (`fingerprint(nik)`), while the audit table alone does not reveal it: the key is the deployment's
    SECRET_KEY, so fingerprints cannot be reversed by hashing all 10^16 candidates offline. Numbers are compared
    by their digits only (1502 0154... and 15020154... are the same NIK); text case-insensitively.
    """
    text = str(value).strip()
    # A number may reach here still URL-encoded (from a logged URL): "%30%35" and "05" are the same digits.
    number = re.sub(r"[\s.+()-]", "", unquote(text))
    if number.isdigit():
        # +62 812... and 0812... are the same phone number.
        normalised = "0" + number[2:] if number.startswith("628") and len(number) < 16 else number
    else:
        normalised = text.casefold()
    digest = hmac.new(settings.SECRET_KEY.encode(), b"berdaya-audit:" + normalised.encode(), hashlib.sha256)
    return "#" + digest.hexdigest()[:16]


def _hashed(match: re.Match[str]) -> str:
    return f"[disamarkan {fingerprint(match.group())}]"


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        # Details are data, not prose: a NIK prefix of 10+ digits is as telling as the whole number.
        return redact(value, _hashed, long_numbers=True)
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    return value


def audit(
    *, actor: AnyUser, action: str, obj: models.Model | None = None, object_type: str = "", **detail: Any
) -> AuditEvent:
    """Write one audit row. Detail must never hold NIK, names or phone numbers: ids and counts only. As a safety net,
    any NIK, KK or phone number that reaches it anyway is replaced by its fingerprint."""
    return AuditEvent.objects.create(
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None else "",
        detail=_clean(detail),
    )


VIEW_THROTTLE_SECONDS = 300


def audit_view(*, actor: AnyUser, obj: models.Model, person_id: int | None = None, **detail: Any) -> bool:
    """Record that `actor` viewed `obj` (a person, household, disability profile, migration episode page), once per
    user and record every few minutes: reloading a page or coming back to it from a list does not fill the trail.
    The check reads the audit table itself (its (object_type, object_id) index), so it holds across server workers
    and needs no shared cache; check and write are one INSERT ... WHERE NOT EXISTS (one statement per page view, no
    query built by the ORM). The person the record is about is named in the detail (`person`), so the
    data-protection officer can list every view of a person's data. True when a row was written."""
    from datetime import timedelta

    from django.db import connections, router
    from django.utils import timezone

    user_id = actor.pk if actor is not None and actor.is_authenticated else None
    if person_id is not None:
        detail["person"] = person_id
    connection = connections[router.db_for_write(AuditEvent)]
    now = timezone.now()
    at = connection.ops.adapt_datetimefield_value(now)
    since = connection.ops.adapt_datetimefield_value(now - timedelta(seconds=VIEW_THROTTLE_SECONDS))
    payload = AuditEvent._meta.get_field("detail").get_db_prep_save(_clean(detail), connection)
    object_type, object_id, view = obj._meta.label_lower, str(obj.pk), AuditEvent.Action.VIEW.value
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    same_actor = "actor_id = %s" if user_id is not None else "actor_id IS NULL"
    sql = (
        f"INSERT INTO {table} (at, actor_id, action, object_type, object_id, detail) "  # noqa: S608 - names from code
        "SELECT %s, %s, %s, %s, %s, %s WHERE NOT EXISTS (SELECT 1 FROM "
        f"{table} WHERE object_type = %s AND object_id = %s AND action = %s AND {same_actor} AND at >= %s)"
    )
    params = [at, user_id, view, object_type, object_id, payload, object_type, object_id, view]
    params += [user_id] if user_id is not None else []
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, since])
        return cursor.rowcount == 1


def set_history_user(obj: models.Model, user: Actor | None) -> None:
    """Name `user` as the author of the change-history row (django-simple-history) that obj's next save or delete
    writes. The history middleware names the request's user; services name theirs, as they also run outside a
    request (commands, the task worker, the demo)."""
    # simple_history reads this attribute from the instance; its models do not declare it.
    obj._history_user = user  # type: ignore[attr-defined]
