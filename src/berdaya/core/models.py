"""Audit rows for what the model history does not see: views of sensitive records, exports, denied access."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Who did what to which record, when. Written by core.audit.audit(); never edited."""

    class Action(models.TextChoices):
        VIEW = "view", _("Melihat")
        EXPORT = "export", _("Mengekspor")
        CREATE = "create", _("Membuat")
        UPDATE = "update", _("Mengubah")
        DELETE = "delete", _("Menghapus")
        EVENT = "event", _("Peristiwa")
        DENIED = "denied", _("Akses ditolak")

    at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pelaku"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    action = models.CharField(_("tindakan"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("jenis data"), max_length=60)
    object_id = models.CharField(_("id data"), max_length=40, blank=True)
    detail = models.JSONField(_("rincian"), default=dict, blank=True)

    class Meta:
        verbose_name = _("jejak audit")
        verbose_name_plural = _("jejak audit")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class AggregateSnapshot(models.Model):
    """The stored result of one aggregate query over the whole registry (core.snapshots): the rows a page of counts
    shows, computed by the scheduled refresh or by the first reader after it aged out. Never personal data: counts
    per area and group only."""

    key = models.CharField(_("kunci"), max_length=200, unique=True)
    name = models.CharField(_("nama"), max_length=60, db_index=True)
    params = models.JSONField(_("parameter"), default=dict, blank=True)
    data = models.JSONField(_("isi"))
    computed_at = models.DateTimeField(_("dihitung"))
    seconds = models.FloatField(_("lama hitung (detik)"), default=0)

    class Meta:
        verbose_name = _("ringkasan agregat")
        verbose_name_plural = _("ringkasan agregat")

    def __str__(self) -> str:
        return self.key
