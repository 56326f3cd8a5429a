"""The writes every case type shares: a stage change on the case's clock, an assignment log entry, an escalation.

The case app checks who may act and what the move means in its workflow (which stages follow which, what needs a
reason), then calls these for the mechanics, so the clock and the records are kept the same way for every case.
They run inside the caller's transaction and do not save the case: the caller validates and saves it (with its
history user).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils import timezone

from berdaya.accounts.models import User

from .models import AssignmentLogBase, EscalationBase, StageChangeBase
from .sla import SlaPolicy


def stage_change(
    *,
    case: Any,
    policy: SlaPolicy,
    change_model: type[StageChangeBase],
    to_stage: str,
    by: User | None,
    on: dt.date | None = None,
    closed_stages: Iterable[str] = (),
    **fields: Any,
) -> StageChangeBase:
    """Record the move of `case` to `to_stage` on `on` (with whether its stage was past due) and reset its clock.
    `fields` go on the change row (its reason...). `by` is None for a move the system makes (a daily check), where
    the concrete model allows it."""
    on = on or timezone.localdate()
    current = getattr(case, policy.stage_field)
    entered = getattr(case, policy.entered_field)
    due = policy.due(current, entered)
    # The concrete model adds `case`, `from_stage` and `to_stage` (and may let `by` be empty): passed as a mapping.
    row: dict[str, Any] = {
        "case": case,
        "from_stage": current,
        "to_stage": to_stage,
        "on": on,
        "was_overdue": due is not None and on > due,
        "by": by,
        **fields,
    }
    change = change_model._default_manager.create(**row)
    setattr(case, policy.stage_field, to_stage)
    setattr(case, policy.entered_field, on)
    case.closed_on = on if to_stage in set(closed_stages) else None
    return change


def assignment_logged(
    *, log_model: type[AssignmentLogBase], case: models.Model, user: User, action: str, by: User, reason: str = ""
) -> AssignmentLogBase:
    row: dict[str, Any] = {"case": case, "user": user, "action": action, "reason": (reason or "").strip()[:300]}
    return log_model._default_manager.create(by=by, **row)


def escalation_record(
    *,
    model: type[EscalationBase],
    case: Any,
    stage: str,
    to: Iterable[User],
    by: User | None,
    reason: str = "",
    automatic: bool = False,
) -> list[EscalationBase]:
    """Take a case to its supervisors (one row each). The caller picks the supervisors and tells them."""
    common: dict[str, Any] = {"case": case, "stage": stage, "by": by, "reason": (reason or "").strip()[:300]}
    rows = [model(to=user, automatic=automatic, **common) for user in to]
    return model._default_manager.bulk_create(rows)
