"""Programmes and their delivery: sessions, enrolment, attendance, certificates, assistance, needs.

Money is integer Rupiah (BigIntegerField), never a float (core.money). Every change is kept by django-simple-history; enrolment
transitions are also written to EnrolmentEvent, the log people read on the page.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from berdaya.core.money import positive_rupiah

from . import choices as c

# A budget may still be zero (not yet known), so it is not held to the money rule of core.money.positive_rupiah.
non_negative_rupiah = MinValueValidator(0, message=_("Anggaran tidak boleh negatif."))


class Need(models.Model):
    """A need a programme can answer (controlled list, seeded by migration): sewing, bookkeeping, safe migration..."""

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=100)
    is_active = models.BooleanField(_("aktif"), default=True)
    order = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        verbose_name = _("kebutuhan")
        verbose_name_plural = _("daftar kebutuhan")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        # Seeded names are Indonesian source strings in the catalog; names added later show as typed.
        return gettext(self.name)


class Programme(models.Model):
    """An empowerment programme (program pemberdayaan) run by one organisation, funded by one or more."""

    name = models.CharField(_("nama program"), max_length=200)
    kind = models.CharField(_("jenis program"), max_length=20, choices=c.ProgrammeKind.choices)
    description = models.TextField(_("uraian"), blank=True)
    organiser = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("penyelenggara"),
        on_delete=models.PROTECT,
        related_name="programmes_organised",
    )
    funders = models.ManyToManyField(
        "organisations.Organisation", verbose_name=_("penyandang dana"), blank=True, related_name="programmes_funded"
    )
    target_groups = models.JSONField(_("kelompok sasaran"), default=list, blank=True)
    districts = models.ManyToManyField(
        "areas.District", verbose_name=_("kecamatan cakupan"), blank=True, related_name="+"
    )
    villages = models.ManyToManyField("areas.Village", verbose_name=_("desa cakupan"), blank=True, related_name="+")
    start_date = models.DateField(_("tanggal mulai"))
    end_date = models.DateField(_("tanggal selesai"))
    budget = models.BigIntegerField(_("anggaran (Rp)"), default=0, validators=[non_negative_rupiah])
    capacity = models.PositiveIntegerField(
        _("kuota peserta"), validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    needs = models.ManyToManyField(Need, verbose_name=_("kebutuhan yang dijawab"), blank=True, related_name="+")
    attendance_threshold = models.PositiveSmallIntegerField(
        _("batas kehadiran untuk lulus (%)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    status = models.CharField(
        _("status"), max_length=10, choices=c.ProgrammeStatus.choices, default=c.ProgrammeStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dibuat oleh"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("program")
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__gte=0),
                name="programme_budget_not_negative",
                violation_error_message=_("Anggaran tidak boleh negatif."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="programme_period_valid",
                violation_error_message=_("Tanggal selesai tidak boleh sebelum tanggal mulai."),
            ),
        ]
        indexes = [models.Index(fields=["status", "end_date"], name="programme_status_end_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = [_("Tanggal selesai tidak boleh sebelum tanggal mulai.")]
        unknown = [g for g in (self.target_groups or []) if g not in c.TargetGroup.values]
        if unknown:
            errors["target_groups"] = [_("Kelompok sasaran tidak dikenal: %(g)s") % {"g": ", ".join(unknown)}]
        if errors:
            raise ValidationError(errors)

    def target_group_labels(self) -> list[str]:
        labels = dict(c.TargetGroup.choices)
        return [str(labels[g]) for g in self.target_groups or [] if g in labels]

    def is_accepting(self) -> bool:
        return self.status in {c.ProgrammeStatus.DRAFT, c.ProgrammeStatus.OPEN, c.ProgrammeStatus.RUNNING}


class Session(models.Model):
    """A session (sesi) of a programme: when, where, who teaches what, and how accessible the venue is."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(_("tanggal"))
    start_time = models.TimeField(_("jam mulai"))
    end_time = models.TimeField(_("jam selesai"))
    venue = models.CharField(_("tempat"), max_length=200)
    trainer = models.CharField(_("pelatih / narasumber"), max_length=150, blank=True)
    topic = models.CharField(_("topik"), max_length=200)
    step_free = models.BooleanField(_("akses tanpa tangga (ramah kursi roda)"), default=False)
    sign_language = models.BooleanField(_("juru bahasa isyarat"), default=False)
    large_print = models.BooleanField(_("materi cetak huruf besar"), default=False)
    easy_read = models.BooleanField(_("materi mudah dibaca (easy-read)"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sesi")
        verbose_name_plural = _("sesi")
        ordering = ["date", "start_time", "id"]
        indexes = [models.Index(fields=["programme", "date"], name="session_programme_date_idx")]

    def __str__(self) -> str:
        return f"{self.date:%d-%m-%Y} · {self.topic}"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            errors["end_time"] = [_("Jam selesai harus setelah jam mulai.")]
        programme = self.programme if self.programme_id else None
        if programme and self.date and not (programme.start_date <= self.date <= programme.end_date):
            errors["date"] = [
                _("Tanggal sesi %(date)s di luar periode program (%(start)s s.d. %(end)s).")
                % {
                    "date": date_format(self.date),
                    "start": date_format(programme.start_date),
                    "end": date_format(programme.end_date),
                }
            ]
        if errors:
            raise ValidationError(errors)

    def accessibility_labels(self) -> list[str]:
        return [
            str(label)
            for flag, label in [
                (self.step_free, _("tanpa tangga")),
                (self.sign_language, _("juru bahasa isyarat")),
                (self.large_print, _("huruf besar")),
                (self.easy_read, _("mudah dibaca")),
            ]
            if flag
        ]


class Enrolment(models.Model):
    """A person's enrolment (pendaftaran peserta) in a programme. Statuses move only through services.

    Re-enrolment after a drop-out or a rejection creates a new row: the old one stays, with its events, as history.
    """

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="enrolments")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(
        _("status"), max_length=12, choices=c.EnrolmentStatus.choices, default=c.EnrolmentStatus.PROPOSED
    )
    source = models.CharField(
        _("sumber"), max_length=12, choices=c.EnrolmentSource.choices, default=c.EnrolmentSource.MANUAL
    )
    reason = models.CharField(_("alasan putus / ditolak"), max_length=300, blank=True)
    capacity_override_reason = models.CharField(_("alasan melebihi kuota"), max_length=300, blank=True)
    enrolled_on = models.DateField(_("tanggal terdaftar"), null=True, blank=True)
    ended_on = models.DateField(_("tanggal berakhir"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    # Not stored: set on the rows of a person's or household's programme panel (selectors._summary).
    manageable: bool
    cert: Certificate | None

    class Meta:
        verbose_name = _("pendaftaran peserta")
        verbose_name_plural = _("pendaftaran peserta")
        ordering = ["programme", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "person"],
                condition=Q(status__in=list(c.OPEN_STATUSES)),
                name="enrolment_unique_open",
                violation_error_message=_("Penduduk ini sudah terdaftar (atau diusulkan) di program ini."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=sorted(c.REASON_REQUIRED)) | ~Q(reason=""),
                name="enrolment_end_has_reason",
                violation_error_message=_("Putus atau ditolak harus disertai alasan."),
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "status"], name="enrolment_programme_status_idx"),
            models.Index(fields=["person", "status"], name="enrolment_person_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.programme_id} ({self.status})"


class EnrolmentEvent(models.Model):
    """One status change of an enrolment: from, to, why, who and when. Never edited."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("dari"), max_length=12, choices=c.EnrolmentStatus.choices, blank=True)
    to_status = models.CharField(_("menjadi"), max_length=12, choices=c.EnrolmentStatus.choices)
    reason = models.CharField(_("alasan"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("oleh"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("waktu"), auto_now_add=True)

    class Meta:
        verbose_name = _("perubahan status peserta")
        verbose_name_plural = _("perubahan status peserta")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


class Attendance(models.Model):
    """Whether a person attended a session. Keyed by person, so a re-enrolled person keeps what they attended."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="attendance")
    present = models.BooleanField(_("hadir"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("dicatat"))

    class Meta:
        verbose_name = _("kehadiran")
        verbose_name_plural = _("kehadiran")
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="attendance_unique_session_person")]
        indexes = [models.Index(fields=["person", "present"], name="attendance_person_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.session_id}: {'hadir' if self.present else 'tidak hadir'}"


class Certificate(models.Model):
    """A certificate of completion. The code is random and stored; the public page shows only initials."""

    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="certificate")
    code = models.CharField(_("kode verifikasi"), max_length=24, unique=True)
    issued_on = models.DateField(_("tanggal terbit"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("sertifikat")
        verbose_name_plural = _("sertifikat")

    def __str__(self) -> str:
        return self.code


class Assistance(models.Model):
    """Assistance (bantuan) given to a person under a programme: money in integer Rupiah, or goods by quantity."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="assistance")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="assistance")
    kind = models.CharField(_("jenis bantuan"), max_length=20, choices=c.AssistanceKind.choices)
    description = models.CharField(_("uraian barang / bantuan"), max_length=200, blank=True)
    amount = models.BigIntegerField(_("nilai (Rp)"), null=True, blank=True, validators=[positive_rupiah])
    quantity = models.PositiveIntegerField(
        _("jumlah barang"), null=True, blank=True, validators=[MinValueValidator(1, _("Jumlah barang minimal 1."))]
    )
    unit = models.CharField(_("satuan"), max_length=30, blank=True)
    date = models.DateField(_("tanggal"), default=dt.date.today)
    status = models.CharField(
        _("status"), max_length=12, choices=c.AssistanceStatus.choices, default=c.AssistanceStatus.PLANNED
    )
    double_dip_override_reason = models.CharField(
        _("alasan tetap menyetujui walau pernah menerima"), max_length=300, blank=True
    )
    cancel_reason = models.CharField(_("alasan pembatalan"), max_length=300, blank=True)
    # Internal to the organiser: partner staff of other organisations never see it.
    note = models.CharField(_("catatan internal"), max_length=500, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("disetujui"), null=True, blank=True)
    disbursed_at = models.DateTimeField(_("disalurkan"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("diterima"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    history = HistoricalRecords()

    # Not stored: set on a page's rows by the selectors (flag_double_dips; show_note on the programme panel).
    double_dip: bool
    show_note: bool

    class Meta:
        verbose_name = _("bantuan")
        verbose_name_plural = _("bantuan")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0),
                name="assistance_amount_positive",
                violation_error_message=_("Jumlah Rupiah harus lebih dari nol; nilai negatif tidak diterima."),
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=False) | Q(quantity__isnull=False),
                name="assistance_amount_or_quantity",
                violation_error_message=_("Isi nilai Rupiah atau jumlah barang."),
            ),
        ]
        indexes = [
            models.Index(fields=["person", "kind", "date"], name="assistance_double_dip_idx"),
            models.Index(fields=["programme", "status"], name="assistance_programme_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.kind in c.MONEY_KINDS and self.amount is None:
            errors["amount"] = [_("Bantuan uang harus menyebut nilai Rupiah.")]
        if self.kind and self.kind not in c.MONEY_KINDS and self.quantity is None:
            errors["quantity"] = [_("Bantuan barang harus menyebut jumlah barang.")]
        if self.quantity is not None and not self.unit.strip():
            errors["unit"] = [_("Isi satuan barang, mis. unit, paket, kg.")]
        if errors:
            raise ValidationError(errors)


class PersonNeed(models.Model):
    """A need or interest of a person, recorded by a facilitator during a needs assessment."""

    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="needs")
    need = models.ForeignKey(Need, verbose_name=_("kebutuhan"), on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("minat / keterangan"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("dicatat"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kebutuhan penduduk")
        verbose_name_plural = _("kebutuhan penduduk")
        constraints = [models.UniqueConstraint(fields=["person", "need"], name="person_need_unique")]
        indexes = [models.Index(fields=["need", "person"], name="person_need_need_idx")]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.need_id}"
