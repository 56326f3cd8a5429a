"""Reads of the data-protection officer's pages, already limited to who may read them (access.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from berdaya.accounts.models import User
from berdaya.core.models import AuditEvent
from berdaya.registry.models import Person

from . import choices as c
from .access import can_handle, requests_visible_to
from .models import DataRequest


def request_list(*, actor: User, filters: dict[str, str]) -> QuerySet[DataRequest]:
    qs = requests_visible_to(actor).select_related("handler")
    state = filters.get("status", "open")
    if state == "open":
        qs = qs.filter(status__in=c.OPEN_STATUSES)
    elif state == "overdue":
        qs = qs.filter(status__in=c.OPEN_STATUSES, due_at__lt=timezone.now())
    elif state in c.RequestStatus.values:
        qs = qs.filter(status=state)
    if filters.get("kind") in c.RequestKind.values:
        qs = qs.filter(kind=filters["kind"])
    return qs


def audit_list(
    *, actor: User, person: int | None, user: str, action: str, since: Any, until: Any
) -> QuerySet[AuditEvent]:
    """The audit trail for the data-protection officer, filtered: by a person (every row about them:
    privacy.subject.audit_events), a user, an action, a date range."""
    if not can_handle(actor):
        return AuditEvent.objects.none()
    qs = AuditEvent.objects.select_related("actor")
    if person:
        from .subject import audit_events

        subject = Person.objects.filter(pk=person).first()
        qs = audit_events(subject).order_by("-at", "-id") if subject else qs.none()
    if user:
        qs = qs.filter(actor__username__iexact=user.strip())
    if action:
        qs = qs.filter(action=action)
    tz = timezone.get_current_timezone()
    if since:
        qs = qs.filter(at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=tz))
    if until:
        qs = qs.filter(at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return qs


def open_counts(actor: User) -> dict[str, int]:
    qs = requests_visible_to(actor).filter(status__in=c.OPEN_STATUSES)
    return {"open": qs.count(), "overdue": qs.filter(Q(due_at__lt=timezone.now())).count()}
