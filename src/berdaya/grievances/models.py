"""Grievances (pengaduan) from anyone, registered or not: at the desk, on the public web form, through a facilitator,
or by SMS/WhatsApp. Built on the case engine (berdaya.casework): the SP4N-LAPOR! service levels are an SlaPolicy on
working days, stage changes, the assignment log and escalations are the engine's bases.

A grievance's content (description, complainant) is personal data: listed and read by the handlers its access rules
allow (berdaya.grievances.access), and a restricted one (sexual harassment, misconduct) by its named handlers only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from berdaya.casework.models import AssignmentLogBase, EscalationBase, StageChangeBase, StageClock
from berdaya.core.phone import normalise_phone_fields, validate_phone

from . import choices as c

if TYPE_CHECKING:
    from berdaya.accounts.models import User


class GrievanceHandler(models.Model):
    """Who may handle grievances (forward, decide, close) and, as a supervisor, receives escalations and names the
    handlers of a restricted grievance. Given by an administrator."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("pengguna"), on_delete=models.CASCADE, related_name="grievance_handler"
    )
    is_supervisor = models.BooleanField(_("supervisor"), default=False)
    is_active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("petugas pengaduan")
        verbose_name_plural = _("petugas pengaduan")

    def __str__(self) -> str:
        return self.user.get_username()


class Grievance(StageClock, models.Model):
    """One grievance. `code` is the tracking code the complainant gets; the public status page shows the status
    behind it and nothing else."""

    code = models.CharField(_("kode lacak"), max_length=12, unique=True, editable=False)
    channel = models.CharField(_("saluran"), max_length=12, choices=c.Channel.choices)
    category = models.CharField(_("kategori"), max_length=24, choices=c.Category.choices)
    objection_kind = models.CharField(_("jenis keberatan"), max_length=20, choices=c.ObjectionKind.choices, blank=True)
    sensitivity = models.CharField(
        _("kerahasiaan"), max_length=20, choices=c.Sensitivity.choices, default=c.Sensitivity.NORMAL
    )
    description = models.TextField(_("isi pengaduan"), max_length=4000)
    anonymous = models.BooleanField(_("tanpa nama"), default=False)
    complainant_name = models.CharField(_("nama pelapor"), max_length=150, blank=True)
    complainant_phone = models.CharField(_("nomor HP pelapor"), max_length=16, blank=True, validators=[validate_phone])
    reply_channel = models.CharField(
        _("kabari lewat"), max_length=10, choices=[("sms", "SMS"), ("whatsapp", "WhatsApp")], blank=True
    )
    village = models.ForeignKey(
        "areas.Village", verbose_name=_("desa"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # What the grievance is about (each optional).
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("penduduk"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("rumah tangga"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("program"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assistance = models.ForeignKey(
        "programmes.Assistance",
        verbose_name=_("bantuan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    run = models.ForeignKey(
        "targeting.TargetingRun",
        verbose_name=_("penetapan sasaran"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    appeal_of = models.ForeignKey(
        "self", verbose_name=_("banding atas"), on_delete=models.PROTECT, null=True, blank=True, related_name="appeals"
    )
    appealed_decision = models.ForeignKey(
        "GrievanceDecision",
        verbose_name=_("keputusan yang dibanding"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
    )
    stage = models.CharField(_("tahap"), max_length=12, choices=c.Stage.choices, default=c.Stage.RECEIVED)
    forwarded_to = models.CharField(_("diteruskan ke unit"), max_length=150, blank=True)
    follow_up_plan = models.TextField(_("rencana tindak lanjut"), max_length=2000, blank=True)
    assignees: models.ManyToManyField[User, GrievanceAssignment] = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("petugas yang ditunjuk"),
        through="GrievanceAssignment",
        through_fields=("case", "user"),
        related_name="assigned_grievances",
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dicatat oleh"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("pengaduan")
        verbose_name_plural = _("pengaduan")
        ordering = ["stage_entered_on", "id"]
        indexes = [
            models.Index(fields=["stage", "stage_entered_on"], name="grievance_stage_entered_idx"),
            models.Index(fields=["village", "received_on"], name="grievance_village_received_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(anonymous=False) | Q(complainant_name=""),
                name="grievance_anonymous_has_no_name",
                violation_error_message=_("Pengaduan tanpa nama tidak menyimpan nama pelapor."),
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.stage in c.OPEN_STAGES

    @property
    def restricted(self) -> bool:
        return self.sensitivity in c.RESTRICTED

    @property
    def public_status(self) -> str:
        if self.stage == c.Stage.RECEIVED:
            return c.PublicStatus.RECEIVED
        if self.stage == c.Stage.FORWARDED:
            return c.PublicStatus.IN_PROGRESS
        if self.stage == c.Stage.FOLLOW_UP:
            return c.PublicStatus.ANSWERED
        return c.PublicStatus.CLOSED

    def clean_fields(self, exclude=None) -> None:
        normalise_phone_fields(self, "complainant_phone")
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if not (self.description or "").strip():
            errors.setdefault("description", []).append(_("Tuliskan isi pengaduan."))
        if self.category == c.Category.TARGETING_OBJECTION and not self.objection_kind:
            errors.setdefault("objection_kind", []).append(
                _("Pilih: seharusnya masuk daftar, atau seharusnya tidak masuk daftar.")
            )
        if self.category != c.Category.TARGETING_OBJECTION and self.objection_kind:
            self.objection_kind = ""
        if self.anonymous:
            self.complainant_name = ""
        if self.reply_channel and not self.complainant_phone:
            errors.setdefault("complainant_phone", []).append(_("Isi nomor HP untuk menerima kabar."))
        if self.received_on and self.received_on > timezone.localdate():
            errors.setdefault("received_on", []).append(_("Tanggal pengaduan tidak boleh di masa depan."))
        person = self.person if self.person_id else None
        if person is not None and self.household_id and person.household_id != self.household_id:
            errors.setdefault("household", []).append(_("Penduduk ini bukan anggota rumah tangga yang dipilih."))
        assistance = self.assistance if self.assistance_id else None
        if assistance is not None and self.person_id and assistance.person_id != self.person_id:
            errors.setdefault("assistance", []).append(_("Bantuan ini milik penduduk lain."))
        if errors:
            raise ValidationError(errors)


class GrievanceAssignment(models.Model):
    """A named handler of a grievance. For a restricted grievance, the only people who may read it."""

    case = models.ForeignKey(Grievance, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grievance_assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("petugas pengaduan yang ditunjuk")
        verbose_name_plural = _("petugas pengaduan yang ditunjuk")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="grievance_assignment_unique")]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.user_id}"


class GrievanceAssignmentLog(AssignmentLogBase):
    case = models.ForeignKey(Grievance, on_delete=models.CASCADE, related_name="assignment_log")

    class Meta:
        verbose_name = _("riwayat penunjukan petugas pengaduan")
        verbose_name_plural = _("riwayat penunjukan petugas pengaduan")
        ordering = ["at", "id"]


class GrievanceStageChange(StageChangeBase):
    case = models.ForeignKey(Grievance, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("dari tahap"), max_length=12, choices=c.Stage.choices)
    to_stage = models.CharField(_("ke tahap"), max_length=12, choices=c.Stage.choices)
    note = models.CharField(_("keterangan"), max_length=300, blank=True)
    # Empty for a move the daily check makes (closing a follow-up the complainant did not reply to).
    by = models.ForeignKey(  # type: ignore[assignment]
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("perpindahan tahap pengaduan")
        verbose_name_plural = _("perpindahan tahap pengaduan")
        ordering = ["at", "id"]


class GrievanceEscalation(EscalationBase):
    case = models.ForeignKey(Grievance, on_delete=models.CASCADE, related_name="escalations")

    class Meta:
        verbose_name = _("eskalasi pengaduan")
        verbose_name_plural = _("eskalasi pengaduan")
        ordering = ["at", "id"]


class GrievanceDecision(models.Model):
    """The decision on a grievance, given to the complainant as the follow-up. An appeal points to it."""

    case = models.ForeignKey(Grievance, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(_("keputusan"), max_length=16, choices=c.Outcome.choices)
    reason = models.TextField(_("alasan dan tindak lanjut"), max_length=2000)
    referred_to = models.CharField(_("dirujuk ke"), max_length=150, blank=True)
    applied_to_run = models.BooleanField(_("diterapkan ke daftar penerima"), default=False)
    decided_on = models.DateField(_("tanggal keputusan"), default=timezone.localdate)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("keputusan pengaduan")
        verbose_name_plural = _("keputusan pengaduan")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.outcome}"


class InboundMessage(models.Model):
    """A message received through the SMS/WhatsApp gateway's webhook. The gateway's id makes a retried delivery
    count once."""

    channel = models.CharField(_("saluran"), max_length=10, choices=[("sms", "SMS"), ("whatsapp", "WhatsApp")])
    external_id = models.CharField(_("id gateway"), max_length=100)
    sender = models.CharField(_("pengirim"), max_length=16)
    body = models.TextField(_("isi"), max_length=4000)
    grievance = models.ForeignKey(
        Grievance, on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound_messages"
    )
    received_at = models.DateTimeField(_("diterima"), auto_now_add=True)

    class Meta:
        verbose_name = _("pesan masuk")
        verbose_name_plural = _("pesan masuk")
        constraints = [models.UniqueConstraint(fields=["channel", "external_id"], name="inbound_message_unique")]

    def __str__(self) -> str:
        return f"{self.channel} {self.external_id}"
