"""XLSForms generated from Berdaya's own models, rules and data.

Each form is written as rows (survey, choices, settings) in Python and saved as an XLSX workbook that ODK Central,
KoboToolbox and pyxform read. The fields carry the names the ingestion hands to the services (`nik`, `full_name`,
`land_operated_ha`...), the constraints come from the registry's rules (registry/rules.py, core/phone.py), the coded
answers from the models' choices, and the choice lists (villages, groups, programmes, sessions, participants,
commodities, units, markets) from the database, limited to what the user who downloads the form may see: a
facilitator's form lists their villages only. Labels are in Indonesian (the default language) and English.

Why this way rather than a hand-written XLSX template: a rule or a choice changes in one place (the model or the
rules module) and the next download carries it (docs/decisions.md, "Field forms").
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone, translation
from django.utils.functional import Promise
from openpyxl import Workbook

from berdaya.accounts.models import User
from berdaya.areas.models import District
from berdaya.core import phone
from berdaya.core.access import capabilities, village_scope_q
from berdaya.farming import choices as fc
from berdaya.farming.models import Practice
from berdaya.markets import choices as mc
from berdaya.markets.models import Commodity, Grade, PricePoint, Unit
from berdaya.outcomes import choices as oc
from berdaya.programmes import choices as pc
from berdaya.programmes.access import can_record_attendance, programmes_visible_to
from berdaya.programmes.models import Enrolment, Session
from berdaya.registry import choices as rc
from berdaya.registry import rules
from berdaya.registry.access import can_edit_groups, groups_visible_to, people_visible_to, villages_for_registration

from .choices import FormKind

ID = "Indonesian (id)"
EN = "English (en)"
EMPTY_CHOICE = "kosong"  # a list with nothing in it still needs one row for the form to convert

Text = str | Promise | tuple[str, str]


def both(text: Text) -> tuple[str, str]:
    """(Indonesian, English) of a label: a pair as written, or a translatable string in each language."""
    if isinstance(text, tuple):
        return text
    with translation.override("id"):
        indonesian = str(text)
    with translation.override("en"):
        english = str(text)
    return indonesian, english


SURVEY_COLUMNS = [
    "type",
    "name",
    f"label::{ID}",
    f"label::{EN}",
    f"hint::{ID}",
    f"hint::{EN}",
    "required",
    "relevant",
    "constraint",
    f"constraint_message::{ID}",
    f"constraint_message::{EN}",
    "choice_filter",
    "calculation",
    "default",
    "appearance",
]
FILTER_COLUMNS = ["district", "programme", "commodity"]
CHOICE_COLUMNS = ["list_name", "name", f"label::{ID}", f"label::{EN}", *FILTER_COLUMNS]


def q(
    type_: str,
    name: str,
    label: Text | None = None,
    *,
    hint: Text | None = None,
    required: bool = False,
    relevant: str = "",
    constraint: str = "",
    message: Text | None = None,
    choice_filter: str = "",
    calculation: str = "",
    default: str = "",
    appearance: str = "",
) -> dict[str, str]:
    row = {
        "type": type_,
        "name": name,
        "required": "yes" if required else "",
        "relevant": relevant,
        "constraint": constraint,
        "choice_filter": choice_filter,
        "calculation": calculation,
        "default": default,
        "appearance": appearance,
    }
    for column, text in (("label", label), ("hint", hint), ("constraint_message", message)):
        if text is not None:
            row[f"{column}::{ID}"], row[f"{column}::{EN}"] = both(text)
    return row


def end(type_: str) -> dict[str, str]:
    return {"type": type_}


@dataclass
class Form:
    kind: str
    title: tuple[str, str]
    survey: list[dict[str, str]]
    choices: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    @property
    def form_id(self) -> str:
        return f"berdaya_{self.kind}"


# --- the rules, as XPath constraints (from the one definition of each) -----------------------------------------


def regex(pattern: str) -> str:
    return f"regex(., '^{pattern}$')"


NIK_CONSTRAINT = regex(rules.NUMBER_16)
RT_RW_CONSTRAINT = regex(rules.RT_RW)
PHONE_CONSTRAINT = regex(phone.TRUNK + phone.SUBSCRIBER)
BIRTH_CONSTRAINT = f". >= date('{rules.MIN_BIRTH.isoformat()}') and . <= today()"
LAND_CONSTRAINT = f". >= {rules.LAND_MIN_HA} and . <= {rules.LAND_MAX_HA}"
FLOOR_CONSTRAINT = f". >= {rules.FLOOR_AREA_MIN_M2} and . <= {rules.FLOOR_AREA_MAX_M2}"
NOT_FUTURE = ". <= today()"
POSITIVE = ". > 0"
FUTURE_DATE = ("Tanggal tidak boleh di masa depan.", "The date cannot be in the future.")
POSITIVE_MESSAGE = ("Harus lebih dari nol.", "Must be more than zero.")


# --- choice lists -----------------------------------------------------------------------------------------------


def _choice(list_name: str, name: Any, label: Text, **filters: Any) -> dict[str, str]:
    indonesian, english = both(label)
    row = {"list_name": list_name, "name": str(name), f"label::{ID}": indonesian, f"label::{EN}": english}
    row.update({key: str(value) for key, value in filters.items()})
    return row


def from_choices(list_name: str, choices: Iterable[tuple[Any, Any]]) -> list[dict[str, str]]:
    return [_choice(list_name, value, label) for value, label in choices]


def _or_empty(list_name: str, rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return rows or [_choice(list_name, EMPTY_CHOICE, ("— belum ada data —", "— no data yet —"))]


def villages_list(user: User) -> list[dict[str, str]]:
    villages = villages_for_registration(user).order_by("district_id", "name")
    return _or_empty(
        "villages", [_choice("villages", v.code, (v.name, v.name), district=v.district_id) for v in villages]
    )


def districts_list(user: User) -> list[dict[str, str]]:
    codes = villages_for_registration(user).values("district_id")
    districts = District.objects.filter(code__in=codes).order_by("name")
    return _or_empty("districts", [_choice("districts", d.code, (d.name, d.name)) for d in districts])


def groups_list(user: User) -> list[dict[str, str]]:
    groups = groups_visible_to(user).order_by("name")
    return _or_empty("groups", [_choice("groups", g.pk, (g.name, g.name)) for g in groups])


def attendance_programmes(user: User) -> list[Any]:
    running = (
        programmes_visible_to(user)
        .filter(status__in=[pc.ProgrammeStatus.OPEN, pc.ProgrammeStatus.RUNNING])
        .order_by("name")
    )
    return [p for p in running if can_record_attendance(user, p)]


def programmes_list(user: User) -> list[dict[str, str]]:
    return _or_empty("programmes", [_choice("programmes", p.pk, (p.name, p.name)) for p in attendance_programmes(user)])


def sessions_list(user: User) -> list[dict[str, str]]:
    ids = [p.pk for p in attendance_programmes(user)]
    sessions = Session.objects.filter(programme_id__in=ids).order_by("date", "start_time")
    return _or_empty(
        "sessions",
        [
            _choice(
                "sessions",
                s.pk,
                (f"{s.date:%d-%m-%Y} {s.topic}", f"{s.date:%Y-%m-%d} {s.topic}"),
                programme=s.programme_id,
            )
            for s in sessions
        ],
    )


def participants_list(user: User) -> list[dict[str, str]]:
    """The people enrolled or active in each programme, that `user` may see: their name and Berdaya number only
    (no NIK), as on a paper attendance sheet."""
    ids = [p.pk for p in attendance_programmes(user)]
    enrolments = (
        Enrolment.objects.filter(
            programme_id__in=ids,
            status__in=pc.ATTENDING_STATUSES,
            person__in=people_visible_to(user).values("pk"),
        )
        .select_related("person")
        .order_by("programme_id", "person__full_name", "person_id")
    )
    rows = [
        _choice(
            "participants",
            e.person_id,
            (f"{e.person.full_name} (#{e.person_id})", f"{e.person.full_name} (#{e.person_id})"),
            programme=e.programme_id,
        )
        for e in enrolments
    ]
    return _or_empty("participants", rows)


def commodities_list() -> list[dict[str, str]]:
    return _or_empty(
        "commodities",
        [_choice("commodities", com.code, com.name) for com in Commodity.objects.filter(is_active=True)],
    )


def units_list() -> list[dict[str, str]]:
    return _or_empty("units", [_choice("units", u.code, u.name) for u in Unit.objects.all()])


def grades_list() -> list[dict[str, str]]:
    grades = Grade.objects.filter(commodity__is_active=True).select_related("commodity").order_by("commodity", "order")
    return _or_empty("grades", [_choice("grades", g.code, g.name, commodity=g.commodity.code) for g in grades])


def practices_list() -> list[dict[str, str]]:
    rows = [
        _choice("practices", p.code, p.name, commodity=p.commodity.code if p.commodity is not None else "")
        for p in Practice.objects.select_related("commodity")
    ]
    return _or_empty("practices", rows)


def markets_list(user: User) -> list[dict[str, str]]:
    points = PricePoint.objects.filter(is_active=True).order_by("name")
    if capabilities(user).village_scoped:
        points = points.filter(village_scope_q(user, "village"))
    return _or_empty("markets", [_choice("markets", p.pk, (p.name, p.name), district=p.district_id) for p in points])


YES_NO = [_choice("yes_no", "yes", ("Ya", "Yes")), _choice("yes_no", "no", ("Tidak", "No"))]
ASSETS = [
    ("asset_motorcycle", ("Sepeda motor", "Motorcycle")),
    ("asset_car", ("Mobil", "Car")),
    ("asset_refrigerator", ("Lemari es", "Refrigerator")),
    ("asset_television", ("Televisi", "Television")),
    ("asset_smartphone", ("Telepon pintar", "Smartphone")),
    ("asset_livestock", ("Ternak besar (sapi/kerbau)", "Large livestock (cattle/buffalo)")),
    ("asset_gold_savings", ("Emas/tabungan ≥ Rp500.000", "Gold/savings ≥ Rp500,000")),
]

# The six Washington Group Short Set questions, asked "because of a health problem" (../shared/domain.md).
WGSS_QUESTIONS = {
    "wgss_seeing": (
        "Apakah Anda mengalami kesulitan melihat, bahkan jika memakai kacamata?",
        "Do you have difficulty seeing, even if wearing glasses?",
    ),
    "wgss_hearing": (
        "Apakah Anda mengalami kesulitan mendengar, bahkan jika memakai alat bantu dengar?",
        "Do you have difficulty hearing, even if using a hearing aid?",
    ),
    "wgss_walking": (
        "Apakah Anda mengalami kesulitan berjalan atau naik tangga?",
        "Do you have difficulty walking or climbing steps?",
    ),
    "wgss_remembering": (
        "Apakah Anda mengalami kesulitan mengingat atau berkonsentrasi?",
        "Do you have difficulty remembering or concentrating?",
    ),
    "wgss_selfcare": (
        "Apakah Anda mengalami kesulitan mengurus diri, seperti mandi atau berpakaian?",
        "Do you have difficulty with self-care, such as washing all over or dressing?",
    ),
    "wgss_communicating": (
        "Dengan bahasa sehari-hari, apakah Anda mengalami kesulitan berkomunikasi (memahami atau dipahami)?",
        "Using your usual language, do you have difficulty communicating (understanding or being understood)?",
    ),
}
WGSS_MIN_AGE = 5  # the Short Set is not asked of young children


def _farmer_questions() -> list[dict[str, str]]:
    """Who the record is about: the NIK, or the Berdaya number printed on the person's page for someone without
    one. Resolved at ingestion within the collector's scope."""
    return [
        q(
            "text",
            "farmer_nik",
            ("NIK petani", "Farmer's NIK"),
            constraint=NIK_CONSTRAINT,
            message=rules.NUMBER_16_FORMAT,
            appearance="numbers",
        ),
        q(
            "integer",
            "farmer_id",
            ("Nomor penduduk Berdaya (jika tanpa NIK)", "Berdaya person number (if no NIK)"),
            relevant="${farmer_nik} = ''",
            required=True,
        ),
    ]


# --- the forms ---------------------------------------------------------------------------------------------------


def household_form(user: User) -> Form:
    survey = [
        q("start", "start"),
        q("end", "end"),
        q("begin_group", "location", ("Lokasi rumah tangga", "Household location")),
        q("select_one districts", "district", ("Kecamatan", "District"), required=True),
        q(
            "select_one villages",
            "village",
            ("Desa/kelurahan", "Village"),
            required=True,
            choice_filter="district=${district}",
        ),
        q("text", "address", ("Alamat", "Address")),
        q("text", "rt", ("RT", "RT"), constraint=RT_RW_CONSTRAINT, message=rules.RT_RW_FORMAT, appearance="numbers"),
        q("text", "rw", ("RW", "RW"), constraint=RT_RW_CONSTRAINT, message=rules.RT_RW_FORMAT, appearance="numbers"),
        q("geopoint", "gps", ("Lokasi rumah (GPS)", "House location (GPS)")),
        q(
            "text",
            "kk_number",
            ("Nomor KK", "Family card (KK) number"),
            constraint=NIK_CONSTRAINT,
            message=rules.NUMBER_16_FORMAT,
            appearance="numbers",
        ),
        end("end_group"),
        q("begin_group", "house", ("Kondisi rumah dan aset", "Housing and assets")),
        q("select_one floor", "floor_material", ("Lantai terluas", "Main floor material")),
        q("select_one wall", "wall_material", ("Dinding terluas", "Main wall material")),
        q("select_one roof", "roof_material", ("Atap terluas", "Main roof material")),
        q("select_one water", "water_source", ("Sumber air minum", "Drinking water source")),
        q("select_one toilet", "toilet", ("Fasilitas buang air besar", "Toilet facility")),
        q("select_one lighting", "lighting", ("Sumber penerangan", "Lighting")),
        q("select_one fuel", "cooking_fuel", ("Bahan bakar memasak", "Cooking fuel")),
        q(
            "integer",
            "floor_area_m2",
            ("Luas lantai (m²)", "Floor area (m²)"),
            constraint=FLOOR_CONSTRAINT,
            message=(
                f"Harus {rules.FLOOR_AREA_MIN_M2}-{rules.FLOOR_AREA_MAX_M2} m².",
                f"Must be {rules.FLOOR_AREA_MIN_M2}-{rules.FLOOR_AREA_MAX_M2} m².",
            ),
        ),
        q(
            "decimal",
            "land_operated_ha",
            ("Luas lahan yang dikelola (ha)", "Land operated (ha)"),
            constraint=LAND_CONSTRAINT,
            message=rules.LAND_RANGE % {"min": rules.LAND_MIN_HA, "max": rules.LAND_MAX_HA},
            default="0",
        ),
        q(
            "select_one tenure",
            "land_tenure",
            ("Status lahan", "Land tenure"),
            required=True,
            constraint=f"not(${{land_operated_ha}} > 0 and . = '{rc.LandTenure.NONE}')",
            message=rules.TENURE_REQUIRED,
        ),
        q("select_multiple assets", "assets", ("Aset yang dimiliki", "Assets owned")),
        end("end_group"),
        q("begin_repeat", "members", ("Anggota keluarga", "Household member")),
        q("text", "full_name", ("Nama lengkap", "Full name"), required=True),
        q(
            "text",
            "nik",
            ("NIK", "NIK (national identity number)"),
            constraint=NIK_CONSTRAINT,
            message=rules.NUMBER_16_FORMAT,
            appearance="numbers",
        ),
        q(
            "select_one nik_missing",
            "nik_missing_reason",
            ("Alasan tidak ada NIK", "Why there is no NIK"),
            required=True,
            relevant="${nik} = ''",
        ),
        q("select_one sex", "sex", ("Jenis kelamin", "Sex"), required=True),
        q("text", "birth_place", ("Tempat lahir", "Place of birth")),
        q(
            "date",
            "birth_date",
            ("Tanggal lahir", "Date of birth"),
            required=True,
            constraint=BIRTH_CONSTRAINT,
            message=(
                f"{rules.BIRTH_IN_FUTURE} {rules.BIRTH_TOO_EARLY % {'year': rules.MIN_BIRTH.year}}",
                f"Not in the future, not before {rules.MIN_BIRTH.year}.",
            ),
        ),
        q("calculate", "age", calculation="int((today() - ${birth_date}) div 365.25)"),
        q(
            "select_one relationship",
            "relationship",
            ("Hubungan dalam keluarga", "Relationship to head"),
            required=True,
        ),
        q("select_one marital", "marital_status", ("Status perkawinan", "Marital status")),
        q("select_one education", "education", ("Pendidikan terakhir", "Highest education")),
        q("select_one occupation", "occupation", ("Pekerjaan utama", "Main occupation")),
        q(
            "text",
            "phone",
            ("Nomor HP", "Mobile number"),
            constraint=PHONE_CONSTRAINT,
            message=rules.PHONE_FORMAT,
            appearance="numbers",
        ),
        q(
            "begin_group",
            "wgss",
            ("Kesulitan fungsional (Washington Group)", "Functional difficulty (Washington Group)"),
            relevant=f"${{age}} >= {WGSS_MIN_AGE}",
        ),
        *[q("select_one wgss_answer", name, text) for name, text in WGSS_QUESTIONS.items()],
        end("end_group"),
        q("begin_group", "consent", ("Dasar pemrosesan data", "Legal basis for the data")),
        q(
            "select_one consent_basis",
            "consent_basis",
            ("Dasar pemrosesan", "Legal basis"),
            required=True,
            default=rc.ConsentBasis.CONSENT,
        ),
        q(
            "select_one consent_given_by",
            "consent_given_by",
            ("Persetujuan diberikan oleh", "Consent given by"),
            required=True,
            relevant=f"${{consent_basis}} = '{rc.ConsentBasis.CONSENT}'",
            hint=("Untuk anak, oleh orang tua atau wali.", "For a child, by a parent or guardian."),
        ),
        q(
            "text",
            "consent_given_by_name",
            ("Nama pemberi persetujuan", "Name of the person consenting"),
            required=True,
            relevant=f"${{consent_given_by}} != '' and ${{consent_given_by}} != '{rc.ConsentGivenBy.SELF}'",
        ),
        end("end_group"),
    ]
    if can_edit_groups(user):
        survey.append(q("select_one groups", "group", ("Anggota kelompok", "Member of group")))
    survey.append(end("end_repeat"))
    choices = {
        "districts": districts_list(user),
        "villages": villages_list(user),
        "groups": groups_list(user),
        "floor": from_choices("floor", rc.FloorMaterial.choices),
        "wall": from_choices("wall", rc.WallMaterial.choices),
        "roof": from_choices("roof", rc.RoofMaterial.choices),
        "water": from_choices("water", rc.WaterSource.choices),
        "toilet": from_choices("toilet", rc.Toilet.choices),
        "lighting": from_choices("lighting", rc.Lighting.choices),
        "fuel": from_choices("fuel", rc.CookingFuel.choices),
        "tenure": from_choices("tenure", rc.LandTenure.choices),
        "assets": [_choice("assets", name, label) for name, label in ASSETS],
        "nik_missing": from_choices("nik_missing", rc.NikMissingReason.choices),
        "sex": from_choices("sex", rc.Sex.choices),
        "relationship": from_choices("relationship", rc.Relationship.choices),
        "marital": from_choices("marital", rc.MaritalStatus.choices),
        "education": from_choices("education", rc.Education.choices),
        "occupation": from_choices("occupation", rc.Occupation.choices),
        "wgss_answer": from_choices("wgss_answer", rc.WGSSAnswer.choices),
        "consent_basis": from_choices("consent_basis", rc.ConsentBasis.choices),
        "consent_given_by": from_choices("consent_given_by", rc.ConsentGivenBy.choices),
    }
    if not can_edit_groups(user):
        del choices["groups"]
    return Form(FormKind.HOUSEHOLD, ("Pendaftaran rumah tangga", "Household registration"), survey, choices)


def plot_form(user: User) -> Form:
    survey = [
        *_farmer_questions(),
        q("select_one districts", "district", ("Kecamatan", "District"), required=True),
        q(
            "select_one villages",
            "village",
            ("Desa/kelurahan letak lahan", "Village of the plot"),
            required=True,
            choice_filter="district=${district}",
        ),
        q("text", "plot_name", ("Nama/penanda lahan", "Plot name or landmark")),
        q(
            "decimal",
            "area_ha",
            ("Luas (ha)", "Area (ha)"),
            required=True,
            constraint=". > 0 and . <= 1000",
            message=("Luas lahan harus lebih dari nol (paling besar 1.000 ha).", "Area above zero (at most 1,000 ha)."),
        ),
        q("select_one plot_tenure", "tenure", ("Status lahan", "Tenure"), required=True),
        q("select_one commodities", "commodity", ("Komoditas utama", "Main crop"), required=True),
        q("text", "variety", ("Varietas", "Variety")),
        q(
            "integer",
            "planting_year",
            ("Tahun tanam", "Year planted"),
            constraint=". >= 1900 and . <= format-date(today(), '%Y')",
            message=("Tahun tanam tidak boleh di masa depan.", "The planting year cannot be in the future."),
        ),
        q("geopoint", "gps", ("Lokasi lahan (GPS)", "Plot location (GPS)")),
    ]
    choices = {
        "districts": districts_list(user),
        "villages": villages_list(user),
        "plot_tenure": from_choices("plot_tenure", fc.Tenure.choices),
        "commodities": commodities_list(),
    }
    return Form(FormKind.PLOT, ("Lahan petani", "Farm plot"), survey, choices)


def _confirm_question() -> dict[str, str]:
    return q(
        "select_one yes_no",
        "confirmed",
        ("Angka di luar kebiasaan sudah diperiksa dan benar?", "Unusual figures checked and correct?"),
        hint=(
            "Isi Ya hanya bila sudah dicek ulang: Berdaya menahan angka yang jauh dari biasanya.",
            "Answer Yes only after checking again: Berdaya holds back figures far from the usual.",
        ),
    )


def harvest_form(user: User) -> Form:
    survey = [
        *_farmer_questions(),
        q("select_one commodities", "commodity", ("Komoditas", "Crop"), required=True),
        q(
            "integer",
            "plot_id",
            ("Nomor lahan di Berdaya (jika lebih dari satu lahan)", "Berdaya plot number (if several plots)"),
        ),
        q(
            "date",
            "harvested_on",
            ("Tanggal panen", "Harvest date"),
            required=True,
            constraint=NOT_FUTURE,
            message=FUTURE_DATE,
        ),
        q("decimal", "quantity", ("Jumlah", "Quantity"), required=True, constraint=POSITIVE, message=POSITIVE_MESSAGE),
        q("select_one units", "unit", ("Satuan", "Unit"), required=True),
        q(
            "select_multiple practices",
            "practices",
            ("Praktik yang diterapkan", "Practices used"),
            choice_filter="commodity=${commodity} or commodity=''",
        ),
        _confirm_question(),
    ]
    choices = {
        "commodities": commodities_list(),
        "units": units_list(),
        "practices": practices_list(),
        "yes_no": YES_NO,
    }
    return Form(FormKind.HARVEST, ("Catatan panen", "Harvest record"), survey, choices)


def sale_form(user: User) -> Form:
    survey = [
        *_farmer_questions(),
        q(
            "date",
            "date",
            ("Tanggal penjualan", "Date of sale"),
            required=True,
            constraint=NOT_FUTURE,
            message=FUTURE_DATE,
        ),
        q("select_one commodities", "commodity", ("Komoditas", "Crop"), required=True),
        q("select_one grades", "grade", ("Mutu", "Grade"), choice_filter="commodity=${commodity}"),
        q(
            "decimal",
            "quality_pct",
            ("Kadar (mis. KKK %)", "Quality (e.g. dry rubber content %)"),
            constraint=". >= 0 and . <= 100",
            message=("Antara 0 dan 100.", "Between 0 and 100."),
        ),
        q("decimal", "quantity", ("Jumlah", "Quantity"), required=True, constraint=POSITIVE, message=POSITIVE_MESSAGE),
        q("select_one units", "unit", ("Satuan", "Unit"), required=True),
        q(
            "integer",
            "price_per_kg",
            ("Harga (Rp/kg)", "Price (Rp/kg)"),
            required=True,
            constraint=POSITIVE,
            message=POSITIVE_MESSAGE,
        ),
        q("select_one channels", "channel", ("Saluran penjualan", "Sales channel"), required=True),
        q("text", "buyer_name", ("Pembeli", "Buyer")),
        _confirm_question(),
    ]
    choices = {
        "commodities": commodities_list(),
        "grades": grades_list(),
        "units": units_list(),
        "channels": from_choices("channels", mc.Channel.choices),
        "yes_no": YES_NO,
    }
    return Form(FormKind.SALE, ("Catatan penjualan", "Sale record"), survey, choices)


def attendance_form(user: User) -> Form:
    survey = [
        q("select_one programmes", "programme", ("Program", "Programme"), required=True),
        q(
            "select_one sessions",
            "session",
            ("Sesi", "Session"),
            required=True,
            choice_filter="programme=${programme}",
        ),
        q(
            "select_multiple participants",
            "present",
            ("Peserta yang hadir", "Participants present"),
            choice_filter="programme=${programme}",
            hint=("Centang yang hadir; yang lain dicatat tidak hadir.", "Tick those present; the others are absent."),
        ),
    ]
    choices = {
        "programmes": programmes_list(user),
        "sessions": sessions_list(user),
        "participants": participants_list(user),
    }
    return Form(FormKind.ATTENDANCE, ("Daftar hadir sesi", "Session attendance"), survey, choices)


def prices_form(user: User) -> Form:
    survey = [
        q("select_one districts", "district", ("Kecamatan", "District"), required=True),
        q(
            "select_one markets",
            "point",
            ("Titik harga (pasar, pengepul, pabrik)", "Price point (market, collector, mill)"),
            required=True,
            choice_filter="district=${district}",
        ),
        q("date", "date", ("Tanggal", "Date"), required=True, constraint=NOT_FUTURE, message=FUTURE_DATE),
        q("begin_repeat", "prices", ("Harga", "Price")),
        q("select_one commodities", "commodity", ("Komoditas", "Commodity"), required=True),
        q("select_one grades", "grade", ("Mutu", "Grade"), choice_filter="commodity=${commodity}"),
        q("select_one price_types", "price_type", ("Jenis harga", "Price type"), required=True),
        q(
            "integer",
            "price_per_kg",
            ("Harga (Rp/kg)", "Price (Rp/kg)"),
            required=True,
            constraint=POSITIVE,
            message=POSITIVE_MESSAGE,
        ),
        end("end_repeat"),
        _confirm_question(),
    ]
    choices = {
        "districts": _or_empty(
            "districts",
            [
                _choice("districts", d.code, (d.name, d.name))
                for d in District.objects.filter(
                    code__in=PricePoint.objects.filter(is_active=True).values("district_id")
                ).order_by("name")
            ],
        ),
        "markets": markets_list(user),
        "commodities": commodities_list(),
        "grades": grades_list(),
        "price_types": from_choices("price_types", mc.PriceType.choices),
    }
    if capabilities(user).village_scoped:
        choices["districts"] = districts_list(user)
    choices["yes_no"] = YES_NO
    return Form(FormKind.PRICES, ("Pengumpulan harga komoditas", "Commodity price collection"), survey, choices)


INCOME_SOURCES = [
    ("income_farming", ("Usaha tani/kebun", "Farming")),
    ("income_wages", ("Upah/gaji", "Wages and salaries")),
    ("income_business", ("Usaha non-tani", "Non-farm business")),
    ("income_transfers", ("Bantuan pemerintah", "Government transfers")),
    ("income_remittances", ("Kiriman keluarga (termasuk pekerja migran)", "Remittances (incl. migrant workers)")),
    ("income_other", ("Lainnya", "Other")),
]


def outcome_form(user: User) -> Form:
    survey = [
        *_farmer_questions(),
        q("select_one villages", "village", ("Desa/kelurahan", "Village"), required=True),
        q(
            "date",
            "interview_date",
            ("Tanggal wawancara", "Interview date"),
            required=True,
            constraint=NOT_FUTURE,
            message=FUTURE_DATE,
        ),
        q(
            "select_one programmes",
            "programme",
            ("Program yang diikuti (kosongkan bila bukan peserta)", "Programme taken part in (blank if none)"),
        ),
        q("select_one outcome_rounds", "round", ("Putaran survei", "Survey round"), required=True),
        q(
            "integer",
            "round_month",
            ("Tindak lanjut bulan ke-", "Follow-up month"),
            relevant="${round} = 'follow_up'",
            required=True,
            constraint=". >= 1 and . <= 120",
            message=("1 sampai 120.", "1 to 120."),
        ),
        q(
            "integer",
            "household_size",
            ("Jumlah anggota rumah tangga", "Household size"),
            required=True,
            constraint=". >= 1 and . <= 30",
            message=("1 sampai 30.", "1 to 30."),
        ),
        q(
            "begin_group",
            "income",
            ("Pendapatan rumah tangga sebulan terakhir (Rp)", "Household income in the last month (Rp)"),
        ),
        *[
            q("integer", name, label, constraint=". >= 0", message=("Tidak boleh negatif.", "Cannot be negative."))
            for name, label in INCOME_SOURCES
        ],
        end("end_group"),
        q("begin_group", "work", ("Pekerjaan", "Employment")),
        q(
            "select_one yes_no",
            "employed",
            ("Bekerja dalam seminggu terakhir?", "Worked in the last week?"),
            required=True,
        ),
        q(
            "select_one occupation",
            "occupation",
            ("Pekerjaan utama", "Main occupation"),
            relevant="${employed} = 'yes'",
        ),
        q(
            "integer",
            "hours_worked",
            ("Jam kerja seminggu terakhir", "Hours worked in the last week"),
            relevant="${employed} = 'yes'",
            constraint=". >= 0 and . <= 112",
            message=("0-112 jam.", "0-112 hours."),
        ),
        q(
            "select_one yes_no",
            "business_running",
            ("Usaha (hasil pelatihan/modal) masih berjalan?", "Is the business (from training/capital) still running?"),
        ),
        end("end_group"),
        q("begin_group", "farm", ("Hasil dan harga", "Yield and price")),
        q("select_one commodities", "commodity", ("Komoditas utama", "Main crop")),
        q(
            "decimal",
            "yield_kg",
            ("Hasil musim terakhir (kg)", "Last season's yield (kg)"),
            constraint=". >= 0",
            relevant="${commodity} != ''",
        ),
        q(
            "decimal",
            "area_ha",
            ("Luas yang dipanen (ha)", "Area harvested (ha)"),
            constraint=". > 0",
            relevant="${commodity} != ''",
        ),
        q(
            "integer",
            "price_obtained",
            ("Harga jual yang diperoleh (Rp/kg)", "Price obtained (Rp/kg)"),
            constraint=POSITIVE,
            relevant="${commodity} != ''",
        ),
        end("end_group"),
        q("begin_group", "savings_group", ("Tabungan", "Savings")),
        q("select_one yes_no", "has_savings", ("Punya tabungan?", "Has savings?"), required=True),
        q(
            "integer",
            "savings_amount",
            ("Jumlah tabungan (Rp)", "Savings (Rp)"),
            relevant="${has_savings} = 'yes'",
            constraint=". >= 0",
        ),
        end("end_group"),
        q(
            "integer",
            "wellbeing",
            (
                "Bayangkan tangga 0 (hidup terburuk) sampai 10 (terbaik). Di anak tangga mana Anda sekarang?",
                "Imagine a ladder from 0 (worst possible life) to 10 (best). Which step are you on now?",
            ),
            required=True,
            constraint=". >= 0 and . <= 10",
            message=("0 sampai 10.", "0 to 10."),
        ),
    ]
    choices = {
        "villages": villages_list(user),
        "yes_no": YES_NO,
        "occupation": from_choices("occupation", rc.Occupation.choices),
        "commodities": commodities_list(),
        "programmes": programmes_list(user),
        "outcome_rounds": from_choices("outcome_rounds", oc.Round.choices),
    }
    return Form(FormKind.OUTCOME, ("Survei hasil (outcome)", "Outcome survey"), survey, choices)


BUILDERS: dict[str, Callable[[User], Form]] = {
    FormKind.HOUSEHOLD: household_form,
    FormKind.PLOT: plot_form,
    FormKind.HARVEST: harvest_form,
    FormKind.SALE: sale_form,
    FormKind.ATTENDANCE: attendance_form,
    FormKind.PRICES: prices_form,
    FormKind.OUTCOME: outcome_form,
}


def build_form(kind: str, user: User) -> Form:
    return BUILDERS[kind](user)


def workbook_bytes(form: Form) -> bytes:
    """The form as an XLSX file: survey, choices and settings sheets."""
    book = Workbook()
    survey = book.active
    assert survey is not None
    survey.title = "survey"
    survey.append(SURVEY_COLUMNS)
    for row in form.survey:
        survey.append([row.get(column, "") for column in SURVEY_COLUMNS])
    choices = book.create_sheet("choices")
    choices.append(CHOICE_COLUMNS)
    for rows in form.choices.values():
        for row in rows:
            choices.append([row.get(column, "") for column in CHOICE_COLUMNS])
    settings = book.create_sheet("settings")
    # pyxform takes one title (not one per language): both, Indonesian first.
    settings.append(["form_title", "form_id", "version", "default_language"])
    # The version changes with every download: the choice lists may have changed, and Central refuses a new
    # definition under an old version.
    version = timezone.now().strftime("%Y%m%d%H%M%S")
    settings.append([f"{form.title[0]} / {form.title[1]}", form.form_id, version, ID])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def field_labels(form: Form) -> dict[str, str]:
    """Each field's label in the active language (Indonesian unless English is asked for), for the pages."""
    column = f"label::{EN}" if translation.get_language() == "en" else f"label::{ID}"
    return {row["name"]: row[column] for row in form.survey if row.get("name") and row.get(column)}


def choice_names(form: Form, list_name: str) -> list[str]:
    return [row["name"] for row in form.choices.get(list_name, []) if row["name"] != EMPTY_CHOICE]
