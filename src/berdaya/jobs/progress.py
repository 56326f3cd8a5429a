"""Progress reporting for long work. The work calls `advance()` and `check_cancelled()` between chunks; the reporter
decides how often to write (a job row at most every 0.5 s, a terminal bar at most 10 times a second)."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Job

logger = logging.getLogger(__name__)


def cancel_flag_path(job_id: int) -> Path:
    return Path(settings.DATA_DIR) / "jobs" / f"cancel-{int(job_id)}"


def cancel_flag_exists(job_id: int) -> bool:
    return cancel_flag_path(job_id).exists()


class JobCancelled(Exception):
    """Raised inside the work when the user asked to cancel; the work's transaction rolls back."""


class Progress:
    """A reporter that reports nothing: the default for code run without a job (tests, scripts)."""

    min_interval = 0.5

    def __init__(self) -> None:
        self.total = 0
        self.done = 0
        self.message = ""
        self.started = time.monotonic()
        self._last_flush = 0.0
        # True while the work is inside its write transaction (see write_phase).
        self.writing = False
        self.lock = threading.Lock()

    def start(self, total: int, message: str = "") -> None:
        self.total = max(int(total), 0)
        self.done = 0
        self.message = message
        self.flush(force=True)

    def set_total(self, total: int) -> None:
        self.total = max(int(total), 0)

    def advance(self, n: int = 1, message: str | None = None) -> None:
        self.done += n
        if message is not None:
            self.message = message
        self.flush()

    def update(self, done: int | None = None, message: str | None = None, *, force: bool = False) -> None:
        if done is not None:
            self.done = done
        if message is not None:
            self.message = message
        self.flush(force=force)

    def flush(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_flush >= self.min_interval:
            self._last_flush = now
            self.write()

    def write(self) -> None:  # overridden
        pass

    def cancel_requested(self) -> bool:
        return False

    def cancel_seen(self) -> bool:
        """The cancel request as last seen, without asking the database: for a loop that keeps the work's own
        connection busy (a COPY), where a query on it would wait for the very statement it is inside of."""
        return self.cancel_requested()

    def cancel_requested_now(self) -> bool:
        """The cancel request as it stands this moment, not as last polled."""
        return self.cancel_requested()

    def check_cancelled(self, *, now: bool = False) -> None:
        if self.cancel_requested_now() if now else self.cancel_requested():
            raise JobCancelled(_("Dibatalkan atas permintaan pengguna; tidak ada perubahan yang disimpan."))

    @contextmanager
    def write_phase(self) -> Iterator[None]:
        """Wrap the statements of the work's write transaction, ending before its COMMIT.

        While it is open a cancel may interrupt the running statement (JobMonitor); the flag is cleared under the
        lock the monitor holds while it interrupts, so no interrupt lands after the work has left the phase, and a
        last check before leaving turns a cancel that came in the meantime into a rollback."""
        with self.lock:
            self.writing = True
        try:
            yield
            # Asked afresh, not from the monitor's last look (up to a second old): a cancel pressed just before
            # COMMIT must still roll back.
            self.check_cancelled(now=True)
        finally:
            with self.lock:
                self.writing = False

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        rate = self.rate
        if not rate or not self.total:
            return None
        return max(self.total - self.done, 0) / rate


class JobProgress(Progress):
    """Writes progress to a Job row with a plain UPDATE (no model save, no signals), throttled.

    With a JobMonitor attached (the worker), the work's own connection never touches the job row: the monitor
    writes progress and heartbeat and reads the cancel request through its own connection, so neither waits for the
    work's write transaction (which would hold the row, or on SQLite the whole database, until COMMIT)."""

    def __init__(self, job_id: int, *, echo: Progress | None = None) -> None:
        super().__init__()
        self.job_id = job_id
        self._cancel = False
        self._last_cancel_check = 0.0
        self.monitor: JobMonitor | None = None
        # Shows the same progress elsewhere too: a terminal bar for a job a management command runs itself.
        self.echo = echo

    def flush(self, *, force: bool = False) -> None:
        super().flush(force=force)
        if self.echo is not None:
            self.echo.total = self.total
            self.echo.update(done=self.done, message=self.message, force=force)

    def write(self) -> None:
        if self.monitor is not None:
            return  # the monitor writes the current figures at its next tick
        Job.objects.filter(pk=self.job_id).update(total=self.total, done=self.done, message=self.message[:300])

    def request_cancel(self) -> None:
        self._cancel = True

    def cancel_seen(self) -> bool:
        # In the worker the monitor refreshes it every second from its own connection; elsewhere (a job run inside a
        # test's transaction) it is what the last check found.
        return self._cancel

    def cancel_requested(self) -> bool:
        if self.monitor is not None or self._cancel:
            return self._cancel
        now = time.monotonic()
        if now - self._last_cancel_check >= self.min_interval:
            self._last_cancel_check = now
            self._cancel = bool(Job.objects.filter(pk=self.job_id).values_list("cancel_requested", flat=True).first())
        return self._cancel

    def cancel_requested_now(self) -> bool:
        # The flag file (the web process leaves it when SQLite is held by this job) or the job row, read on the
        # work's own connection: inside its transaction it still sees a request the web committed (read committed).
        if self._cancel or cancel_flag_exists(self.job_id):
            self._cancel = True
        else:
            self._cancel = bool(Job.objects.filter(pk=self.job_id).values_list("cancel_requested", flat=True).first())
        return self._cancel


class JobMonitor(threading.Thread):
    """Runs beside a job in the worker: every `interval` seconds it writes the job's progress and heartbeat and
    looks for a cancel request (the job row, or the flag file the web process leaves on SQLite, where it cannot
    write while the job holds the database). On a cancel during the write phase on PostgreSQL it also cancels the
    statement the job's connection is running, so a long COPY or index build stops within seconds."""

    def __init__(self, progress: JobProgress, *, interval: float = 1.0, backend_pid: int | None = None) -> None:
        super().__init__(name=f"job-{progress.job_id}-monitor", daemon=True)
        self.progress = progress
        self.interval = interval
        self.backend_pid = backend_pid
        self._stop_event = threading.Event()
        progress.monitor = self

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=30)

    def run(self) -> None:
        try:
            while not self._stop_event.wait(self.interval):
                try:
                    self.tick()
                except Exception:  # a busy database must not end the job; the next tick tries again
                    logger.warning("job %s: monitor tick failed", self.progress.job_id, exc_info=True)
        finally:
            connection.close()

    def tick(self) -> None:
        progress = self.progress
        if not progress._cancel:
            requested = cancel_flag_exists(progress.job_id) or bool(
                Job.objects.filter(pk=progress.job_id).values_list("cancel_requested", flat=True).first()
            )
            if requested:
                progress.request_cancel()
                self.interrupt()
        if connection.vendor == "sqlite" and progress.writing:
            return  # the job holds SQLite's write lock until COMMIT; the worker's pid shows it is alive
        Job.objects.filter(pk=progress.job_id).update(
            total=progress.total, done=progress.done, message=progress.message[:300], heartbeat_at=timezone.now()
        )

    def interrupt(self) -> None:
        from django.db import connection

        if connection.vendor != "postgresql" or not self.backend_pid:
            return  # SQLite: the work checks the flag between batches
        with self.progress.lock:
            if self.progress.writing:
                with connection.cursor() as cur:
                    cur.execute("SELECT pg_cancel_backend(%s)", [self.backend_pid])


class TerminalProgress(Progress):
    """A one-line progress bar for the shell: rows done / total, rate and time left."""

    min_interval = 0.1

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        super().__init__()
        self.stream = stream or sys.stderr
        self.width = width

    def write(self) -> None:
        total = self.total or 1
        frac = min(self.done / total, 1.0)
        filled = int(frac * self.width)
        left = self.seconds_left
        eta = f"{int(left // 60)}:{int(left % 60):02d}" if left is not None else "-:--"
        line = (
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {self.done:,}/{self.total:,} "
            f"{self.rate:,.0f}/s {_('sisa')} {eta} {self.message[:40]:<40}"
        )
        self.stream.write(line)
        self.stream.flush()

    def close(self) -> None:
        self.flush(force=True)
        self.stream.write("\n")
        self.stream.flush()
