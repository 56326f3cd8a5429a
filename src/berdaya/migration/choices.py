"""Controlled lists of the migrant-worker module (UU 18/2017, ../shared/domain.md). Codes are stable slugs; labels
are Indonesian and translatable."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from berdaya.casework.choices import AssignmentAction as CaseworkAssignmentAction


class Stage(models.TextChoices):
    """The lifecycle of one migration episode: before, during and after working away."""

    PLANNED = "planned", _("Rencana berangkat")
    PRE_DEPARTURE = "pre_departure", _("Pra-keberangkatan")
    WORKING = "working", _("Bekerja (penempatan)")
    RETURNED = "returned", _("Sudah pulang")
    CANCELLED = "cancelled", _("Batal berangkat")


# A person has at most one episode in these stages at a time.
OPEN_STAGES = (Stage.PLANNED, Stage.PRE_DEPARTURE, Stage.WORKING)
PROSPECTIVE_STAGES = (Stage.PLANNED, Stage.PRE_DEPARTURE)

# Forward moves only. Non-procedural departures often skip the pre-departure stage entirely: that is allowed,
# because recording them at all is the point.
STAGE_MOVES: dict[str, tuple[str, ...]] = {
    Stage.PLANNED: (Stage.PRE_DEPARTURE, Stage.WORKING, Stage.CANCELLED),
    Stage.PRE_DEPARTURE: (Stage.WORKING, Stage.CANCELLED),
    Stage.WORKING: (Stage.RETURNED,),
    Stage.RETURNED: (),
    Stage.CANCELLED: (),
}


class Destination(models.TextChoices):
    """Where the person works: a country (ISO 3166-1) or, inside Indonesia, a province (ISO 3166-2:ID)."""

    MALAYSIA = "MY", _("Malaysia")
    TAIWAN = "TW", _("Taiwan")
    HONG_KONG = "HK", _("Hong Kong")
    SAUDI_ARABIA = "SA", _("Arab Saudi")
    SINGAPORE = "SG", _("Singapura")
    KOREA = "KR", _("Korea Selatan")
    JAPAN = "JP", _("Jepang")
    BRUNEI = "BN", _("Brunei Darussalam")
    UAE = "AE", _("Uni Emirat Arab")
    QATAR = "QA", _("Qatar")
    OTHER_ABROAD = "ZZ", _("Negara lain")
    RIAU = "ID-RI", _("Riau")
    RIAU_ISLANDS = "ID-KR", _("Kepulauan Riau (Batam)")
    JAMBI = "ID-JA", _("Jambi (kabupaten/kota lain)")
    SOUTH_SUMATRA = "ID-SS", _("Sumatera Selatan")
    WEST_SUMATRA = "ID-SB", _("Sumatera Barat")
    BENGKULU = "ID-BE", _("Bengkulu")
    JAKARTA = "ID-JK", _("DKI Jakarta")
    WEST_JAVA = "ID-JB", _("Jawa Barat")
    EAST_KALIMANTAN = "ID-KI", _("Kalimantan Timur")
    OTHER_DOMESTIC = "ID-ZZ", _("Provinsi lain di Indonesia")


def is_abroad(destination: str) -> bool:
    return bool(destination) and not destination.startswith("ID-")


ABROAD_DESTINATIONS = [d.value for d in Destination if is_abroad(d.value)]


class Sector(models.TextChoices):
    # The law's three kinds (company, individual/household, ship crew) plus the sectors Merangin people go into.
    COMPANY = "company", _("Perusahaan/badan hukum")
    HOUSEHOLD = "household", _("Pemberi kerja perseorangan/rumah tangga")
    SHIP_CREW = "ship_crew", _("Awak kapal niaga/perikanan")
    PLANTATION = "plantation", _("Perkebunan")
    CONSTRUCTION = "construction", _("Konstruksi")
    OTHER = "other", _("Lainnya")


class Channel(models.TextChoices):
    P3MI = "p3mi", _("Melalui perusahaan penempatan (P3MI)")
    GOVERNMENT = "government", _("Program pemerintah (G to G)")
    SELF = "self", _("Mandiri (perseorangan, terdaftar)")
    NON_PROCEDURAL = "non_procedural", _("Non-prosedural (tanpa dokumen resmi)")


class Document(models.TextChoices):
    """The pre-departure requirements of UU 18/2017. Each is a boolean field `doc_<code>` on the episode."""

    PASSPORT = "passport", _("Paspor")
    VISA = "visa", _("Visa kerja")
    PLACEMENT_AGREEMENT = "placement_agreement", _("Perjanjian penempatan")
    WORK_CONTRACT = "work_contract", _("Perjanjian kerja")
    HEALTH_CHECK = "health_check", _("Pemeriksaan kesehatan")
    BPJS = "bpjs", _("BPJS Ketenagakerjaan")
    FAMILY_CONSENT = "family_consent", _("Izin suami/istri/orang tua diketahui kepala desa")
    ORIENTATION = "orientation", _("Orientasi pra-pemberangkatan (OPP)")


# Working in another province needs neither passport, visa, a placement agreement nor the OPP; a contract, social
# security and the family's consent still protect the worker.
DOMESTIC_DOCUMENTS = (Document.WORK_CONTRACT, Document.HEALTH_CHECK, Document.BPJS, Document.FAMILY_CONSENT)


def required_documents(destination: str) -> list[str]:
    if not destination or is_abroad(destination):
        return [d.value for d in Document]
    return [d.value for d in DOMESTIC_DOCUMENTS]


class Reporter(models.TextChoices):
    WORKER = "worker", _("Pekerja migran sendiri")
    FAMILY = "family", _("Keluarga")
    VILLAGE = "village", _("Pemerintah desa")
    PARTNER_NGO = "partner_ngo", _("LSM mitra")
    OTHER = "other", _("Lainnya")


class ComplaintType(models.TextChoices):
    """The national complaint list (../shared/domain.md)."""

    UNPAID_WAGES = "unpaid_wages", _("Gaji tidak dibayar")
    REPATRIATION = "repatriation", _("Ingin dipulangkan")
    DOCUMENT_RETENTION = "document_retention", _("Dokumen ditahan")
    VIOLENCE = "violence", _("Kekerasan dari majikan")
    SEXUAL_HARASSMENT = "sexual_harassment", _("Pelecehan seksual")
    NOT_AS_CONTRACTED = "not_as_contracted", _("Pekerjaan tidak sesuai perjanjian kerja")
    FRAUD = "fraud", _("Penipuan peluang kerja")
    TRAFFICKING = "trafficking", _("Indikasi perdagangan orang (TPPO)")
    ILLNESS = "illness", _("Sakit")
    DEATH = "death", _("Meninggal dunia")
    LOST_CONTACT = "lost_contact", _("Hilang kontak")
    SOCIAL_SECURITY = "social_security", _("Klaim jaminan sosial")
    FAILED_TO_DEPART = "failed_to_depart", _("Gagal berangkat")
    DEPORTATION = "deportation", _("Dideportasi")
    PREGNANCY = "pregnancy", _("Hamil")
    OTHER = "other", _("Lainnya")


class Priority(models.IntegerChoices):
    NORMAL = 1, _("Biasa")
    HIGH = 2, _("Tinggi")
    URGENT = 3, _("Mendesak")


class CaseStage(models.TextChoices):
    INTAKE = "intake", _("Penerimaan pengaduan")
    ASSESSMENT = "assessment", _("Asesmen")
    REFERRAL = "referral", _("Rujukan")
    FOLLOW_UP = "follow_up", _("Tindak lanjut")
    RESOLVED = "resolved", _("Selesai")
    CLOSED = "closed", _("Ditutup")


# The workflow in order. "Closed" may follow any stage; closing an unresolved case needs a reason.
CASE_FLOW = [CaseStage.INTAKE, CaseStage.ASSESSMENT, CaseStage.REFERRAL, CaseStage.FOLLOW_UP, CaseStage.RESOLVED]
OPEN_CASE_STAGES = (CaseStage.INTAKE, CaseStage.ASSESSMENT, CaseStage.REFERRAL, CaseStage.FOLLOW_UP)


class ReferralTarget(models.TextChoices):
    DISNAKER = "disnaker", _("Dinas Tenaga Kerja (Disnaker)")
    BP3MI = "bp3mi", _("BP3MI (balai pelindungan provinsi)")
    POLICE = "police", _("Kepolisian")
    LEGAL_AID = "legal_aid", _("LSM bantuan hukum")
    EMBASSY = "embassy", _("Perwakilan RI (KBRI/KJRI) di luar negeri")
    OTHER = "other", _("Lainnya")


class NotificationKind(models.TextChoices):
    TRAFFICKING = "trafficking", _("Indikasi perdagangan orang")
    ASSIGNED = "assigned", _("Penugasan kasus")
    SELF_ASSIGNED = "self_assigned", _("Penugasan diri pada kasus")


# One list for every case type (berdaya.casework).
AssignmentAction = CaseworkAssignmentAction
