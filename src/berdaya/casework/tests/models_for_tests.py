"""The engine has no case table of its own: its SQL is exercised on the grievance table (any model with a `stage`
and a `stage_entered_on` would do)."""

from __future__ import annotations

import datetime as dt

from berdaya.casework.sla import SlaPolicy


def rows_with_states(policy: SlaPolicy, entries: list[dt.date], today: dt.date) -> dict[tuple[str, dt.date], str]:
    from berdaya.grievances.models import Grievance

    Grievance.objects.all().delete()
    rows = []
    for stage in ("a", "b"):
        for k, entered in enumerate(entries):
            rows.append(
                Grievance(
                    code=f"T{stage}{k:03d}",
                    channel="desk",
                    category="other",
                    description="uji",
                    stage=stage,
                    stage_entered_on=entered,
                    received_on=entered,
                )
            )
    Grievance.objects.bulk_create(rows)
    qs = policy.annotate(Grievance.objects.all(), today)
    return {(g.stage, g.stage_entered_on): g.sla_state for g in qs}
