"""The background-task worker: django-tasks-db's db_worker, after clearing what a dead worker left behind."""

from __future__ import annotations

import logging
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from berdaya.jobs.services import jobs_recover, worker_startup

logger = logging.getLogger(__name__)
RECOVER_EVERY = 30.0


def _recover_forever(stop: threading.Event) -> None:
    # Another worker (or this host's previous one) may die while this one runs: look again every half minute.
    while not stop.wait(RECOVER_EVERY):
        try:
            jobs_recover()
        except Exception:
            logger.warning("job recovery failed", exc_info=True)
        finally:
            connection.close()


class Command(BaseCommand):
    help = (
        "Jalankan pekerja tugas latar belakang. Saat mulai, tugas yang pekerjanya sudah berhenti ditandai gagal dan "
        "file sementaranya dihapus."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", default="1", help="detik antara pemeriksaan antrean")
        parser.add_argument("--batch", action="store_true", help="berhenti bila antrean kosong")

    def handle(self, *args, interval: str, batch: bool, **options):
        worker_startup()
        stop = threading.Event()
        thread = threading.Thread(target=_recover_forever, args=(stop,), name="job-recovery", daemon=True)
        thread.start()
        try:
            # No reloader: with DEBUG on, db_worker would run itself again in a child that this process (and `berdaya
            # serve`) could not stop, and the recovery thread would watch the wrong process.
            call_command("db_worker", "--interval", interval, "--no-reload", *(["--batch"] if batch else []))
        finally:
            stop.set()
