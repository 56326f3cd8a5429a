"""Migrant-worker protection (UU 18/2017): migration episodes, rights cases and their confidential notes.

Case content (summary, notes, documents) is specific personal data: only the assigned case workers and admins read
it (berdaya.migration.access), every reading is audit-logged, and none of it goes into logs, errors or exports.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from berdaya.casework.models import AssignmentLogBase, StageChangeBase, StageClock
from berdaya.core.documents import PrivateStorage, random_upload_name
from berdaya.core.phone import normalise_phone_fields, validate_phone

from . import choices as c

if TYPE_CHECKING:
    from berdaya.accounts.models import User


class CaseWorker(models.Model):
    """The case-worker capability. Kept here rather than as a flag on accounts.User so that the migration module
    owns who may handle rights cases; a supervisor also assigns cases and is notified of trafficking indications."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("pengguna"), on_delete=models.CASCADE, related_name="case_worker"
    )
    is_supervisor = models.BooleanField(_("supervisor"), default=False)
    is_active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pengelola kasus")
        verbose_name_plural = _("pengelola kasus")

    def __str__(self) -> str:
        return self.user.get_username()


class MigrationEpisode(models.Model):
    """One period of working away from home: planned, preparing, working, returned (or cancelled).

    A non-procedural departure is recorded with no documents and no placement company: the national system cannot
    see these workers, so the district must.
    """

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("penduduk"), on_delete=models.PROTECT, related_name="migration_episodes"
    )
    stage = models.CharField(_("tahap"), max_length=20, choices=c.Stage.choices, default=c.Stage.PLANNED)
    destination = models.CharField(_("negara/provinsi tujuan"), max_length=5, choices=c.Destination.choices)
    destination_detail = models.CharField(_("kota/wilayah tujuan"), max_length=100, blank=True)
    sector = models.CharField(_("sektor pekerjaan"), max_length=20, choices=c.Sector.choices, blank=True)
    employer = models.CharField(_("pemberi kerja"), max_length=150, blank=True)
    channel = models.CharField(_("jalur penempatan"), max_length=20, choices=c.Channel.choices)
    placement_company = models.CharField(_("perusahaan penempatan (P3MI)"), max_length=150, blank=True)
    placement_company_licence = models.CharField(_("nomor izin P3MI (SIP3MI)"), max_length=60, blank=True)
    contract_start = models.DateField(_("awal kontrak"), null=True, blank=True)
    contract_end = models.DateField(_("akhir kontrak"), null=True, blank=True)
    departure_date = models.DateField(_("tanggal berangkat"), null=True, blank=True)
    return_date = models.DateField(_("tanggal pulang"), null=True, blank=True)

    doc_passport = models.BooleanField(c.Document.PASSPORT.label, default=False)
    doc_visa = models.BooleanField(c.Document.VISA.label, default=False)
    doc_placement_agreement = models.BooleanField(c.Document.PLACEMENT_AGREEMENT.label, default=False)
    doc_work_contract = models.BooleanField(c.Document.WORK_CONTRACT.label, default=False)
    doc_health_check = models.BooleanField(c.Document.HEALTH_CHECK.label, default=False)
    doc_bpjs = models.BooleanField(c.Document.BPJS.label, default=False)
    doc_family_consent = models.BooleanField(c.Document.FAMILY_CONSENT.label, default=False)
    doc_orientation = models.BooleanField(c.Document.ORIENTATION.label, default=False)

    # The family contact at home: a registered person, or a name and phone number.
    family_contact = models.ForeignKey(
        "registry.Person",
        verbose_name=_("kontak keluarga (terdaftar)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    family_contact_name = models.CharField(_("nama kontak keluarga"), max_length=150, blank=True)
    family_contact_phone = models.CharField(
        _("nomor HP kontak keluarga"), max_length=16, blank=True, validators=[validate_phone]
    )
    family_contact_relationship = models.CharField(_("hubungan kontak keluarga"), max_length=60, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dicatat oleh"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("episode migrasi kerja")
        verbose_name_plural = _("episode migrasi kerja")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(return_date__isnull=True)
                | Q(departure_date__isnull=True)
                | Q(return_date__gte=models.F("departure_date")),
                name="episode_return_after_departure",
                violation_error_message=_("Tanggal pulang tidak boleh sebelum tanggal berangkat."),
            ),
            models.CheckConstraint(
                condition=Q(contract_end__isnull=True)
                | Q(contract_start__isnull=True)
                | Q(contract_end__gte=models.F("contract_start")),
                name="episode_contract_end_after_start",
                violation_error_message=_("Akhir kontrak tidak boleh sebelum awal kontrak."),
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(stage__in=["planned", "pre_departure", "working"]),
                name="episode_one_open_per_person",
                violation_error_message=_("Penduduk ini sudah punya episode migrasi yang masih berjalan."),
            ),
        ]
        indexes = [models.Index(fields=["stage", "person"], name="episode_stage_person_idx")]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} · {self.get_destination_display()}"

    @property
    def abroad(self) -> bool:
        return c.is_abroad(self.destination)

    def required_documents(self) -> list[str]:
        return c.required_documents(self.destination)

    def missing_documents(self) -> list[str]:
        return [d for d in self.required_documents() if not getattr(self, f"doc_{d}")]

    def document_checklist(self) -> list[tuple[str, str, bool]]:
        return [(d, str(c.Document(d).label), getattr(self, f"doc_{d}")) for d in self.required_documents()]

    def clean_fields(self, exclude=None) -> None:
        normalise_phone_fields(self, "family_contact_phone")
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        errors: dict[str, list] = {}
        today = timezone.localdate()
        if self.return_date and self.departure_date and self.return_date < self.departure_date:
            errors.setdefault("return_date", []).append(_("Tanggal pulang tidak boleh sebelum tanggal berangkat."))
        if self.contract_start and self.contract_end and self.contract_end < self.contract_start:
            errors.setdefault("contract_end", []).append(_("Akhir kontrak tidak boleh sebelum awal kontrak."))
        if self.return_date and self.return_date > today:
            errors.setdefault("return_date", []).append(_("Tanggal pulang tidak boleh di masa depan."))
        if self.stage in (c.Stage.WORKING, c.Stage.RETURNED) and not self.departure_date:
            errors.setdefault("departure_date", []).append(
                _("Isi tanggal berangkat (perkiraan pun boleh) untuk pekerja yang sudah berangkat.")
            )
        if self.departure_date and self.stage in (c.Stage.WORKING, c.Stage.RETURNED) and self.departure_date > today:
            errors.setdefault("departure_date", []).append(_("Tanggal berangkat tidak boleh di masa depan."))
        if self.stage == c.Stage.RETURNED and not self.return_date:
            errors.setdefault("return_date", []).append(_("Isi tanggal pulang."))
        if self.stage != c.Stage.RETURNED and self.return_date:
            errors.setdefault("return_date", []).append(
                _("Tanggal pulang hanya diisi untuk pekerja yang sudah pulang.")
            )
        if self.channel == c.Channel.P3MI and not self.placement_company.strip():
            errors.setdefault("placement_company", []).append(_("Isi nama perusahaan penempatan (P3MI)."))
        if self.channel == c.Channel.NON_PROCEDURAL and (self.placement_company_licence.strip()):
            errors.setdefault("placement_company_licence", []).append(
                _("Jalur non-prosedural tidak punya nomor izin P3MI: pilih jalur P3MI bila perusahaannya berizin.")
            )
        if self.family_contact_id and self.family_contact_id == self.person_id:
            errors.setdefault("family_contact", []).append(_("Kontak keluarga harus orang lain di rumah."))
        if self.family_contact_phone and not (self.family_contact_name.strip() or self.family_contact_id):
            errors.setdefault("family_contact_name", []).append(_("Isi nama pemilik nomor HP kontak keluarga."))
        if errors:
            raise ValidationError(errors)


def _case_storage() -> FileSystemStorage:
    # Outside MEDIA_ROOT on purpose: case documents are only ever served by the access-checked, audited view.
    return PrivateStorage("case-documents", root=lambda: Path(settings.DATA_DIR) / "private")


def _case_document_path(instance: CaseDocument, filename: str) -> str:
    return random_upload_name(filename)


class RightsCase(StageClock, models.Model):
    """A complaint about a migrant worker's rights, handled by assigned case workers through a staged workflow.

    Its clock (received, entered the current stage, closed) is the case engine's (berdaya.casework.StageClock):
    `stage_entered_on` is all the SLA needs, the due date and state of the current stage are computed in SQL from it
    and conf().case_sla_days (berdaya.migration.sla), so a changed SLA applies to every open case at once.
    """

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("pekerja migran"), on_delete=models.PROTECT, related_name="rights_cases"
    )
    episode = models.ForeignKey(
        MigrationEpisode,
        verbose_name=_("episode migrasi"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    reported_by = models.CharField(_("pelapor"), max_length=20, choices=c.Reporter.choices)
    reporter_organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisasi pelapor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reporter_name = models.CharField(_("nama pelapor"), max_length=150, blank=True)
    reporter_phone = models.CharField(_("nomor HP pelapor"), max_length=16, blank=True, validators=[validate_phone])
    complaint_type = models.CharField(_("jenis pengaduan"), max_length=30, choices=c.ComplaintType.choices)
    summary = models.TextField(_("uraian pengaduan"), max_length=4000)
    priority = models.PositiveSmallIntegerField(_("prioritas"), choices=c.Priority.choices, default=c.Priority.NORMAL)
    stage = models.CharField(_("tahap"), max_length=20, choices=c.CaseStage.choices, default=c.CaseStage.INTAKE)
    assignees: models.ManyToManyField[User, CaseAssignment] = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pengelola kasus yang ditugaskan"),
        through="CaseAssignment",
        through_fields=("case", "user"),
        related_name="assigned_cases",
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dicatat oleh"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("kasus pelindungan PMI")
        verbose_name_plural = _("kasus pelindungan PMI")
        ordering = ["-priority", "stage_entered_on", "id"]
        indexes = [models.Index(fields=["stage", "stage_entered_on"], name="case_stage_entered_idx")]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"KASUS-{self.pk:05d}" if self.pk else "KASUS-baru"

    @property
    def is_open(self) -> bool:
        return self.stage in c.OPEN_CASE_STAGES

    def clean_fields(self, exclude=None) -> None:
        normalise_phone_fields(self, "reporter_phone")
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        if self.received_on and self.received_on > timezone.localdate():
            raise ValidationError({"received_on": _("Tanggal pengaduan tidak boleh di masa depan.")})
        if self.reported_by == c.Reporter.PARTNER_NGO and not self.reporter_organisation_id:
            raise ValidationError({"reporter_organisation": _("Pilih LSM mitra yang melapor.")})
        if self.episode is not None and self.episode.person_id != self.person_id:
            raise ValidationError({"episode": _("Episode migrasi ini milik penduduk lain.")})


class CaseAssignment(models.Model):
    """Who handles a case. Only users with the case-worker capability may be assigned (services check it)."""

    case = models.ForeignKey(RightsCase, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("penugasan kasus")
        verbose_name_plural = _("penugasan kasus")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="case_assignment_unique")]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.user_id}"


class CaseAssignmentLog(AssignmentLogBase):
    """Every assignment to a case and every removal (berdaya.casework.AssignmentLogBase): taking a case opens its
    confidential content, so who took it, who gave it and why stay on the case for its case workers to see."""

    case = models.ForeignKey(RightsCase, on_delete=models.CASCADE, related_name="assignment_log")

    class Meta:
        verbose_name = _("riwayat penugasan kasus")
        verbose_name_plural = _("riwayat penugasan kasus")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.action} {self.user_id}"


class CaseStageChange(StageChangeBase):
    """One move of a case through the workflow (berdaya.casework.StageChangeBase: date, whether it was past due,
    who), with the reason when a stage is skipped."""

    case = models.ForeignKey(RightsCase, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("dari tahap"), max_length=20, choices=c.CaseStage.choices)
    to_stage = models.CharField(_("ke tahap"), max_length=20, choices=c.CaseStage.choices)
    reason = models.CharField(_("alasan melompati tahap"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("perpindahan tahap kasus")
        verbose_name_plural = _("perpindahan tahap kasus")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"


class CaseReferral(models.Model):
    """Where a case was referred: Disnaker, BP3MI, the police, a legal-aid NGO or an embassy contact."""

    case = models.ForeignKey(RightsCase, on_delete=models.CASCADE, related_name="referrals")
    target = models.CharField(_("dirujuk ke"), max_length=20, choices=c.ReferralTarget.choices)
    institution = models.CharField(_("nama lembaga/kontak"), max_length=150, blank=True)
    referred_on = models.DateField(_("tanggal rujukan"), default=timezone.localdate)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("rujukan kasus")
        verbose_name_plural = _("rujukan kasus")
        ordering = ["referred_on", "id"]

    def __str__(self) -> str:
        return self.get_target_display()


class CaseNote(models.Model):
    """A confidential note on a case. Never logged, never exported."""

    case = models.ForeignKey(RightsCase, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("catatan"), max_length=4000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("catatan kasus")
        verbose_name_plural = _("catatan kasus")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        # Deliberately not the text: __str__ ends up in admin logs and error pages.
        return f"{_('catatan')} #{self.pk}"


class CaseDocument(models.Model):
    """A file attached to a case (PDF, image or office document), stored under a random name outside MEDIA_ROOT."""

    case = models.ForeignKey(RightsCase, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("berkas"), upload_to=_case_document_path, storage=_case_storage, max_length=200)
    title = models.CharField(_("judul dokumen"), max_length=150)
    original_name = models.CharField(_("nama berkas asli"), max_length=200, blank=True)
    content_type = models.CharField(_("jenis berkas"), max_length=100)
    size = models.PositiveIntegerField(_("ukuran (bita)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dokumen kasus")
        verbose_name_plural = _("dokumen kasus")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{_('dokumen')} #{self.pk}"


class Notification(models.Model):
    """An in-app message to a user (no e-mail). Holds the case reference and kind only, never case content."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(RightsCase, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(_("jenis"), max_length=20, choices=c.NotificationKind.choices)
    message = models.CharField(_("pesan"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notifikasi")
        verbose_name_plural = _("notifikasi")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.message
