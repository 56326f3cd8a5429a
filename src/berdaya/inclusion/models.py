"""Disability inclusion: the details of a person's disability beyond the WG-SS answers kept in the registry, their
assistive devices and what they need to take part in programmes. Disability data is specific personal data
(UU 27/2022): only people who may see the person see it, and every change keeps its history."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import choices as c
from .kpd import kpd_error, normalise_kpd


class DisabilityProfile(models.Model):
    """Type per UU 8/2016, disability card, and support needs of one person with a disability."""

    person = models.OneToOneField(
        "registry.Person", verbose_name=_("penduduk"), on_delete=models.CASCADE, related_name="disability_profile"
    )
    disability_type = models.CharField(_("ragam disabilitas"), max_length=20, choices=c.DisabilityType.choices)
    kpd_number = models.CharField(_("nomor Kartu Penyandang Disabilitas (KPD)"), max_length=40, blank=True)
    need_sign_language = models.BooleanField(_("butuh juru bahasa isyarat"), default=False)
    need_companion = models.BooleanField(_("butuh pendamping"), default=False)
    need_accessible_venue = models.BooleanField(_("butuh tempat yang aksesibel (tanpa tangga)"), default=False)
    need_large_print = models.BooleanField(_("butuh materi huruf besar"), default=False)
    need_easy_read = models.BooleanField(_("butuh materi mudah dibaca (easy-read)"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dicatat oleh"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("data disabilitas")
        verbose_name_plural = _("data disabilitas")
        constraints = [
            models.UniqueConstraint(
                fields=["kpd_number"],
                condition=~Q(kpd_number=""),
                name="disability_kpd_unique",
                violation_error_message=_("Nomor KPD ini sudah tercatat untuk penduduk lain."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_disability_type_display()} #{self.person_id}"

    @property
    def support_needs(self) -> set[str]:
        return {need for need in c.SupportNeed.values if getattr(self, f"need_{need}")}

    def support_need_labels(self) -> list[str]:
        return [str(c.SupportNeed(need).label) for need in c.SupportNeed.values if getattr(self, f"need_{need}")]

    def clean(self) -> None:
        self.kpd_number = normalise_kpd(self.kpd_number)
        error = kpd_error(self.kpd_number)
        if error:
            raise ValidationError({"kpd_number": error})


class AssistiveDevice(models.Model):
    """An assistive device a person needs, and when and from whom they received it.

    `assistance_id` points at the berdaya.programmes Assistance row when the receipt was recorded as programme
    assistance (a plain id, not a foreign key, so this app does not depend on programmes being installed)."""

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("penduduk"), on_delete=models.CASCADE, related_name="assistive_devices"
    )
    device = models.CharField(_("alat bantu"), max_length=20, choices=c.Device.choices)
    other_detail = models.CharField(_("keterangan alat lainnya"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=c.DeviceStatus.choices, default=c.DeviceStatus.NEEDED)
    needed_since = models.DateField(_("dibutuhkan sejak"), default=dt.date.today)
    received_on = models.DateField(_("tanggal diterima"), null=True, blank=True)
    source = models.CharField(_("diterima dari"), max_length=150, blank=True)
    assistance_id = models.PositiveBigIntegerField(_("id bantuan program"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("alat bantu")
        verbose_name_plural = _("alat bantu")
        ordering = ["status", "-needed_since", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="received") | Q(received_on__isnull=False),
                name="device_received_has_date",
                violation_error_message=_("Isi tanggal alat bantu diterima."),
            )
        ]

    def __str__(self) -> str:
        return self.other_detail if self.device == c.Device.OTHER and self.other_detail else self.get_device_display()

    def clean(self) -> None:
        if self.device == c.Device.OTHER and not self.other_detail.strip():
            raise ValidationError({"other_detail": _("Sebutkan alat bantu lainnya.")})
        if self.status == c.DeviceStatus.RECEIVED and not self.received_on:
            raise ValidationError({"received_on": _("Isi tanggal alat bantu diterima.")})
        if self.received_on and self.received_on > timezone.localdate():
            raise ValidationError({"received_on": _("Tanggal diterima tidak boleh di masa depan.")})
