"""Scheduled work: what runs by itself, and when.

An app adds its recurring work from its AppConfig.ready():

    schedule.register(schedule.Scheduled(
        key="markets.weekly", title=_("Buletin harga mingguan"), handler="berdaya.markets.services.weekly_job",
        cron="0 6 * * 1"))

The handler is an ordinary job handler (`def handler(job, progress) -> dict`). `berdaya scheduler` (run by `berdaya
serve` on a laptop, by its own service in production) fires each enabled entry at its time by starting a job on the
database-backed queue, so the worker runs it, its progress and result are recorded like any other job's, and a
firing that several schedulers reach at once is started once (a unique row per entry and minute). The times are an
admin's to change (ScheduleEntry, the page /tugas/jadwal/); the registered cron is only the default.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .models import Job, ScheduleEntry, ScheduleFiring
from .services import job_start


@dataclass(frozen=True)
class Scheduled:
    key: str
    title: str | Promise
    handler: str
    cron: str
    description: str | Promise = ""


_registry: dict[str, Scheduled] = {}


def register(item: Scheduled) -> None:
    cron_trigger(item.cron)  # a wrong default fails at start-up, not at 3 a.m.
    _registry[item.key] = item


def registered() -> list[Scheduled]:
    return sorted(_registry.values(), key=lambda s: s.key)


def get(key: str) -> Scheduled | None:
    return _registry.get(key)


def cron_trigger(expression: str) -> CronTrigger:
    """The trigger of a five-field crontab line (minute hour day month weekday) in the deployment's time zone."""
    try:
        return CronTrigger.from_crontab(expression.strip(), timezone=ZoneInfo(settings.TIME_ZONE))
    except ValueError as exc:
        raise ValueError(
            _("Jadwal %(cron)r bukan baris crontab yang sah (menit jam tanggal bulan hari, mis. '0 6 * * 1'): %(err)s")
            % {"cron": expression, "err": exc}
        ) from exc


def entries_sync() -> list[ScheduleEntry]:
    """One row per registered item (created with its default time); rows of items no longer registered stay, unused."""
    existing = {e.key: e for e in ScheduleEntry.objects.all()}
    for item in registered():
        if item.key not in existing:
            existing[item.key], _created = ScheduleEntry.objects.get_or_create(
                key=item.key, defaults={"cron": item.cron}
            )
    return [existing[item.key] for item in registered()]


def next_fire(entry: ScheduleEntry, after: dt.datetime | None = None) -> dt.datetime | None:
    if not entry.enabled:
        return None
    now = after or timezone.now()
    return cron_trigger(entry.cron).get_next_fire_time(None, now)


def fire(key: str, at: dt.datetime | None = None) -> Job | None:
    """Start the job of one entry for the firing at `at` (the minute it was due). None when another scheduler has
    already started this firing, the entry is disabled, or the item is no longer registered."""
    item = get(key)
    entry = ScheduleEntry.objects.filter(key=key, enabled=True).first()
    if item is None or entry is None:
        return None
    minute = (at or timezone.now()).replace(second=0, microsecond=0)
    try:
        with transaction.atomic():
            firing = ScheduleFiring.objects.create(key=key, due_at=minute)
            job = job_start(actor=None, kind=f"schedule.{key}", handler=item.handler, title=str(item.title))
            firing.job = job
            firing.save(update_fields=["job"])
    except IntegrityError:
        return None
    return job


def run_now(key: str) -> Job | None:
    """An admin's "run now": a firing of its own, whatever the schedule."""
    item = get(key)
    if item is None:
        return None
    with transaction.atomic():
        job = job_start(actor=None, kind=f"schedule.{key}", handler=item.handler, title=str(item.title))
        ScheduleFiring.objects.create(key=key, due_at=timezone.now(), job=job, manual=True)
    return job
