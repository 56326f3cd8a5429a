"""Controlled lists of reports. Codes are stable English slugs; labels are Indonesian and translatable."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    REGENCY = "regency", _("Laporan kabupaten")
    PROGRAMME = "programme", _("Laporan program")


class Status(models.TextChoices):
    QUEUED = "queued", _("Menunggu")
    RUNNING = "running", _("Sedang dibuat")
    DONE = "done", _("Selesai")
    FAILED = "failed", _("Gagal")


class Reach(models.TextChoices):
    """Whose figures a report holds: the whole regency, or the people its requester may see (a partner's, a
    facilitator's villages)."""

    REGENCY = "regency", _("Seluruh kabupaten")
    OWN = "own", _("Wilayah/organisasi pemintanya")


QUARTER_NAMES = {1: "I", 2: "II", 3: "III", 4: "IV"}
