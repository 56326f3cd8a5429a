"""Controlled lists of grievances (pengaduan). Codes are stable slugs; labels Indonesian and translatable."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    DESK = "desk", _("Loket (dicatat petugas)")
    WEB = "web", _("Formulir web publik")
    FACILITATOR = "facilitator", _("Melalui pendamping")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")


INBOUND_CHANNELS = (Channel.SMS, Channel.WHATSAPP)


class Category(models.TextChoices):
    TARGETING_OBJECTION = "targeting_objection", _("Keberatan atas daftar penerima")
    AID_NOT_RECEIVED = "aid_not_received", _("Bantuan tidak diterima atau kurang dari yang dijanjikan")
    ILLEGAL_FEE = "illegal_fee", _("Pungutan liar atau penyalahgunaan wewenang")
    DATA_CORRECTION = "data_correction", _("Perbaikan data")
    SERVICE_QUALITY = "service_quality", _("Mutu layanan")
    ACCESSIBILITY = "accessibility", _("Aksesibilitas")
    OTHER = "other", _("Lainnya")


class ObjectionKind(models.TextChoices):
    LEFT_OFF = "left_off", _("Seharusnya masuk daftar, tetapi tidak")
    SHOULD_NOT_BE_ON = "should_not_be_on", _("Seharusnya tidak masuk daftar")


class Sensitivity(models.TextChoices):
    """A restricted grievance is read only by its named handlers: not by officers, not by administrators."""

    NORMAL = "normal", _("Biasa")
    MISCONDUCT = "misconduct", _("Penyalahgunaan wewenang (terbatas)")
    SEXUAL_HARASSMENT = "sexual_harassment", _("Pelecehan seksual (terbatas)")


RESTRICTED = (Sensitivity.MISCONDUCT, Sensitivity.SEXUAL_HARASSMENT)


class Stage(models.TextChoices):
    """SP4N-LAPOR!: a report is verified and forwarded to the unit in charge, the unit gives a follow-up (here: the
    decision), and the report closes when the complainant does not reply to the follow-up."""

    RECEIVED = "received", _("Diterima")
    FORWARDED = "forwarded", _("Diteruskan ke unit")
    FOLLOW_UP = "follow_up", _("Ditindaklanjuti (menunggu tanggapan pelapor)")
    CLOSED = "closed", _("Selesai")


OPEN_STAGES = (Stage.RECEIVED, Stage.FORWARDED, Stage.FOLLOW_UP)


class Outcome(models.TextChoices):
    UPHELD = "upheld", _("Diterima")
    PARTLY_UPHELD = "partly_upheld", _("Diterima sebagian")
    REJECTED = "rejected", _("Ditolak")
    WITHDRAWN = "withdrawn", _("Dicabut pelapor")
    REFERRED = "referred", _("Dirujuk ke instansi lain")


UPHOLDING = (Outcome.UPHELD, Outcome.PARTLY_UPHELD)


class PublicStatus(models.TextChoices):
    """What the public status page says: the stage and, once decided, the outcome. Nothing else."""

    RECEIVED = "received", _("Diterima, sedang diverifikasi")
    IN_PROGRESS = "in_progress", _("Sedang ditangani unit terkait")
    ANSWERED = "answered", _("Sudah ditanggapi")
    CLOSED = "closed", _("Selesai")
