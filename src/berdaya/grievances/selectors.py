"""Reads of grievances, already scoped (berdaya.grievances.access), with the service-level state computed in SQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet

from berdaya.accounts.models import User
from berdaya.casework.choices import SlaState

from . import choices as c
from .access import can_manage, grievances_visible_to, without_withheld
from .models import Grievance
from .sla import policy


def grievances_listed_for(user: User) -> QuerySet[Grievance]:
    """What `user` sees in the list: the grievances they may read, and for supervisors and administrators also the
    restricted ones they may not read (content-free rows: code, category, stage, due date), so that someone names
    their handlers. Never one withheld from them (access.withheld_from), not even without content."""
    readable = grievances_visible_to(user)
    if can_manage(user):
        listed = Grievance.objects.filter(Q(pk__in=readable.values("pk")) | Q(sensitivity__in=c.RESTRICTED))
        return without_withheld(listed, user)
    return readable


def grievance_list(
    *, actor: User, filters: dict[str, Any] | None = None, today: dt.date | None = None
) -> QuerySet[Grievance]:
    """The list page: filters by stage (`tahap`, "terbuka" by default), category, channel, SLA state, village;
    past-due first. `sla_state` and `overdue` are SQL annotations."""
    filters = filters or {}
    qs = policy().annotate(grievances_listed_for(actor), today).select_related("village").defer("description")
    stage = filters.get("tahap") or "terbuka"
    if stage == "terbuka":
        qs = qs.filter(stage__in=c.OPEN_STAGES)
    elif stage in c.Stage.values:
        qs = qs.filter(stage=stage)
    if filters.get("kategori") in c.Category.values:
        qs = qs.filter(category=filters["kategori"])
    if filters.get("saluran") in c.Channel.values:
        qs = qs.filter(channel=filters["saluran"])
    if filters.get("tenggat") in SlaState.values:
        qs = qs.filter(sla_state=filters["tenggat"])
    if filters.get("desa"):
        qs = qs.filter(village_id=filters["desa"])
    return qs.order_by("-overdue", "stage_entered_on", "id")


def readable_ids(*, actor: User, ids: list[int]) -> set[int]:
    """Which of these rows `actor` may open (the rest are restricted rows shown to a supervisor without content)."""
    return set(grievances_visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))


def dashboard_counts(*, actor: User, today: dt.date | None = None) -> dict[str, Any]:
    """Counts of the grievances `actor` lists: open, at risk, past due, by category and stage; one query each."""
    pol = policy()
    qs = grievances_listed_for(actor)
    totals = qs.aggregate(
        open=Count("id", filter=Q(stage__in=c.OPEN_STAGES)),
        at_risk=Count("id", filter=pol.at_risk_q(today)),
        breached=Count("id", filter=pol.breached_q(today)),
        restricted=Count("id", filter=Q(sensitivity__in=c.RESTRICTED, stage__in=c.OPEN_STAGES)),
        closed=Count("id", filter=Q(stage=c.Stage.CLOSED)),
    )
    by_category = dict(
        qs.filter(stage__in=c.OPEN_STAGES).values_list("category").annotate(n=Count("id")).values_list("category", "n")
    )
    by_stage = dict(qs.values_list("stage").annotate(n=Count("id")).values_list("stage", "n"))
    return {
        **totals,
        "by_category": [(label, by_category.get(code, 0)) for code, label in c.Category.choices],
        "by_stage": [(label, by_stage.get(code, 0)) for code, label in c.Stage.choices],
    }


def public_status(code: str) -> dict[str, Any] | None:
    """What the public status page shows for a tracking code: the status, the received date, the stage's due date
    and the outcome label. Never the description, the complainant, the village or any link."""
    row = Grievance.objects.filter(code=code).only("code", "stage", "stage_entered_on", "received_on").first()
    if row is None:
        return None
    decision = row.decisions.order_by("-at", "-id").values_list("outcome", flat=True).first()
    return {
        "code": row.code,
        "status": c.PublicStatus(row.public_status).label,
        "received_on": row.received_on,
        "due_on": policy().due(row.stage, row.stage_entered_on),
        "outcome": c.Outcome(decision).label if decision else "",
        "open": row.is_open,
    }
