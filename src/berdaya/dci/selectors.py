from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from berdaya.accounts.models import User

from .access import deliveries_visible_to
from .models import Delivery, DeliveryAttempt, Transaction

# What the deliveries page does not show, each up to ~100 kB: the body sent, and its transaction's request, answer and
# per-request states (only the transaction's id is shown).
LIST_DEFERRED = ("payload", "transaction__request", "transaction__response", "transaction__outcome")


def delivery_list(*, actor: User, status: str = "") -> QuerySet[Delivery]:
    """The latest deliveries (answers and notifications POSTed to clients) with their attempts, for an admin: the
    columns the page shows, not the bodies (`LIST_DEFERRED`)."""
    qs = (
        deliveries_visible_to(actor)
        .select_related("transaction")
        .defer(*LIST_DEFERRED)
        .prefetch_related("attempt_rows")
    )
    if status in Delivery.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def answers_due(cutoff: dt.datetime) -> QuerySet[Transaction]:
    """Transactions whose stored answer is past its retention period: answered before `cutoff`, not emptied yet. One
    not answered yet (an async search waiting for its job) is never among them."""
    return Transaction.objects.filter(
        status=Transaction.Status.SUCCESS, answered_at__lt=cutoff, response_purged_at__isnull=True
    )


def payloads_due(cutoff: dt.datetime) -> QuerySet[Delivery]:
    """Deliveries whose body is past its retention period: finished (delivered, given up, refused; never one pending
    or waiting for a retry), created before `cutoff` and not attempted since (an admin's resend restarts the period),
    not emptied yet."""
    recent = DeliveryAttempt.objects.filter(at__gte=cutoff).values("delivery_id")
    return (
        Delivery.objects.filter(created_at__lt=cutoff, payload_purged_at__isnull=True)
        .exclude(status=Delivery.Status.PENDING)
        .exclude(pk__in=recent)
    )
