"""Controlled lists of the village consultation. Codes are stable English slugs; labels are Indonesian."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Direncanakan")
    APPLIED = "applied", _("Hasil sudah diterapkan")


class Decision(models.TextChoices):
    AGREED = "agreed", _("Disepakati")
    REMOVED = "removed", _("Dicoret")
    ADDED = "added", _("Ditambahkan")


class Source(models.TextChoices):
    """Where a value of the SIKS-NG proposal file comes from (ExportColumn.source)."""

    NIK = "nik", _("NIK")
    KK = "kk_number", _("Nomor KK")
    NAME = "full_name", _("Nama lengkap")
    SEX = "sex", _("Jenis kelamin")
    BIRTH_PLACE = "birth_place", _("Tempat lahir")
    BIRTH_DATE = "birth_date", _("Tanggal lahir")
    RELATIONSHIP = "relationship", _("Hubungan dalam keluarga")
    ADDRESS = "address", _("Alamat")
    RT = "rt", _("RT")
    RW = "rw", _("RW")
    PROVINCE_CODE = "province_code", _("Kode provinsi")
    REGENCY_CODE = "regency_code", _("Kode kabupaten")
    DISTRICT_CODE = "district_code", _("Kode kecamatan")
    DISTRICT_NAME = "district_name", _("Nama kecamatan")
    VILLAGE_CODE = "village_code", _("Kode desa")
    VILLAGE_NAME = "village_name", _("Nama desa")
    DECISION = "decision", _("Keputusan musdes")
    REASON = "reason", _("Alasan")
    DECILE = "decile", _("Desil")
    MEETING_DATE = "meeting_date", _("Tanggal musdes")
    MEETING_REF = "meeting_ref", _("Nomor berita acara")
    PROGRAMME = "programme", _("Program")
    FIXED = "fixed", _("Nilai tetap")
