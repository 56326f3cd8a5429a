"""Serve Berdaya on a laptop: the web server and the background-task worker together, in one command."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from argparse import ArgumentParser
from types import FrameType
from typing import IO, Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, connections


def _stop(worker: subprocess.Popen[bytes]) -> None:  # the worker or the scheduler
    """Stop the worker and anything it started: it leads its own process group, so one signal reaches them all."""
    if worker.poll() is not None:
        return
    try:
        os.killpg(worker.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=5)


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Python dies on SIGTERM without running `finally`; raising here lets the worker be stopped on the way out.
    raise SystemExit(128 + signum)


def _print_logins_when_up(host: str, port: str, stdout: IO[str]) -> None:
    """Print the demo logins once the server answers, so that they are the last thing on the screen."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    try:
        call_command("demo_logins", url=f"http://{host}:{port}", stdout=stdout)
    finally:
        connection.close()


class Command(BaseCommand):
    help = "Jalankan server web dan pekerja tugas latar belakang sekaligus (untuk laptop)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-worker", action="store_true", help="jangan jalankan pekerja tugas")
        parser.add_argument("--no-scheduler", action="store_true", help="jangan jalankan penjadwal tugas berulang")
        parser.add_argument(
            "--demo-logins", action="store_true", help="cetak login demo setelah server siap (dipakai `make run`)"
        )

    def handle(
        self, *args: Any, host: str, port: str, no_worker: bool, no_scheduler: bool, demo_logins: bool, **options: Any
    ) -> None:
        worker = scheduler = None
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
        try:
            if not no_worker:
                # `worker` runs db_worker without its reloader (with DEBUG on it would run itself again in a child).
                worker = subprocess.Popen(
                    [sys.executable, "-m", "berdaya.cli", "worker", "--interval", "1"],
                    start_new_session=True,
                )
            if not no_scheduler:
                # The scheduler starts scheduled work (weekly bulletin, outbox...) as jobs for the worker to run.
                scheduler = subprocess.Popen([sys.executable, "-m", "berdaya.cli", "scheduler"], start_new_session=True)
            if demo_logins:
                threading.Thread(target=_print_logins_when_up, args=(host, port, self.stdout), daemon=True).start()
            close_connections_after_each_request()
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        finally:
            signal.signal(signal.SIGTERM, previous)
            for child in (worker, scheduler):
                if child is not None:
                    _stop(child)


def close_connections_after_each_request() -> None:
    """runserver answers each request on a thread of its own, and a connection kept alive between requests
    (CONN_MAX_AGE, 60 s in the settings, for gunicorn's long-lived workers) stays open on its thread until the thread
    is collected: on PostgreSQL a few thousand requests left dozens idle, until the server refused new ones. Here each
    request's connection is closed when it ends."""
    for alias in connections:
        connections.settings[alias]["CONN_MAX_AGE"] = 0
