"""The columns of the household import template: one row per person, household columns repeated on every row of
the household and grouped by "Kode rumah tangga" (or, when that is empty, by the KK number)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import TextChoices
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from berdaya.registry import choices as c
from berdaya.registry import rules
from berdaya.registry.models import Household, Person

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    level: str  # "household" or "person"
    kind: str  # text, code, choice, date, int, decimal, bool, nik, kk, phone, village, wgss
    help: StrOrPromise
    example: str = ""
    max_length: int = 0
    choices: type[TextChoices] | None = None
    aliases: tuple[str, ...] = field(default=())

    @property
    def required(self) -> bool:
        return self.key in rules.REQUIRED_FIELDS


def _formatted(message, **values) -> str:
    """A translated message with the rule's limits filled in, translated when it is shown."""
    return lazy(lambda: message % values, str)()


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


YES_NO = _("ya / tidak (kosong = tidak)")

COLUMNS: list[Column] = [
    Column(
        "hh_key",
        "Kode rumah tangga",
        "household",
        "code",
        _(
            "Kode bebas yang sama untuk semua anggota satu rumah tangga dalam file ini. Boleh kosong bila Nomor KK diisi."
        ),
        "RT-0001",
        max_length=60,
        aliases=("kode ruta", "id rumah tangga", "idrt", "id keluarga"),
    ),
    Column(
        "kk_number",
        "Nomor KK",
        "household",
        "kk",
        _("16 digit. Ketik sebagai teks agar Excel tidak mengubahnya."),
        "1502011201150003",
        aliases=("no kk", "nomor kartu keluarga", "nokk"),
    ),
    Column(
        "village_id",
        "Kode desa",
        "household",
        "village",
        _("Kode Kemendagri desa/kelurahan, mis. 15.02.01.2001."),
        "15.02.01.2001",
        aliases=("kode desa kelurahan", "kode wilayah", "kode kelurahan"),
    ),
    Column(
        "address",
        "Alamat",
        "household",
        "text",
        _("Alamat rumah."),
        "Jl. Lintas Sumatera",
        max_length=_max_length(Household, "address"),
        aliases=("alamat rumah",),
    ),
    Column("rt", "RT", "household", "rtrw", _("Angka 1-3 digit."), "003"),
    Column("rw", "RW", "household", "rtrw", _("Angka 1-3 digit."), "001"),
    Column(
        "floor_material",
        "Lantai",
        "household",
        "choice",
        _("Jenis lantai terluas."),
        "Kayu/papan",
        choices=c.FloorMaterial,
    ),
    Column(
        "wall_material",
        "Dinding",
        "household",
        "choice",
        _("Jenis dinding terluas."),
        "Kayu/papan",
        choices=c.WallMaterial,
    ),
    Column(
        "roof_material", "Atap", "household", "choice", _("Jenis atap terluas."), "Seng/asbes", choices=c.RoofMaterial
    ),
    Column(
        "water_source",
        "Sumber air minum",
        "household",
        "choice",
        "",
        "Sumur/mata air terlindung",
        choices=c.WaterSource,
    ),
    Column("toilet", "Fasilitas BAB", "household", "choice", "", "Bersama/umum", choices=c.Toilet),
    Column("lighting", "Penerangan", "household", "choice", "", "Listrik PLN dengan meteran", choices=c.Lighting),
    Column("cooking_fuel", "Bahan bakar memasak", "household", "choice", "", "Kayu bakar/arang", choices=c.CookingFuel),
    Column(
        "floor_area_m2",
        "Luas lantai (m2)",
        "household",
        "int",
        _formatted(_("Bilangan bulat %(min)s-%(max)s."), min=rules.FLOOR_AREA_MIN_M2, max=rules.FLOOR_AREA_MAX_M2),
        "36",
    ),
    Column(
        "land_operated_ha",
        "Luas lahan (ha)",
        "household",
        "decimal",
        _formatted(
            _("Luas lahan yang dikelola, %(min)s-%(max)s ha; koma atau titik desimal."),
            min=rules.LAND_MIN_HA,
            max=rules.LAND_MAX_HA,
        ),
        "1,5",
    ),
    Column(
        "land_tenure",
        "Status lahan",
        "household",
        "choice",
        _("Wajib bila luas lahan lebih dari 0."),
        "Milik sendiri",
        choices=c.LandTenure,
    ),
    Column("asset_motorcycle", "Punya sepeda motor", "household", "bool", YES_NO, "ya"),
    Column("asset_car", "Punya mobil", "household", "bool", YES_NO, "tidak"),
    Column("asset_refrigerator", "Punya lemari es", "household", "bool", YES_NO, "tidak"),
    Column("asset_television", "Punya televisi", "household", "bool", YES_NO, "ya"),
    Column("asset_smartphone", "Punya telepon pintar", "household", "bool", YES_NO, "ya"),
    Column("asset_livestock", "Punya ternak besar", "household", "bool", YES_NO, "tidak"),
    Column(
        "asset_gold_savings",
        "Punya emas/tabungan",
        "household",
        "bool",
        _("Emas atau tabungan ≥ Rp500.000: ya / tidak."),
        "tidak",
    ),
    Column(
        "nik",
        "NIK",
        "person",
        "nik",
        _("16 digit. Ketik sebagai teks: Excel merusak angka 16 digit (digit terakhir menjadi 0)."),
        "1502015403850002",
        aliases=("nomor induk kependudukan", "no nik"),
    ),
    Column(
        "nik_missing_reason",
        "Alasan tanpa NIK",
        "person",
        "choice",
        _("Wajib bila NIK kosong."),
        "",
        choices=c.NikMissingReason,
    ),
    Column(
        "full_name",
        "Nama lengkap",
        "person",
        "text",
        "",
        "Siti Aminah",
        max_length=_max_length(Person, "full_name"),
        aliases=("nama", "nama art", "nama anggota"),
    ),
    Column(
        "sex",
        "Jenis kelamin",
        "person",
        "choice",
        _("L / P, atau Laki-laki / Perempuan."),
        "P",
        choices=c.Sex,
        aliases=("jk", "kelamin"),
    ),
    Column(
        "birth_place", "Tempat lahir", "person", "text", "", "Bangko", max_length=_max_length(Person, "birth_place")
    ),
    Column(
        "birth_date",
        "Tanggal lahir",
        "person",
        "date",
        _("dd/mm/yyyy, d-m-yyyy atau yyyy-mm-dd."),
        "14/03/1985",
        aliases=("tgl lahir", "tanggal lahir dd mm yyyy"),
    ),
    Column(
        "relationship",
        "Hubungan dalam keluarga",
        "person",
        "choice",
        _("Tepat satu Kepala keluarga per rumah tangga."),
        "Kepala keluarga",
        choices=c.Relationship,
        aliases=("hubungan", "hubungan dengan kepala keluarga", "shdk"),
    ),
    Column("marital_status", "Status perkawinan", "person", "choice", "", "Kawin", choices=c.MaritalStatus),
    Column(
        "education",
        "Pendidikan terakhir",
        "person",
        "choice",
        "",
        "SD/sederajat",
        choices=c.Education,
        aliases=("pendidikan",),
    ),
    Column(
        "occupation",
        "Pekerjaan utama",
        "person",
        "choice",
        "",
        "Petani/pekebun",
        choices=c.Occupation,
        aliases=("pekerjaan",),
    ),
    Column(
        "phone",
        "Nomor HP",
        "person",
        "phone",
        _("08xxxxxxxxxx atau +628xxxxxxxxxx."),
        "081234567890",
        aliases=("no hp", "telepon"),
    ),
    Column("wgss_seeing", "Kesulitan melihat", "person", "wgss", _("1-4 atau teks jawaban WG-SS."), "1"),
    Column("wgss_hearing", "Kesulitan mendengar", "person", "wgss", _("1-4 atau teks jawaban WG-SS."), "1"),
    Column("wgss_walking", "Kesulitan berjalan/naik tangga", "person", "wgss", _("1-4 atau teks jawaban WG-SS."), "1"),
    Column(
        "wgss_remembering",
        "Kesulitan mengingat/berkonsentrasi",
        "person",
        "wgss",
        _("1-4 atau teks jawaban WG-SS."),
        "1",
    ),
    Column("wgss_selfcare", "Kesulitan mengurus diri", "person", "wgss", _("1-4 atau teks jawaban WG-SS."), "1"),
    Column("wgss_communicating", "Kesulitan berkomunikasi", "person", "wgss", _("1-4 atau teks jawaban WG-SS."), "1"),
]

BY_KEY = {col.key: col for col in COLUMNS}
# The household code of the template's example rows: the import counts them and never imports them.
EXAMPLE_KEY = "CONTOH-HAPUS-BARIS-INI"
HOUSEHOLD_KEYS = [col.key for col in COLUMNS if col.level == "household" and col.key != "hh_key"]
PERSON_KEYS = [col.key for col in COLUMNS if col.level == "person"]
TEMPLATE_HEADERS = [col.header for col in COLUMNS]

WGSS_ALLOWED = _("1 = Tidak ada kesulitan, 2 = Sedikit kesulitan, 3 = Banyak kesulitan, 4 = Tidak bisa sama sekali")

EXTRA_ALIASES: dict[type[TextChoices], dict[str, str]] = {
    c.Sex: {"l": "M", "lk": "M", "laki": "M", "laki laki": "M", "pria": "M", "p": "F", "pr": "F", "wanita": "F"},
    c.Relationship: {
        "kk": "head",
        "kepala": "head",
        "kepala rumah tangga": "head",
        "istri": "spouse",
        "suami": "spouse",
        # The labels of DTKS/DTSEN extracts.
        "kepala ruta": "head",
        "pembantu ruta": "helper",
        "pembantu rumah tangga": "helper",
        "pembantu sopir": "helper",
        "orang tua mertua": "parent",
        "anak kandung": "child",
        "famili": "other_relative",
    },
}


def normalise_header(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", str(text).lower()).strip()


def norm_choice(text: str) -> str:
    return re.sub(r"[\s\-_/.,()]+", " ", text.strip().lower()).strip()


def choice_lookup(choices: type[TextChoices]) -> dict[str, str]:
    """Accept the stable code, the Indonesian label and the English label, ignoring case and punctuation."""
    lookup: dict[str, str] = {}
    for value, label in choices.choices:
        lookup[norm_choice(str(value))] = str(value)
        for lang in ("id", "en"):
            with translation.override(lang):
                lookup[norm_choice(str(label))] = str(value)
    for alias, value in EXTRA_ALIASES.get(choices, {}).items():
        lookup[norm_choice(alias)] = value
    return lookup


def allowed_values(col: Column) -> str:
    if col.choices is not None:
        return "; ".join(f"{label}" for _value, label in col.choices.choices)
    if col.kind == "wgss":
        return str(WGSS_ALLOWED)
    return str(col.help)


def auto_mapping(headers: list[str]) -> dict[str, str]:
    """field key -> file header, for headers that match the template (or a known alias) after normalising."""
    by_norm = {normalise_header(h): h for h in headers if str(h).strip()}
    mapping: dict[str, str] = {}
    for col in COLUMNS:
        for candidate in (col.header, col.key, *col.aliases):
            found = by_norm.get(normalise_header(candidate))
            if found is not None and found not in mapping.values():
                mapping[col.key] = found
                break
    return mapping
