"""Import records and saved column mappings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ColumnMapping(models.Model):
    """Which file column feeds which template field, saved under a name (e.g. "DTKS 2024") for reuse.

    A mapping belongs to an organisation (seen and changed by its staff only) or, without one, is shared by the
    whole deployment and changed by officers and admins only (services.mapping_save)."""

    name = models.CharField(_("nama"), max_length=100)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisasi"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("kosong = pemetaan bersama, hanya diubah petugas dinas atau admin"),
    )
    kind = models.CharField(_("jenis impor"), max_length=30, default="households")
    columns = models.JSONField(_("pemetaan kolom"), default=dict, help_text=_("kunci field → judul kolom di file"))
    values = models.JSONField(
        _("pemetaan nilai"),
        default=dict,
        blank=True,
        help_text=_("kunci field → {nilai di file → nilai Berdaya}, mis. JNS_KEL 1 → L"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dibuat oleh"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("pemetaan kolom")
        verbose_name_plural = _("pemetaan kolom")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="mapping_name_unique_per_organisation"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(organisation__isnull=True), name="mapping_name_unique_shared"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ImportRun(models.Model):
    """One uploaded file and what happened to it: the dry run, then the commit. Keeps the checksum, who and when."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Diunggah")
        CHECKING = "checking", _("Sedang diperiksa")
        CHECKED = "checked", _("Sudah diperiksa")
        IMPORTING = "importing", _("Sedang diimpor")
        IMPORTED = "imported", _("Sudah diimpor")
        REJECTED = "rejected", _("Ditolak (semua atau tidak sama sekali)")
        FAILED = "failed", _("Gagal")
        CANCELLED = "cancelled", _("Dibatalkan")

    class Mode(models.TextChoices):
        VALID_ONLY = "valid-only", _("Impor baris yang sah saja")
        ALL_OR_NOTHING = "all-or-nothing", _("Semua atau tidak sama sekali")

    kind = models.CharField(_("jenis impor"), max_length=30, default="households")
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=300)
    original_name = models.CharField(_("nama file"), max_length=255)
    size = models.PositiveBigIntegerField(_("ukuran (byte)"), default=0)
    checksum = models.CharField(_("checksum SHA-256"), max_length=64, db_index=True)
    mapping = models.JSONField(_("pemetaan kolom"), default=dict, blank=True)
    mapping_name = models.CharField(_("nama pemetaan"), max_length=100, blank=True)
    value_map = models.JSONField(_("pemetaan nilai"), default=dict, blank=True)
    mode = models.CharField(_("cara impor"), max_length=20, choices=Mode.choices, default=Mode.VALID_ONLY)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.UPLOADED)
    preview = models.JSONField(_("hasil pemeriksaan"), default=dict, blank=True)
    result = models.JSONField(_("hasil impor"), default=dict, blank=True)
    # The officer's decision on each row held as a likely duplicate (str(row) -> {"action": "release" | "link",
    # "person": id, "by": user id, "at": ISO time}); a held household is written once each of its rows has one.
    decisions = models.JSONField(_("keputusan baris yang ditahan"), default=dict, blank=True)
    errors_file = models.FileField(_("file kesalahan"), upload_to="imports/errors/%Y/%m/", blank=True, max_length=300)
    job = models.ForeignKey("jobs.Job", verbose_name=_("tugas"), on_delete=models.SET_NULL, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("diunggah oleh"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("diunggah"), auto_now_add=True)
    committed_at = models.DateTimeField(_("diimpor"), null=True, blank=True)

    class Meta:
        verbose_name = _("impor data")
        verbose_name_plural = _("impor data")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def counts(self) -> dict[str, Any]:
        return self.result or self.preview

    @property
    def status_label(self) -> str:
        """The status, and for a commit that wrote nothing, why: "Sudah diimpor" alone reads as data written."""
        result = self.result or {}
        if self.status != self.Status.IMPORTED or result.get("new") or result.get("updated"):
            return str(self.get_status_display())
        if result.get("invalid"):
            return _(
                "Sudah diimpor, tetapi tidak ada yang ditulis: %(invalid)s baris tidak sah, %(unchanged)s baris "
                "sudah sama dengan registri."
            ) % {"invalid": result.get("invalid", 0), "unchanged": result.get("unchanged", 0)}
        if result.get("unchanged"):
            return _("Sudah diimpor, tidak ada perubahan: %(unchanged)s baris sudah sama dengan registri.") % {
                "unchanged": result["unchanged"]
            }
        return str(_("Sudah diimpor, tetapi file tidak berisi baris data (baris contoh templat tidak diimpor)."))
