"""Controlled lists of programmes. Codes are stable English slugs; labels are Indonesian and translatable."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class ProgrammeKind(models.TextChoices):
    SKILLS_TRAINING = "skills_training", _("Pelatihan keterampilan")
    FIELD_SCHOOL = "field_school", _("Sekolah lapang / teknik budidaya modern")
    FARM_BUSINESS = "farm_business", _("Manajemen usaha tani")
    CAPITAL = "capital", _("Hibah modal usaha / dana bergulir")
    IN_KIND = "in_kind", _("Bantuan barang")
    MARKET_ACCESS = "market_access", _("Akses pasar")
    PROTECTION = "protection", _("Pelindungan / reintegrasi")
    OTHER = "other", _("Lainnya")


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", _("Rancangan")
    OPEN = "open", _("Pendaftaran dibuka")
    RUNNING = "running", _("Berjalan")
    CLOSED = "closed", _("Selesai / ditutup")


# A programme moves forward; "open" may go back to "draft" while nobody is enrolled yet is not enforced, because
# planners reopen a call for participants after fixing a mistake.
PROGRAMME_TRANSITIONS: dict[str, set[str]] = {
    ProgrammeStatus.DRAFT: {ProgrammeStatus.OPEN},
    ProgrammeStatus.OPEN: {ProgrammeStatus.DRAFT, ProgrammeStatus.RUNNING, ProgrammeStatus.CLOSED},
    ProgrammeStatus.RUNNING: {ProgrammeStatus.CLOSED},
    ProgrammeStatus.CLOSED: set(),
}


class TargetGroup(models.TextChoices):
    SMALLHOLDER = "smallholder", _("Petani kecil")
    MIGRANT = "migrant", _("Pekerja migran dan keluarganya")
    DISABILITY = "disability", _("Penyandang disabilitas")
    WOMEN = "women", _("Perempuan")
    FEMALE_HEADED = "female_headed", _("Perempuan kepala keluarga")
    YOUTH = "youth", _("Pemuda (16-30 tahun)")
    ELDERLY = "elderly", _("Lanjut usia")


class EnrolmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("Diusulkan")
    ENROLLED = "enrolled", _("Terdaftar")
    ACTIVE = "active", _("Aktif mengikuti")
    COMPLETED = "completed", _("Lulus / selesai")
    DROPPED_OUT = "dropped_out", _("Putus / mengundurkan diri")
    REJECTED = "rejected", _("Ditolak")
    # The duplicate of another enrolment of the same person, left when two records of one person were merged
    # (registry.merge): it holds no seat and is counted nowhere; undoing the merge gives it its status back.
    MERGED = "merged", _("Digabung (data ganda)")


# Statuses that hold a seat: capacity counts them, and a person has at most one of them per programme.
SEAT_STATUSES = (EnrolmentStatus.ENROLLED, EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED)
OPEN_STATUSES = (EnrolmentStatus.PROPOSED, *SEAT_STATUSES)
ATTENDING_STATUSES = (EnrolmentStatus.ENROLLED, EnrolmentStatus.ACTIVE)
# Statuses for which the upcoming sessions matter: accessibility gaps are flagged for these.
UPCOMING_STATUSES = (EnrolmentStatus.PROPOSED, *ATTENDING_STATUSES)

ENROLMENT_TRANSITIONS: dict[str, set[str]] = {
    EnrolmentStatus.PROPOSED: {EnrolmentStatus.ENROLLED, EnrolmentStatus.REJECTED},
    EnrolmentStatus.ENROLLED: {EnrolmentStatus.ACTIVE, EnrolmentStatus.DROPPED_OUT},
    EnrolmentStatus.ACTIVE: {EnrolmentStatus.COMPLETED, EnrolmentStatus.DROPPED_OUT},
    EnrolmentStatus.COMPLETED: set(),
    EnrolmentStatus.DROPPED_OUT: set(),
    EnrolmentStatus.REJECTED: set(),
    EnrolmentStatus.MERGED: set(),
}
REASON_REQUIRED = {EnrolmentStatus.DROPPED_OUT, EnrolmentStatus.REJECTED}


class EnrolmentSource(models.TextChoices):
    MANUAL = "manual", _("Dipilih satu per satu")
    SUGGESTION = "suggestion", _("Dari saran kecocokan kebutuhan")
    LIST = "list", _("Dari daftar calon penerima")


class AssistanceKind(models.TextChoices):
    CASH_GRANT = "cash_grant", _("Hibah tunai")
    REVOLVING_LOAN = "revolving_loan", _("Pinjaman dana bergulir")
    IN_KIND = "in_kind", _("Bantuan barang")
    EQUIPMENT = "equipment", _("Peralatan usaha (mis. mesin jahit)")
    ASSISTIVE_DEVICE = "assistive_device", _("Alat bantu disabilitas")


# Money kinds must state a Rupiah amount; goods state a quantity (a Rupiah value is optional, for the budget).
MONEY_KINDS = (AssistanceKind.CASH_GRANT, AssistanceKind.REVOLVING_LOAN)


class AssistanceStatus(models.TextChoices):
    PLANNED = "planned", _("Direncanakan")
    APPROVED = "approved", _("Disetujui")
    DISBURSED = "disbursed", _("Disalurkan")
    ACKNOWLEDGED = "acknowledged", _("Diterima (tanda terima)")
    CANCELLED = "cancelled", _("Dibatalkan")


ASSISTANCE_TRANSITIONS: dict[str, set[str]] = {
    AssistanceStatus.PLANNED: {AssistanceStatus.APPROVED, AssistanceStatus.CANCELLED},
    AssistanceStatus.APPROVED: {AssistanceStatus.DISBURSED, AssistanceStatus.CANCELLED},
    AssistanceStatus.DISBURSED: {AssistanceStatus.ACKNOWLEDGED},
    AssistanceStatus.ACKNOWLEDGED: set(),
    AssistanceStatus.CANCELLED: set(),
}
# Assistance that counts as "received" for double-dipping, and as spent for the budget.
COMMITTED_STATUSES = (AssistanceStatus.APPROVED, AssistanceStatus.DISBURSED, AssistanceStatus.ACKNOWLEDGED)
SPENT_STATUSES = (AssistanceStatus.DISBURSED, AssistanceStatus.ACKNOWLEDGED)

# The controlled list of needs, seeded by migration 0002; (code, label).
# Names are stored in Indonesian and translated when shown (Need.__str__), so they are marked for the catalog.
NEEDS_SEED: list[tuple[str, str]] = [
    ("farm_processing", gettext_noop("Pengolahan hasil pertanian")),
    ("sewing", gettext_noop("Menjahit / tata busana")),
    ("bookkeeping", gettext_noop("Pembukuan usaha")),
    ("digital_marketing", gettext_noop("Pemasaran digital")),
    ("organic_farming", gettext_noop("Pertanian organik")),
    ("post_harvest", gettext_noop("Penanganan pascapanen")),
    ("safe_migration", gettext_noop("Migrasi aman")),
    ("assistive_device", gettext_noop("Alat bantu disabilitas")),
    ("business_capital", gettext_noop("Modal usaha")),
    ("coffee_cultivation", gettext_noop("Budidaya kopi")),
    ("rubber_tapping", gettext_noop("Penyadapan dan mutu karet")),
    ("livestock", gettext_noop("Beternak")),
    ("culinary", gettext_noop("Tata boga / olahan makanan")),
    ("handicraft", gettext_noop("Kerajinan tangan")),
    ("market_access", gettext_noop("Akses pasar dan pembeli")),
    ("reintegration", gettext_noop("Reintegrasi purna pekerja migran")),
]
