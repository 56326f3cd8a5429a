from __future__ import annotations

from django.db.models import QuerySet

from berdaya.accounts.models import User

from .access import deliveries_visible_to
from .models import Delivery


def delivery_list(*, actor: User, status: str = "") -> QuerySet[Delivery]:
    """The latest deliveries (answers and notifications POSTed to clients) with their attempts, for an admin."""
    qs = deliveries_visible_to(actor).select_related("transaction", "subscription").prefetch_related("attempt_rows")
    if status in Delivery.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")
