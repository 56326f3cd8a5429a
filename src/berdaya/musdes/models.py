"""Village consultation (musyawarah desa/kelurahan, musdes) of a targeting run's candidate list, and the layout of
the by-name-by-address proposal file for SIKS-NG (DTSEN).

A meeting is about one run's list in one village: its notice-board list is printed before it, its outcome
(attendance, minutes, a decision per candidate, the objection window) recorded after it, and applying it makes the
list after the meeting the run's final list through targeting's services, each change with source "musdes:<id>".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from berdaya.core.documents import PrivateStorage, random_upload_name

from . import choices as c

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Meeting(models.Model):
    """One village meeting (musdes/muskel) about one targeting run's list in one village."""

    run = models.ForeignKey(
        "targeting.TargetingRun", verbose_name=_("proses penetapan"), on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        "areas.Village", verbose_name=_("desa/kelurahan"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("tanggal musyawarah"))
    place = models.CharField(_("tempat"), max_length=200)
    men = models.PositiveIntegerField(_("peserta laki-laki"), default=0)
    women = models.PositiveIntegerField(_("peserta perempuan"), default=0)
    men_disability = models.PositiveIntegerField(_("peserta laki-laki penyandang disabilitas"), default=0)
    women_disability = models.PositiveIntegerField(_("peserta perempuan penyandang disabilitas"), default=0)
    minutes_number = models.CharField(_("nomor berita acara"), max_length=60, blank=True)
    objection_until = models.DateField(_("batas akhir masa sanggah"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=c.MeetingStatus.choices, default=c.MeetingStatus.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dibuat oleh"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diterapkan oleh"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("diterapkan"), null=True, blank=True)

    class Meta:
        verbose_name = _("musyawarah desa")
        verbose_name_plural = _("musyawarah desa")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "village"], name="meeting_one_per_run_village"),
            models.CheckConstraint(
                condition=Q(men_disability__lte=F("men")) & Q(women_disability__lte=F("women")),
                name="meeting_disability_within_attendance",
                violation_error_message=_("Peserta penyandang disabilitas tidak boleh lebih dari jumlah peserta."),
            ),
            models.CheckConstraint(
                condition=Q(objection_until__isnull=True) | Q(objection_until__gte=F("date")),
                name="meeting_objection_after_meeting",
                violation_error_message=_("Batas masa sanggah tidak boleh sebelum tanggal musyawarah."),
            ),
        ]
        indexes = [models.Index(fields=["village", "date"], name="meeting_village_date_idx")]

    def __str__(self) -> str:
        return _("Musdes #%(id)s · %(v)s") % {"id": self.pk, "v": self.village_id}

    @property
    def source(self) -> str:
        """The source targeting records for each change this meeting makes."""
        return f"musdes:{self.pk}"

    @property
    def attendees(self) -> int:
        return self.men + self.women

    @property
    def is_applied(self) -> bool:
        return self.status == c.MeetingStatus.APPLIED

    def clean(self) -> None:
        errors: dict[str, StrOrPromise] = {}
        if self.men_disability > self.men:
            errors["men_disability"] = _("Tidak boleh lebih dari jumlah peserta laki-laki.")
        if self.women_disability > self.women:
            errors["women_disability"] = _("Tidak boleh lebih dari jumlah peserta perempuan.")
        if self.objection_until and self.date and self.objection_until < self.date:
            errors["objection_until"] = _("Batas masa sanggah tidak boleh sebelum tanggal musyawarah.")
        if errors:
            raise ValidationError(errors)


def _minutes_storage() -> FileSystemStorage:
    return PrivateStorage("musdes")


def _minutes_path(instance: MinutesDocument, filename: str) -> str:
    return random_upload_name(filename)


class MinutesDocument(models.Model):
    """The signed minutes (berita acara) of a meeting, or its attendance list: a checked upload."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("berkas"), upload_to=_minutes_path, storage=_minutes_storage, max_length=200)
    title = models.CharField(_("judul dokumen"), max_length=150)
    original_name = models.CharField(_("nama berkas asli"), max_length=200, blank=True)
    content_type = models.CharField(_("jenis berkas"), max_length=100)
    size = models.PositiveIntegerField(_("ukuran (bita)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("diunggah"), auto_now_add=True)

    class Meta:
        verbose_name = _("berita acara musdes")
        verbose_name_plural = _("berita acara musdes")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.title


class MeetingDecision(models.Model):
    """The meeting's decision about one person: kept on the list (agreed), removed, or added, with the reason."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("penduduk"), on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(_("keputusan"), max_length=10, choices=c.Decision.choices)
    reason = models.CharField(_("alasan"), max_length=300, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("dicatat"), auto_now=True)

    class Meta:
        verbose_name = _("keputusan musdes")
        verbose_name_plural = _("keputusan musdes")
        ordering = ["meeting", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="meetingdecision_one_per_person"),
            models.CheckConstraint(
                condition=Q(decision=c.Decision.AGREED) | ~Q(reason=""),
                name="meetingdecision_change_has_reason",
                violation_error_message=_("Mencoret atau menambahkan orang harus disertai alasan."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.person_id} {self.decision}"


class ExportColumn(models.Model):
    """One column of an exchange file's layout (e.g. the SIKS-NG by-name-by-address proposal), editable by an admin
    when the national layout changes: its order, its header, where its value comes from, and an optional map of
    values (e.g. {"M": "1", "F": "2"} for the sex code). docs/siks-ng.md lists the default layout."""

    layout = models.CharField(_("format"), max_length=40, default="siks-ng")
    position = models.PositiveSmallIntegerField(_("urutan"))
    header = models.CharField(_("judul kolom"), max_length=80)
    source = models.CharField(_("sumber nilai"), max_length=20, choices=c.Source.choices)
    fixed = models.CharField(_("nilai tetap"), max_length=100, blank=True)
    values = models.JSONField(_("peta nilai"), default=dict, blank=True)
    active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("kolom berkas pertukaran data")
        verbose_name_plural = _("kolom berkas pertukaran data")
        ordering = ["layout", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["layout", "position"], name="exportcolumn_unique_position")]

    def __str__(self) -> str:
        return f"{self.layout} {self.position}: {self.header}"

    def clean(self) -> None:
        if not isinstance(self.values, dict) or not all(isinstance(v, str | int) for v in self.values.values()):
            raise ValidationError({"values": _('Peta nilai harus berupa objek JSON, mis. {"M": "1"}.')})
        if self.source == c.Source.FIXED and not self.fixed:
            raise ValidationError({"fixed": _("Isi nilai tetap untuk kolom bersumber “nilai tetap”.")})
