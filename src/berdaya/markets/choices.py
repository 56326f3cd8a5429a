"""Controlled lists of the markets app. Codes are stable English slugs; labels are Indonesian and translatable."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """Where a farmer sells: the same list for price points, buyers and sales, so they can be compared."""

    COLLECTOR = "collector", _("Pengepul di tingkat petani")
    UPPB = "uppb", _("UPPB / koperasi")
    MILL = "mill", _("Pabrik / pengolah")
    MARKET = "market", _("Pasar")
    OFFTAKE = "offtake", _("Kemitraan perusahaan (offtaker)")


# The organised channels: the "better price" the programme is about, against the collector at the farm gate.
ORGANISED_CHANNELS = (Channel.UPPB, Channel.MILL, Channel.OFFTAKE)


class PriceType(models.TextChoices):
    FARM_GATE = "farm_gate", _("Harga di tingkat petani")
    WHOLESALE = "wholesale", _("Harga grosir")
    RETAIL = "retail", _("Harga eceran")
    SET_PRICE = "set_price", _("Harga penetapan")


class Source(models.TextChoices):
    ENUMERATOR = "enumerator", _("Enumerator / petugas")
    PARTNER = "partner", _("Mitra")
    OFFICIAL = "official", _("Resmi (pemerintah)")


class ObservationStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Diterima")
    PENDING = "pending", _("Perlu konfirmasi")
    CONFIRMED = "confirmed", _("Dikonfirmasi (di luar kebiasaan)")
    REJECTED = "rejected", _("Ditolak")


# Only these count in medians, charts, bulletins and reference prices.
COUNTED_STATUSES = (ObservationStatus.ACCEPTED, ObservationStatus.CONFIRMED)


class BuyerKind(models.TextChoices):
    MILL = "mill", _("Pabrik kelapa sawit / pabrik karet")
    UPPB = "uppb", _("UPPB")
    COOPERATIVE = "cooperative", _("Koperasi")
    COMPANY = "company", _("Perusahaan")
    EXPORTER = "exporter", _("Eksportir")
    COLLECTOR = "collector", _("Pedagang pengepul")


BUYER_CHANNEL: dict[str, str] = {
    BuyerKind.MILL: Channel.MILL,
    BuyerKind.UPPB: Channel.UPPB,
    BuyerKind.COOPERATIVE: Channel.UPPB,
    BuyerKind.COMPANY: Channel.OFFTAKE,
    BuyerKind.EXPORTER: Channel.OFFTAKE,
    BuyerKind.COLLECTOR: Channel.COLLECTOR,
}


class MessageChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")


class ConsentBasis(models.TextChoices):
    CONSENT = "consent", _("Persetujuan yang bersangkutan")
    GUARDIAN = "guardian", _("Persetujuan wali")


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("Antre")
    SENT = "sent", _("Terkirim ke gateway")
    DELIVERED = "delivered", _("Sampai di HP")
    FAILED = "failed", _("Gagal")


class MessageKind(models.TextChoices):
    BULLETIN = "bulletin", _("Buletin harga")
    ALERT = "alert", _("Peringatan perubahan harga")
    GRIEVANCE = "grievance", _("Kabar pengaduan")
    CONSENT = "consent", _("Konfirmasi berhenti berlangganan")


class WithdrawnVia(models.TextChoices):
    """How a subscriber's consent was withdrawn."""

    OFFICER = "officer", _("Dicatat petugas")
    SMS = "sms", _("Balasan SMS (STOP)")
    WHATSAPP = "whatsapp", _("Balasan WhatsApp (STOP)")


class Keyword(models.TextChoices):
    """What an inbound message asks of the messaging (everything else goes to grievances)."""

    STOP = "stop", _("Berhenti (STOP)")
    START = "start", _("Mulai lagi (START)")
