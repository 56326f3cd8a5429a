"""Controlled lists of the field-collection app. Codes are stable English slugs; labels are Indonesian."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FormKind(models.TextChoices):
    """The forms Berdaya generates as XLSForms, and whose submissions it ingests."""

    HOUSEHOLD = "household", _("Pendaftaran rumah tangga")
    PLOT = "plot", _("Lahan")
    HARVEST = "harvest", _("Panen")
    SALE = "sale", _("Penjualan")
    ATTENDANCE = "attendance", _("Daftar hadir")
    PRICES = "prices", _("Pengumpulan harga")
    OUTCOME = "outcome", _("Survei hasil (outcome)")


class SourceKind(models.TextChoices):
    CENTRAL = "central", _("ODK Central")
    KOBO = "kobo", _("KoboToolbox")


class SubmissionState(models.TextChoices):
    INGESTED = "ingested", _("Tersimpan")
    QUEUED = "queued", _("Perlu diperbaiki")
    # A form whose records have no home yet (the outcome survey waits for the monitoring module): kept, not lost.
    WAITING = "waiting", _("Menunggu modul tujuan")


class Origin(models.TextChoices):
    PULL = "pull", _("Ditarik dari server")
    UPLOAD = "upload", _("Unggahan berkas ekspor")
