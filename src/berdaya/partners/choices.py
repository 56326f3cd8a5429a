"""Controlled lists of partners. Codes are stable English slugs; labels are Indonesian and translatable."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AgreementKind(models.TextChoices):
    MOU = "mou", _("Nota kesepahaman (MoU)")
    PKS = "pks", _("Perjanjian kerja sama (PKS)")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Rancangan")
    SIGNED = "signed", _("Ditandatangani")
    ACTIVE = "active", _("Berlaku")
    ENDED = "ended", _("Berakhir")


# One way only: an agreement that ended is renewed by a new agreement, so its history stays as it was signed.
AGREEMENT_TRANSITIONS: dict[str, set[str]] = {
    AgreementStatus.DRAFT: {AgreementStatus.SIGNED},
    AgreementStatus.SIGNED: {AgreementStatus.ACTIVE},
    AgreementStatus.ACTIVE: {AgreementStatus.ENDED},
    AgreementStatus.ENDED: set(),
}
# Agreements whose end date matters: the reminder lists them.
RUNNING_AGREEMENT_STATUSES = (AgreementStatus.SIGNED, AgreementStatus.ACTIVE)
REMINDER_DAYS = 60


class CommitmentKind(models.TextChoices):
    FUNDS = "funds", _("Dana (Rp)")
    TRAININGS = "trainings", _("Pelatihan")
    TRAINERS = "trainers", _("Pelatih / narasumber")
    EQUIPMENT = "equipment", _("Peralatan / barang")
    MARKET_ACCESS = "market_access", _("Akses pasar (pembelian hasil)")
    JOBS = "jobs", _("Magang / lapangan kerja")


# The unit each kind is counted in when the form leaves it empty.
DEFAULT_UNITS: dict[str, str] = {
    CommitmentKind.FUNDS: "Rp",
    CommitmentKind.TRAININGS: "sesi",
    CommitmentKind.TRAINERS: "orang",
    CommitmentKind.EQUIPMENT: "unit",
    CommitmentKind.MARKET_ACCESS: "ton",
    CommitmentKind.JOBS: "orang",
}


class ReachMeasure(models.TextChoices):
    """What the 4W map colours districts by."""

    ORGANISATIONS = "organisations", _("Jumlah organisasi aktif")
    PEOPLE = "people", _("Jumlah penerima manfaat terjangkau")


class AreaLevel(models.TextChoices):
    DISTRICT = "district", _("Kecamatan")
    VILLAGE = "village", _("Desa / kelurahan")


class Role(models.TextChoices):
    """An organisation's part in a programme, as the 4W matrix shows it."""

    ORGANISER = "organiser", _("Pelaksana")
    FUNDER = "funder", _("Penyandang dana")
