"""Offline field collection: the servers Berdaya pulls submissions from, and every submission it received.

A submission is kept whatever becomes of it: written through the same services as the web forms (ingested), waiting
for a person to fix it (queued, with the errors in Indonesian), or waiting for the module its records belong to. Its
instance ID is unique, so a submission pulled twice, or ingested by two processes at once, is written once.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import choices as c


def _fernet() -> Fernet:
    # The key is derived from SECRET_KEY: a database dump alone does not reveal the servers' passwords. Rotating
    # SECRET_KEY means entering them again (docs/odk.md).
    digest = hashlib.sha256(b"berdaya.odk.FieldSource:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


class FieldSource(models.Model):
    """An ODK Central or KoboToolbox form Berdaya pulls submissions from.

    Central: `base_url` is the server (https://central.example.org), `project_id` the project number, `form_id` the
    xmlFormId (berdaya_household). Kobo: `base_url` the KPI server (https://kf.kobotoolbox.org), `form_id` the asset
    uid; `project_id` is unused. The password (Central) or API token (Kobo) is stored encrypted."""

    name = models.CharField(_("nama"), max_length=150)
    kind = models.CharField(_("jenis server"), max_length=10, choices=c.SourceKind.choices)
    form_kind = models.CharField(_("formulir"), max_length=20, choices=c.FormKind.choices)
    base_url = models.URLField(_("alamat server"))
    project_id = models.CharField(_("ID proyek"), max_length=40, blank=True)
    form_id = models.CharField(_("ID formulir"), max_length=120)
    username = models.CharField(_("nama pengguna / email"), max_length=150, blank=True)
    secret_encrypted = models.TextField(_("kata sandi / token (terenkripsi)"), blank=True, editable=False)
    run_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dicatat atas nama"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Kiriman dari pengumpul yang tidak dikenal sebagai pengguna Berdaya ditulis dengan wewenang ini."),
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisasi"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("aktif"), default=True)
    last_pulled_at = models.DateTimeField(_("terakhir ditarik"), null=True, blank=True)
    last_error = models.CharField(_("galat terakhir"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("sumber kiriman lapangan")
        verbose_name_plural = _("sumber kiriman lapangan")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def set_secret(self, value: str) -> None:
        self.secret_encrypted = _fernet().encrypt(value.encode()).decode() if value else ""

    def secret(self) -> str:
        if not self.secret_encrypted:
            return ""
        try:
            return _fernet().decrypt(self.secret_encrypted.encode()).decode()
        except InvalidToken:
            # SECRET_KEY changed since it was stored.
            return ""


class Submission(models.Model):
    """One submission of a field form, as received (`payload`) and as a person last corrected it (`data`)."""

    instance_id = models.CharField(_("ID kiriman (instanceID)"), max_length=120)
    form_kind = models.CharField(_("formulir"), max_length=20, choices=c.FormKind.choices)
    source = models.ForeignKey(
        FieldSource, verbose_name=_("sumber"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    origin = models.CharField(_("asal"), max_length=10, choices=c.Origin.choices)
    state = models.CharField(_("status"), max_length=10, choices=c.SubmissionState.choices)
    payload = models.JSONField(_("kiriman asli"), default=dict, blank=True)
    data = models.JSONField(_("isian"), default=dict, blank=True)
    errors = models.JSONField(_("kesalahan"), default=list, blank=True)
    result = models.JSONField(_("data yang dibuat"), default=dict, blank=True)
    submitter_name = models.CharField(_("pengumpul data"), max_length=150, blank=True)
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pengumpul (pengguna)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Where the submission's people live, and for whom it was collected: who may see it in the queue.
    village = models.ForeignKey(
        "areas.Village",
        verbose_name=_("desa/kelurahan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisasi"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("dikirim"), null=True, blank=True)
    received_at = models.DateTimeField(_("diterima"), auto_now_add=True)
    ingested_at = models.DateTimeField(_("disimpan"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=1)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diterima oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    purged_at = models.DateTimeField(_("isian dihapus"), null=True, blank=True)

    class Meta:
        verbose_name = _("kiriman lapangan")
        verbose_name_plural = _("kiriman lapangan")
        ordering = ["-received_at", "-id"]
        constraints = [
            # The one guarantee against writing a submission twice (a re-pull, an upload of the same export, two
            # workers at once): the second insert fails and the ingestion treats it as already received.
            models.UniqueConstraint(fields=["instance_id"], name="odk_submission_instance_unique"),
        ]
        indexes = [models.Index(fields=["state", "form_kind"], name="odk_submission_state_idx")]

    def __str__(self) -> str:
        return self.instance_id
