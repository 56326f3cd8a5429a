"""The case engine shared by every kind of case (migrant-worker rights cases, grievances): the working-day calendar
and the abstract pieces a case model is built from (its stage clock, stage changes, assignment log, escalations).

The engine owns no case table: each app keeps its own tables (and its own access rules), built from these bases, so
a rights case and a grievance are counted on one clock by one piece of code (berdaya.casework.sla).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import choices as c


class Holiday(models.Model):
    """A day the offices are closed: a national holiday, a joint leave day (cuti bersama) or a regional holiday.

    Service levels count working days (Monday to Friday, not a holiday). The national days of 2026 and 2027 are
    loaded by a data migration; an administrator adds or corrects days in the admin, and every open case's due date
    moves at once (due dates are never stored)."""

    date = models.DateField(_("tanggal"), unique=True)
    name = models.CharField(_("nama hari libur"), max_length=120)
    kind = models.CharField(_("jenis"), max_length=12, choices=c.HolidayKind.choices, default=c.HolidayKind.NATIONAL)
    provisional = models.BooleanField(
        _("perkiraan"), default=False, help_text=_("Tanggal belum ditetapkan SKB: periksa dan perbaiki bila perlu.")
    )

    class Meta:
        verbose_name = _("hari libur")
        verbose_name_plural = _("hari libur")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class StageClock(models.Model):
    """The clock of a case: when it was received, when it entered its current stage, when it was closed. The
    concrete model adds its own `stage` field (its stage choices) and an SlaPolicy says how long each stage may
    take."""

    stage_entered_on = models.DateField(_("masuk tahap ini"), default=timezone.localdate)
    received_on = models.DateField(_("tanggal pengaduan diterima"), default=timezone.localdate)
    closed_on = models.DateField(_("tanggal selesai/ditutup"), null=True, blank=True)

    class Meta:
        abstract = True


class StageChangeBase(models.Model):
    """One move of a case through its workflow, with whether its stage was past due and the reason when a stage is
    skipped. The concrete model adds `case`, `from_stage` and `to_stage`."""

    on = models.DateField(_("tanggal"), default=timezone.localdate)
    was_overdue = models.BooleanField(_("melewati tenggat"), default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]


class AssignmentLogBase(models.Model):
    """Every assignment to a case and every removal, kept when the assignment itself is removed: taking a case
    opens its content, so who took it, who gave it and why stay on the case. The concrete model adds `case`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("pengelola kasus"), on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("tindakan"), max_length=12, choices=c.AssignmentAction.choices)
    reason = models.CharField(_("alasan"), max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("oleh"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("waktu"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]


class EscalationBase(models.Model):
    """A case taken to a supervisor: by a handler, or by the daily check when its stage is past due (`by` empty).
    The concrete model adds `case`."""

    stage = models.CharField(_("tahap saat dieskalasi"), max_length=20)
    to = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("kepada supervisor"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("alasan"), max_length=300, blank=True)
    automatic = models.BooleanField(_("otomatis (lewat tenggat)"), default=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("waktu"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]
