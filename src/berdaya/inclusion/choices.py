"""Controlled lists of disability inclusion (UU 8/2016, ../shared/domain.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DisabilityType(models.TextChoices):
    """The five types named by UU 8/2016, as recorded on the disability card (KPD)."""

    PHYSICAL = "physical", _("Disabilitas fisik")
    INTELLECTUAL = "intellectual", _("Disabilitas intelektual")
    MENTAL = "mental", _("Disabilitas mental")
    SENSORY = "sensory", _("Disabilitas sensorik")
    MULTIPLE = "multiple", _("Disabilitas ganda/multi")


class Device(models.TextChoices):
    WHEELCHAIR = "wheelchair", _("Kursi roda")
    HEARING_AID = "hearing_aid", _("Alat bantu dengar")
    GLASSES = "glasses", _("Kacamata")
    CRUTCHES = "crutches", _("Kruk")
    WHITE_CANE = "white_cane", _("Tongkat putih")
    PROSTHESIS = "prosthesis", _("Prostesis (kaki/tangan palsu)")
    OTHER = "other", _("Lainnya")


class DeviceStatus(models.TextChoices):
    NEEDED = "needed", _("Dibutuhkan")
    RECEIVED = "received", _("Sudah diterima")


class SupportNeed(models.TextChoices):
    """What a person needs to take part in a programme. Each is a boolean `need_<code>` on DisabilityProfile."""

    SIGN_LANGUAGE = "sign_language", _("juru bahasa isyarat")
    COMPANION = "companion", _("pendamping")
    ACCESSIBLE_VENUE = "accessible_venue", _("tempat yang aksesibel (tanpa tangga)")
    LARGE_PRINT = "large_print", _("materi huruf besar")
    EASY_READ = "easy_read", _("materi mudah dibaca (easy-read)")


# The session feature (berdaya.programmes.Session boolean field) that meets each need. A companion comes with the
# person, so no venue feature is needed for it.
NEED_SESSION_FLAG: dict[str, str | None] = {
    SupportNeed.SIGN_LANGUAGE: "sign_language",
    SupportNeed.COMPANION: None,
    SupportNeed.ACCESSIBLE_VENUE: "step_free",
    SupportNeed.LARGE_PRINT: "large_print",
    SupportNeed.EASY_READ: "easy_read",
}

# When a person has no recorded profile yet, needs are inferred from the WG-SS answers at the standard cut-off
# ("a lot of difficulty" or worse), so that nobody is left out just because the details were not filled in.
WGSS_INFERRED_NEEDS: dict[str, str] = {
    "wgss_walking": SupportNeed.ACCESSIBLE_VENUE,
    "wgss_hearing": SupportNeed.SIGN_LANGUAGE,
    "wgss_seeing": SupportNeed.LARGE_PRINT,
    "wgss_remembering": SupportNeed.EASY_READ,
    "wgss_selfcare": SupportNeed.COMPANION,
}
