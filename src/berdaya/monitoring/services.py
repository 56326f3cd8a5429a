"""Writes of monitoring: indicators and their targets (administrators), snapshots (an officer now, or the scheduled
job), and starting a rebuild of the analytics tables. Each checks who may act, validates, runs in one transaction
and leaves an audit row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.audit import audit
from berdaya.jobs.models import Job
from berdaya.jobs.services import job_start

from . import measures as m
from . import refresh as analytics
from .access import ensure_can_define_indicators, ensure_can_refresh
from .models import Indicator, IndicatorSnapshot, IndicatorTarget


def _check_measure(measure: str, disaggregations: list[str]) -> None:
    found = m.get(measure)
    if found is None:
        raise ValidationError({"measure": _("Ukuran %(m)s tidak dikenal.") % {"m": measure}})
    unsupported = [d for d in disaggregations if d not in found.dimensions]
    if unsupported:
        raise ValidationError(
            {"disaggregations": _("Ukuran ini tidak dapat dipilah menurut: %(d)s.") % {"d": ", ".join(unsupported)}}
        )


@transaction.atomic
def indicator_save(
    *, actor: User, indicator: Indicator | None = None, data: dict[str, Any], filters: dict[str, Any]
) -> Indicator:
    """Create or change an indicator's definition (never its values: those are computed)."""
    ensure_can_define_indicators(actor)
    disaggregations = list(data.get("disaggregations") or [])
    _check_measure(str(data.get("measure") or ""), disaggregations)
    creating = indicator is None
    indicator = indicator or Indicator(created_by=actor)
    for name in ("code", "name", "definition", "unit", "measure", "source", "is_active"):
        if name in data:
            setattr(indicator, name, data[name])
    indicator.disaggregations = disaggregations
    indicator.filters = m.Filters.from_mapping(filters).as_dict()
    indicator.full_clean()
    indicator.save()
    audit(actor=actor, action="create" if creating else "update", obj=indicator, measure=indicator.measure)
    return indicator


@transaction.atomic
def target_set(*, actor: User, indicator: Indicator, year: int, target: Decimal) -> IndicatorTarget:
    ensure_can_define_indicators(actor)
    if target < 0:
        raise ValidationError({"target": _("Target tidak boleh negatif.")})
    row, _created = IndicatorTarget.objects.update_or_create(
        indicator=indicator, year=year, defaults={"target": target}
    )
    row.full_clean()
    audit(actor=actor, action="update", obj=indicator, target_year=year, target=str(target))
    return row


def indicator_value(
    indicator: Indicator, *, year: int, actor: User | None = None, scope: m.Scope | None = None
) -> tuple[Any, dict[str, list[dict[str, Any]]]]:
    """The indicator's value for `year` and its disaggregations (one table per dimension), computed from the
    analytics tables for `actor`'s scope (or `scope`)."""
    filters = m.Filters.from_mapping({**(indicator.filters or {}), "year": year})
    total = m.compute(indicator.measure, actor=actor, filters=filters, scope=scope)
    value = total.total if total.total is not None else (total.rows[0]["value"] if total.rows else None)
    breakdowns: dict[str, list[dict[str, Any]]] = {}
    for dim in indicator.disaggregations or []:
        result = m.compute(indicator.measure, actor=actor, filters=filters, by=(dim,), scope=scope)
        breakdowns[dim] = [
            {"code": _jsonable(r.get(dim)), "label": r[f"{dim}_label"], "value": _jsonable(r["value"])}
            for r in result.rows
        ]
    return value, breakdowns


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, str):
        return None
    return Decimal(str(value))


@transaction.atomic
def snapshot_take(
    *, actor: User | None, indicator: Indicator, today: dt.date | None = None, check: bool = True
) -> IndicatorSnapshot:
    """Store the indicator's value for this month (its year to date), regency-wide and exact, with its
    disaggregations; taking it again in the same month replaces that month's snapshot. `actor` None: the schedule."""
    if check:
        ensure_can_refresh(actor)
    today = today or timezone.localdate()
    value, breakdowns = indicator_value(indicator, year=today.year, scope=m.Scope.regency())
    target = indicator.targets.filter(year=today.year).values_list("target", flat=True).first()
    latest = analytics.latest()
    snapshot, _created = IndicatorSnapshot.objects.update_or_create(
        indicator=indicator,
        period=f"{today:%Y-%m}",
        defaults={
            "year": today.year,
            "value": _decimal(value),
            "target": target,
            "breakdowns": breakdowns,
            "data_as_of": latest.started_at if latest else None,
            "taken_at": timezone.now(),
            "taken_by": actor,
        },
    )
    audit(actor=actor, action="snapshot", obj=indicator, period=snapshot.period)
    return snapshot


def snapshots_job(job: Job, progress: Any) -> dict[str, int]:
    """Scheduled (daily): rebuild the analytics tables, then snapshot every active indicator for this month."""
    analytics.rebuild()
    indicators = list(Indicator.objects.filter(is_active=True))
    progress.start(len(indicators), _("Mengambil potret indikator…"))
    for indicator in indicators:
        snapshot_take(actor=None, indicator=indicator, check=False)
        progress.advance()
    return {"snapshots": len(indicators)}


def refresh_start(*, actor: User) -> Job:
    """Start a rebuild of the analytics tables now, as a background job."""
    ensure_can_refresh(actor)
    audit(actor=actor, action="start", object_type="monitoring.refresh")
    return job_start(
        actor=actor,
        kind="monitoring.refresh",
        handler="berdaya.monitoring.refresh.rebuilt_job",
        title=_("Perbarui data analitik dasbor"),
    )
