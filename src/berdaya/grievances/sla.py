"""The SP4N-LAPOR! service levels of grievances on the case engine's working-day clock (berdaya.casework.sla):
forwarded within 3 working days of receipt, a follow-up (the decision) within 5 working days of forwarding, closed
10 working days after the follow-up when the complainant does not reply. The days come from
conf().grievance_sla_days."""

from __future__ import annotations

from berdaya.casework.sla import WORKING, SlaPolicy, check_days
from berdaya.core.conf import conf

from . import choices as c

SP4N_LAPOR_DAYS: dict[str, int] = {c.Stage.RECEIVED.value: 3, c.Stage.FORWARDED.value: 5, c.Stage.FOLLOW_UP.value: 10}


def policy() -> SlaPolicy:
    days = check_days({**SP4N_LAPOR_DAYS, **(conf().grievance_sla_days or {})}, "BERDAYA['GRIEVANCE_SLA_DAYS']")
    return SlaPolicy(days={stage.value: days[stage.value] for stage in c.OPEN_STAGES}, clock=WORKING, at_risk_days=1)
