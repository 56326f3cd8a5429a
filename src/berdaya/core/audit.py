from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEvent


def audit(*, actor, action: str, obj: models.Model | None = None, object_type: str = "", **detail: Any) -> AuditEvent:
    """Write one audit row. Detail must never hold NIK, names or phone numbers: ids and counts only."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail,
    )
