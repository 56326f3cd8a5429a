"""Progress reporting for long work. The work calls `advance()` and `check_cancelled()` between chunks; the reporter
decides how often to write (a job row at most every 0.5 s, a terminal bar at most 10 times a second)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from django.utils.translation import gettext as _


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

    def check_cancelled(self) -> None:
        if self.cancel_requested():
            raise JobCancelled(_("Dibatalkan atas permintaan pengguna."))

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
    """Writes progress to a Job row with a plain UPDATE (no model save, no signals), throttled."""

    def __init__(self, job_id: int) -> None:
        super().__init__()
        self.job_id = job_id
        self._cancel = False
        self._last_cancel_check = 0.0

    def write(self) -> None:
        from .models import Job

        Job.objects.filter(pk=self.job_id).update(total=self.total, done=self.done, message=self.message[:300])

    def cancel_requested(self) -> bool:
        from .models import Job

        now = time.monotonic()
        if not self._cancel and now - self._last_cancel_check >= self.min_interval:
            self._last_cancel_check = now
            self._cancel = bool(Job.objects.filter(pk=self.job_id).values_list("cancel_requested", flat=True).first())
        return self._cancel


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
