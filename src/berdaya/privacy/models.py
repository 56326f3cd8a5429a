"""Personal-data protection (UU 27/2022): data-subject requests with their 3×24-hour clock, breach records, and the
retention period of each kind of record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from berdaya.registry.choices import ConsentPurpose

from . import choices as c

# UU 27/2022 art. 32-37 and 46: a controller answers a request, and notifies a breach, within 3 × 24 hours.
LEGAL_CLOCK = dt.timedelta(hours=72)


class DataRequest(models.Model):
    """A request by a person about their own data (access, correction, erasure, consent withdrawal, objection to an
    automated decision), the officer who handles it, and its 72-hour clock."""

    kind = models.CharField(_("jenis permintaan"), max_length=20, choices=c.RequestKind.choices)
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("subjek data"), on_delete=models.PROTECT, related_name="pdp_requests"
    )
    purpose = models.CharField(
        _("tujuan yang persetujuannya ditarik"),
        max_length=20,
        choices=[p for p in ConsentPurpose.choices if p[0]],
        blank=True,
        help_text=_("Hanya untuk penarikan persetujuan."),
    )
    channel = models.CharField(_("saluran"), max_length=20, choices=c.Channel.choices)
    received_at = models.DateTimeField(_("diterima pada"), default=timezone.now)
    due_at = models.DateTimeField(_("tenggat (3×24 jam)"), db_index=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ditangani oleh"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=c.RequestStatus.choices, default=c.RequestStatus.RECEIVED
    )
    outcome = models.TextField(_("hasil/jawaban"), blank=True)
    notes = models.TextField(_("catatan"), blank=True)
    completed_at = models.DateTimeField(_("diselesaikan pada"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dicatat oleh"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    class Meta:
        verbose_name = _("permintaan subjek data")
        verbose_name_plural = _("permintaan subjek data")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="withdrawal") | models.Q(purpose=""), name="pdp_request_purpose_withdrawal"
            ),
        ]

    def __str__(self) -> str:
        return _("Permintaan #%(id)s") % {"id": self.pk}

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.kind == c.RequestKind.WITHDRAWAL and not self.purpose:
            errors["purpose"] = _("Pilih tujuan yang persetujuannya ditarik.")
        if self.kind != c.RequestKind.WITHDRAWAL:
            self.purpose = ""
        if self.received_at and self.received_at > timezone.now() + dt.timedelta(minutes=5):
            errors["received_at"] = _("Waktu diterima tidak boleh di masa depan.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        self.due_at = self.received_at + LEGAL_CLOCK
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in c.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        end = self.completed_at or timezone.now()
        return end > self.due_at

    @property
    def hours_left(self) -> int:
        return int((self.due_at - timezone.now()).total_seconds() // 3600)


class BreachRecord(models.Model):
    """A personal-data breach (kegagalan pelindungan data pribadi): what happened, whom it touched, who was notified
    and when (the authority and the people within 3 × 24 hours, UU 27/2022 art. 46), and what was done about it."""

    title = models.CharField(_("judul singkat"), max_length=200)
    description = models.TextField(_("apa yang terjadi"))
    occurred_at = models.DateTimeField(_("terjadi pada (perkiraan)"), null=True, blank=True)
    discovered_at = models.DateTimeField(_("diketahui pada"))
    data_affected = models.TextField(_("data yang terdampak"))
    people_affected = models.PositiveIntegerField(_("jumlah orang terdampak (perkiraan)"), default=0)
    authority_notified_at = models.DateTimeField(_("lembaga PDP diberi tahu pada"), null=True, blank=True)
    authority_reference = models.CharField(_("nomor/bukti pemberitahuan ke lembaga"), max_length=200, blank=True)
    subjects_notified_at = models.DateTimeField(_("subjek data diberi tahu pada"), null=True, blank=True)
    subjects_notice = models.TextField(_("cara dan isi pemberitahuan ke subjek data"), blank=True)
    remediation = models.TextField(_("penanganan dan pemulihan"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=c.BreachStatus.choices, default=c.BreachStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dicatat oleh"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("insiden kebocoran data")
        verbose_name_plural = _("insiden kebocoran data")
        ordering = ["-discovered_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        now = timezone.now() + dt.timedelta(minutes=5)
        for name in ("occurred_at", "discovered_at", "authority_notified_at", "subjects_notified_at"):
            value = getattr(self, name)
            if value and value > now:
                errors[name] = _("Waktu tidak boleh di masa depan.")
        if self.occurred_at and self.discovered_at and self.occurred_at > self.discovered_at:
            errors["occurred_at"] = _("Waktu kejadian tidak boleh sesudah waktu diketahui.")
        for name in ("authority_notified_at", "subjects_notified_at"):
            value = getattr(self, name)
            if value and self.discovered_at and value < self.discovered_at:
                errors[name] = _("Pemberitahuan tidak boleh sebelum insiden diketahui.")
        if errors:
            raise ValidationError(errors)

    @property
    def notify_by(self) -> dt.datetime:
        return self.discovered_at + LEGAL_CLOCK

    @property
    def authority_late(self) -> bool:
        end = self.authority_notified_at or timezone.now()
        return end > self.notify_by


class RetentionPeriod(models.Model):
    """How long a kind of record is kept, in days, as the administrator set it (the default is in retention.py)."""

    kind = models.CharField(_("jenis data"), max_length=30, choices=c.RetentionKind.choices, unique=True)
    days = models.PositiveIntegerField(_("masa simpan (hari)"), validators=[MinValueValidator(1)])
    note = models.CharField(_("dasar/keterangan"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("masa simpan data")
        verbose_name_plural = _("masa simpan data")
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.days}"
