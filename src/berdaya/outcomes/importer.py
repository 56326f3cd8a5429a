"""Outcome surveys from a file (CSV or XLSX), all or nothing.

The imports app has no registry for new kinds of rows (it imports households and people), so outcomes reads its
own small template here, set-wise: the whole file is read and typed, people, programmes, enrolments, commodities and
earlier surveys are looked up in a few queries for all rows at once, each row is checked with the rules of the web
form (rules.survey_errors), and then either every row is written in one bulk insert or none is. A dry run stops
before writing. The errors come back per row ("Baris 14, nik: ...") and as an error file: the rows as sent, with a
column `kesalahan`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.audit import audit
from berdaya.core.spreadsheet import FileInfo, ImportFileError, read_rows, safe_cell
from berdaya.markets.models import Commodity
from berdaya.programmes.models import Enrolment, Programme

from . import access, rules, services
from . import choices as c
from .models import OutcomeSurvey

MAX_ROWS = 50_000
MAX_SHOWN = 50

# Template column -> survey field, in the template's order.
COLUMNS = [
    ("nik", "nik"),
    ("nomor_penduduk", "person_id"),
    ("program_id", "programme"),
    ("putaran", "round"),
    ("bulan_ke", "round_month"),
    ("tanggal_wawancara", "interview_date"),
    ("jumlah_art", "household_size"),
    ("pendapatan_tani", "income_farming"),
    ("pendapatan_upah", "income_wages"),
    ("pendapatan_usaha", "income_business"),
    ("pendapatan_kiriman", "income_remittances"),
    ("pendapatan_bantuan", "income_transfers"),
    ("pendapatan_lain", "income_other"),
    ("bekerja", "employed"),
    ("jam_kerja", "hours_worked"),
    ("usaha_berjalan", "business_running"),
    ("komoditas", "commodity"),
    ("hasil_kg", "yield_kg"),
    ("luas_ha", "area_ha"),
    ("harga_per_kg", "price_obtained"),
    ("tabungan", "savings"),
    ("kesejahteraan", "wellbeing"),
]
ROUND_WORDS = {
    "baseline": c.Round.BASELINE,
    "data_awal": c.Round.BASELINE,
    "awal": c.Round.BASELINE,
    "tindak_lanjut": c.Round.FOLLOW_UP,
    "follow_up": c.Round.FOLLOW_UP,
    "sewaktu": c.Round.ADHOC,
    "adhoc": c.Round.ADHOC,
}
YES = {"ya", "y", "yes", "1", "true", "benar"}
NO = {"tidak", "t", "no", "0", "false", "bukan"}
INTEGER_FIELDS = {
    "person_id",
    "programme",
    "round_month",
    "household_size",
    *c.INCOME_FIELDS,
    "hours_worked",
    "price_obtained",
    "savings",
    "wellbeing",
}


@dataclass
class ImportResult:
    rows: int = 0
    written: int = 0
    dry_run: bool = True
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number, message)
    error_file: bytes = b""


def template_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([name for name, _f in COLUMNS])
    writer.writerow(
        [
            "1502014506900001",
            "",
            "",
            "baseline",
            "",
            "2026-01-15",
            "4",
            "1200000",
            "0",
            "300000",
            "0",
            "200000",
            "0",
            "ya",
            "40",
            "",
            "karet",
            "850",
            "1",
            "9000",
            "150000",
            "6",
        ]
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _key(text: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text or "").strip().lower()).strip("_")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    return str(value).strip()


def _typed(name: str, raw: Any, errors: list[str]) -> Any:
    text = _text(raw)
    if text == "":
        return None
    try:
        if name in INTEGER_FIELDS:
            number = (
                Decimal(text.replace(".", "").replace(",", "."))
                if re.fullmatch(r"[\d.]+(,\d+)?", text)
                else Decimal(text)
            )
            if number != number.to_integral_value():
                raise InvalidOperation
            return int(number)
        if name in {"yield_kg", "area_ha"}:
            return Decimal(text.replace(",", "."))
        if name == "interview_date":
            if isinstance(raw, dt.date):
                return raw if not isinstance(raw, dt.datetime) else raw.date()
            for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
                try:
                    return dt.datetime.strptime(text, fmt).date()
                except ValueError:
                    continue
            raise ValueError
        if name in {"employed", "business_running"}:
            low = text.lower()
            if low in YES:
                return True
            if low in NO:
                return False
            raise ValueError
        if name == "round":
            return ROUND_WORDS.get(_key(text), "?")
    except (InvalidOperation, ValueError):
        errors.append(_("%(f)s: “%(v)s” tidak dapat dibaca.") % {"f": name, "v": text[:30]})
        return None
    return text


def surveys_import(*, actor: User, path: str | Path, dry_run: bool) -> ImportResult:
    """Check the whole file; unless `dry_run` and only when every row is valid, write every row in one transaction."""
    if not access.can_record(actor):
        raise PermissionDenied(_("Peran Anda tidak boleh mengimpor survei hasil."))
    result = ImportResult(dry_run=dry_run)
    info = FileInfo()
    parsed: list[tuple[int, list[Any], dict[str, Any], list[str]]] = []
    headers: list[str] = []
    try:
        for row_no, values in read_rows(path, info, max_rows=MAX_ROWS):
            if not headers:
                headers = [_key(h) for h in info.headers]
                missing = [
                    n
                    for n, f in COLUMNS
                    if f not in {"nik", "person_id"}
                    and n not in headers
                    and f in {"round", "interview_date", "household_size", "wellbeing"}
                ]
                if missing or not ({"nik", "nomor_penduduk"} & set(headers)):
                    raise ValidationError(
                        _("Kolom wajib tidak ada: %(m)s. Unduh templat dan pakai judul kolomnya.")
                        % {"m": ", ".join(missing or ["nik / nomor_penduduk"])}
                    )
            if not any(_text(v) for v in values):
                continue
            errors: list[str] = []
            data: dict[str, Any] = {}
            for column, name in COLUMNS:
                index = headers.index(column) if column in headers else None
                raw = values[index] if index is not None and index < len(values) else None
                data[name] = raw if name in {"nik", "commodity"} else _typed(name, raw, errors)
            data["nik"] = re.sub(r"\D", "", _text(data["nik"]))
            data["commodity"] = _text(data["commodity"]).lower()
            parsed.append((row_no, values, data, errors))
    except ImportFileError as exc:
        raise ValidationError(str(exc)) from exc
    result.rows = len(parsed)
    if not parsed:
        raise ValidationError(_("Berkas kosong: tidak ada baris data."))

    # Everything the rows name, in a few queries for all of them, within the actor's scope.
    people = access.people_with_outcomes_visible_to(actor).living()
    niks = {d["nik"] for _r, _v, d, _e in parsed if d["nik"]}
    ids = {d["person_id"] for _r, _v, d, _e in parsed if d["person_id"]}
    by_nik = dict(people.filter(nik__in=niks).values_list("nik", "pk")) if niks else {}
    by_id = set(people.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    household_of = dict(people.filter(pk__in=set(by_nik.values()) | by_id).values_list("pk", "household_id"))
    programme_ids = {d["programme"] for _r, _v, d, _e in parsed if d["programme"]}
    programmes = set(Programme.objects.filter(pk__in=programme_ids).values_list("pk", flat=True))
    enrolled = set(
        Enrolment.objects.filter(
            programme_id__in=programmes, person_id__in=household_of, status__in=services.SURVEYED_STATUSES
        ).values_list("programme_id", "person_id")
    )
    commodities = {
        key.lower(): pk
        for pk, code, name in Commodity.objects.values_list("pk", "code", "name")
        for key in (code, name)
    }
    existing = set(
        OutcomeSurvey.objects.filter(person_id__in=household_of)
        .exclude(round=c.Round.ADHOC)
        .values_list("person_id", "programme_id", "round", "round_month")
    )
    today = timezone.localdate()
    seen: set[tuple[Any, ...]] = set()
    surveys: list[OutcomeSurvey] = []
    error_rows: list[list[Any]] = []
    for row_no, values, data, errors in parsed:
        person_id = (
            by_nik.get(data["nik"]) if data["nik"] else (data["person_id"] if data["person_id"] in by_id else None)
        )
        if person_id is None:
            errors.append(_("nik: tidak ada penduduk hidup dengan NIK/nomor ini di wilayah atau program Anda."))
        programme_id = data["programme"]
        if programme_id is not None and programme_id not in programmes:
            errors.append(_("program_id: program %(p)s tidak ada.") % {"p": programme_id})
        elif programme_id is not None and person_id is not None and (programme_id, person_id) not in enrolled:
            errors.append(_("program_id: penduduk ini bukan peserta program tersebut."))
        commodity_id = None
        if data["commodity"]:
            commodity_id = commodities.get(data["commodity"])
            if commodity_id is None:
                errors.append(_("komoditas: “%(v)s” tidak dikenal.") % {"v": data["commodity"][:30]})
        values_typed = {k: v for k, v in data.items() if k not in {"nik", "person_id", "programme", "commodity"}}
        values_typed["round_month"] = values_typed["round_month"] or 0
        checks = rules.survey_errors(
            {**values_typed, "programme": programme_id, "commodity": commodity_id or data["commodity"] or None},
            today=today,
        )
        for name, messages in checks.items():
            errors += [f"{name}: {m}" for m in messages]
        key = (person_id, programme_id, values_typed["round"], values_typed["round_month"])
        if person_id is not None and values_typed["round"] != c.Round.ADHOC:
            if key in existing:
                errors.append(_("putaran: survei putaran ini sudah tercatat untuk penduduk ini."))
            elif key in seen:
                errors.append(_("putaran: baris ganda dalam berkas untuk penduduk dan putaran yang sama."))
            seen.add(key)
        if errors:
            result.errors += [(row_no, e) for e in errors]
            error_rows.append([*values, "; ".join(errors)])
            continue
        assert person_id is not None  # a row without one has an error above
        for name in (*c.INCOME_FIELDS, "savings"):
            values_typed[name] = values_typed[name] or 0
        values_typed["employed"] = bool(values_typed["employed"])
        surveys.append(
            OutcomeSurvey(
                person_id=person_id,
                household_id=household_of[person_id],
                programme_id=programme_id,
                commodity_id=commodity_id,
                source=c.Source.IMPORT,
                entered_by=actor,
                **values_typed,
            )
        )
    if result.errors:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([*info.headers, "kesalahan"])
        writer.writerows([[safe_cell(_text(v)) for v in row] for row in error_rows])
        result.error_file = ("\ufeff" + out.getvalue()).encode("utf-8")
        return result
    if not dry_run:
        with transaction.atomic():
            OutcomeSurvey.objects.bulk_create(surveys, batch_size=2000)
            audit(actor=actor, action="import", object_type="outcomes.outcomesurvey", rows=len(surveys))
        result.written = len(surveys)
    return result
