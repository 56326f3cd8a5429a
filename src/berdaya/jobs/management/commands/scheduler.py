"""`berdaya scheduler`: fire the scheduled work (jobs.schedule) at its times, as jobs on the database-backed queue.

Runs beside `berdaya worker` (which does the work): `berdaya serve` starts both on a laptop; production runs each as
a service (deploy/systemd/). Changes an admin makes to the schedule are picked up within RELOAD_SECONDS.
"""

from __future__ import annotations

import contextlib
import logging
import signal
from argparse import ArgumentParser
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from berdaya.jobs import schedule

logger = logging.getLogger("berdaya.scheduler")
RELOAD_SECONDS = 30
RELOAD_ID = "berdaya:reload"


def _fire(key: str, cron: str) -> None:
    close_old_connections()
    try:
        job = schedule.fire(key)
        if job is not None:
            logger.info("scheduled %s started job %s", key, job.pk)
    except Exception:
        logger.exception("scheduled %s could not start", key)
    finally:
        close_old_connections()


def reload(scheduler: BaseScheduler) -> dict[str, str]:
    """Make the scheduler's jobs match the enabled entries (added, removed, or re-timed); returns key -> cron."""
    wanted = {e.key: e.cron for e in schedule.entries_sync() if e.enabled}
    for job in scheduler.get_jobs():
        if job.id == RELOAD_ID:
            continue
        if wanted.get(job.id) != job.kwargs.get("cron"):
            job.remove()
    for key, cron in wanted.items():
        if scheduler.get_job(key) is None:
            try:
                trigger = schedule.cron_trigger(cron)
            except ValueError:
                logger.error("schedule %s has an invalid cron %r: skipped", key, cron)
                continue
            scheduler.add_job(_fire, trigger, id=key, kwargs={"key": key, "cron": cron}, replace_existing=True)
    return wanted


def _reload(scheduler: BaseScheduler) -> None:
    """The scheduler thread's periodic reload: a database connection of its own, dropped when stale."""
    close_old_connections()
    try:
        reload(scheduler)
    finally:
        close_old_connections()


class Command(BaseCommand):
    help = "Jalankan penjadwal: tugas terjadwal (buletin mingguan, kotak keluar, ...) dimulai pada waktunya."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--list", action="store_true", help="tampilkan jadwal dan waktu berikutnya, lalu berhenti")

    def handle(self, *args: Any, list: bool, **options: Any) -> None:
        if list:
            for entry in schedule.entries_sync():
                item = schedule.get(entry.key)
                when = schedule.next_fire(entry)
                self.stdout.write(
                    f"{entry.key:32} {entry.cron:16} {'aktif' if entry.enabled else 'jeda':6} "
                    f"{timezone.localtime(when):%Y-%m-%d %H:%M} "
                    if when
                    else f"{entry.key:32} {entry.cron:16} jeda   - "
                )
                self.stdout.write(f"    {item.title if item else ''}")
            return
        scheduler = BlockingScheduler(
            timezone=ZoneInfo(settings.TIME_ZONE),
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 600},
        )
        wanted = reload(scheduler)
        scheduler.add_job(_reload, "interval", seconds=RELOAD_SECONDS, id=RELOAD_ID, args=[scheduler])
        self.stdout.write(f"Penjadwal berjalan: {len(wanted)} jadwal aktif.")
        signal.signal(signal.SIGTERM, lambda signum, frame: scheduler.shutdown(wait=False))
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            scheduler.start()
