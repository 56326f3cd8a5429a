"""Controlled lists of targeting. Codes are stable English slugs; labels are Indonesian and translatable."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Menunggu")
    RUNNING = "running", _("Berjalan")
    SUCCEEDED = "succeeded", _("Selesai, menunggu tinjauan")
    FAILED = "failed", _("Gagal")
    APPROVED = "approved", _("Disetujui")


# A run in one of these states blocks another run for the same rule set (and the same programme).
ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class CandidateStatus(models.TextChoices):
    SELECTED = "selected", _("Terpilih")
    RESERVE = "reserve", _("Cadangan (memenuhi syarat, di luar kuota)")
    NEAR_MISS = "near_miss", _("Hampir memenuhi syarat")
    ADDED = "added", _("Ditambahkan petugas")


class Review(models.TextChoices):
    NONE = "", _("Belum ditinjau")
    EXCLUDED = "excluded", _("Dikeluarkan petugas")
    ADDED = "added", _("Ditambahkan petugas")


class ReviewAction(models.TextChoices):
    EXCLUDE = "exclude", _("Keluarkan")
    ADD = "add", _("Tambahkan")
    RESTORE = "restore", _("Kembalikan")
    APPROVE = "approve", _("Setujui daftar")


class ReviewSource(models.TextChoices):
    """Where a review decision came from: an officer's own review, a village meeting (musdes) or a grievance."""

    OFFICER = "officer", _("Tinjauan petugas")
    MUSDES = "musdes", _("Musyawarah desa")
    GRIEVANCE = "grievance", _("Pengaduan")


class PriorityKey(models.TextChoices):
    """Tie-breaks after the welfare decile, in the order the officer chooses."""

    DISABILITY = "disability", _("Penyandang disabilitas lebih dulu")
    FEMALE_HEADED = "female_headed", _("Rumah tangga dikepalai perempuan lebih dulu")
    FEMALE = "female", _("Perempuan lebih dulu")
    OLDER = "older", _("Yang lebih tua lebih dulu")
    LESS_LAND = "less_land", _("Lahan lebih sempit lebih dulu")
    LOWER_SCORE = "lower_score", _("Skor kesejahteraan lebih rendah lebih dulu")


class MinimumGroup(models.TextChoices):
    """Groups a quota can guarantee a minimum share of the selected list to."""

    WOMEN = "women", _("Perempuan")
    DISABILITY = "disability", _("Penyandang disabilitas")
    FEMALE_HEADED = "female_headed", _("Rumah tangga dikepalai perempuan")
    ELDERLY = "elderly", _("Lanjut usia")
