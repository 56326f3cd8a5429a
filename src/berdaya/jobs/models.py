"""Background jobs: long work (imports, targeting runs, dedup, reports) runs in the task worker and reports
progress here, so a page can show a progress bar that survives a reload and the user can ask to cancel."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """One run of a background task, with its progress, outcome and who started it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Menunggu")
        RUNNING = "running", _("Berjalan")
        SUCCEEDED = "succeeded", _("Selesai")
        FAILED = "failed", _("Gagal")
        CANCELLED = "cancelled", _("Dibatalkan")

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    kind = models.CharField(_("jenis"), max_length=60)
    title = models.CharField(_("judul"), max_length=200, blank=True)
    # Dotted path of the function the worker runs; always set by code, never from user input.
    handler = models.CharField(_("fungsi"), max_length=200)
    params = models.JSONField(_("parameter"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveBigIntegerField(_("jumlah"), default=0)
    done = models.PositiveBigIntegerField(_("selesai"), default=0)
    message = models.CharField(_("pesan"), max_length=300, blank=True)
    result = models.JSONField(_("hasil"), default=dict, blank=True)
    error = models.TextField(_("galat"), blank=True)
    task_id = models.CharField(_("id tugas"), max_length=64, blank=True)
    cancel_requested = models.BooleanField(_("minta dibatalkan"), default=False)
    # Which worker process runs the job and when it last said so: a job whose worker is gone is found and ended
    # (services.jobs_recover) instead of showing "Berjalan" forever.
    worker_host = models.CharField(_("host pekerja"), max_length=100, blank=True)
    worker_pid = models.PositiveIntegerField(_("PID pekerja"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("tanda hidup terakhir"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuat oleh"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    started_at = models.DateTimeField(_("mulai"), null=True, blank=True)
    finished_at = models.DateTimeField(_("berakhir"), null=True, blank=True)

    class Meta:
        verbose_name = _("tugas latar belakang")
        verbose_name_plural = _("tugas latar belakang")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="job_owner_idx")]

    def __str__(self) -> str:
        return self.title or self.kind

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))

    @property
    def elapsed_seconds(self) -> float | None:
        if not self.started_at:
            return None
        end = self.finished_at or timezone.now()
        return max((end - self.started_at).total_seconds(), 0.0)

    @property
    def rate(self) -> float | None:
        """Rows (or units) per second since the start."""
        elapsed = self.elapsed_seconds
        if not elapsed or not self.done:
            return None
        return self.done / elapsed

    @property
    def seconds_left(self) -> float | None:
        rate = self.rate
        if rate is None or not self.total or self.is_finished:
            return None
        return max(self.total - self.done, 0) / rate


class ScheduleEntry(models.Model):
    """When one registered piece of scheduled work runs (jobs.schedule); an admin may change or pause it."""

    key = models.CharField(_("kunci"), max_length=80, unique=True)
    cron = models.CharField(_("jadwal (crontab)"), max_length=100)
    enabled = models.BooleanField(_("aktif"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diubah oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("jadwal tugas")
        verbose_name_plural = _("jadwal tugas")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} ({self.cron})"


class ScheduleFiring(models.Model):
    """One time an entry fired: the job it started (whose status and result are the run's outcome). Unique per entry
    and minute, so two schedulers running at once start the work once."""

    key = models.CharField(_("kunci"), max_length=80)
    due_at = models.DateTimeField(_("waktu jadwal"))
    manual = models.BooleanField(_("dijalankan manual"), default=False)
    job = models.ForeignKey(Job, verbose_name=_("tugas"), on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("pelaksanaan jadwal")
        verbose_name_plural = _("pelaksanaan jadwal")
        ordering = ["-due_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "due_at"], condition=models.Q(manual=False), name="schedulefiring_once_per_minute"
            )
        ]
        indexes = [models.Index(fields=["key", "-due_at"], name="schedulefiring_key_idx")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.due_at:%Y-%m-%d %H:%M}"
