"""Serve Berdaya on a laptop: the web server and the background-task worker together, in one command."""

from __future__ import annotations

import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Jalankan server web dan pekerja tugas latar belakang sekaligus (untuk laptop)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-worker", action="store_true", help="jangan jalankan pekerja tugas")

    def handle(self, *args, host: str, port: str, no_worker: bool, **options):
        worker = None
        if not no_worker:
            worker = subprocess.Popen([sys.executable, "-m", "berdaya.cli", "worker", "--interval", "1"])
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
