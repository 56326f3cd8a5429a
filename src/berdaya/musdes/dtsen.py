"""Official DTSEN deciles from a file: read and check it whole, match each row to a household by KK number or NIK,
then hand the lot to targeting.services.official_deciles_import in one transaction. A bad file is refused with
messages in Bahasa Indonesia and nothing is written.

The file (CSV or XLSX) has a header row with `desil` and at least one of `no_kk` / `nik` (a few spellings are
accepted, see HEADERS); see docs/siks-ng.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.spreadsheet import FileInfo, ImportFileError, read_rows
from berdaya.registry.models import Household, Person
from berdaya.targeting import services as tservices

from . import access

HEADERS = {
    "kk": {"no_kk", "nokk", "nomor_kk", "kk", "no_kartu_keluarga"},
    "nik": {"nik", "no_nik", "nomor_nik", "nik_kepala_keluarga", "nik_krt"},
    "decile": {"desil", "desil_nasional", "desil_dtsen", "decile"},
}
MAX_ROWS = 500_000
MAX_ERRORS = 20
_DIGITS = re.compile(r"\D")


@dataclass
class ImportResult:
    rows: int = 0
    matched: int = 0
    unmatched: int = 0
    written: int = 0
    errors: list[str] = field(default_factory=list)


def _header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text or "").strip().lower()).strip("_")


def _digits(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet that turned the number into a float
    return _DIGITS.sub("", str(value))


def read_deciles(path: str | Path) -> tuple[dict[str, int], dict[str, int], ImportResult]:
    """(decile by KK, decile by NIK, result with row errors) of a file; ValidationError when unreadable."""
    info = FileInfo()
    result = ImportResult()
    by_kk: dict[str, int] = {}
    by_nik: dict[str, int] = {}
    columns: dict[str, int] = {}
    try:
        for row_no, values in read_rows(path, info, max_rows=MAX_ROWS):
            if not columns:
                keys = [_header_key(h) for h in info.headers]
                for name, aliases in HEADERS.items():
                    found = next((i for i, k in enumerate(keys) if k in aliases), None)
                    if found is not None:
                        columns[name] = found
                if "decile" not in columns or not ({"kk", "nik"} & set(columns)):
                    raise ValidationError(
                        _(
                            "Kolom wajib tidak ditemukan: berkas harus punya kolom “desil” dan “no_kk” atau “nik”. "
                            "Kolom yang ada: %(h)s."
                        )
                        % {"h": ", ".join(str(h) for h in info.headers[:12]) or "—"}
                    )
            if not any(v not in (None, "") for v in values):
                continue
            result.rows += 1

            def cell(name: str, values: list = values) -> object:
                index = columns.get(name)
                return values[index] if index is not None and index < len(values) else None

            kk, nik, raw = _digits(cell("kk")), _digits(cell("nik")), cell("decile")
            try:
                decile = int(float(str(raw).strip().replace(",", ".")))
                if not 1 <= decile <= 10 or float(str(raw).strip().replace(",", ".")) != decile:
                    raise ValueError
            except (TypeError, ValueError):
                result.errors.append(
                    _("Baris %(r)s: desil “%(v)s” tidak sah (harus bilangan bulat 1 sampai 10).")
                    % {"r": row_no, "v": str(raw or "")[:20]}
                )
                continue
            if len(kk) != 16 and len(nik) != 16:
                result.errors.append(_("Baris %(r)s: nomor KK atau NIK harus 16 angka.") % {"r": row_no})
                continue
            if len(kk) == 16:
                by_kk[kk] = decile
            else:
                by_nik[nik] = decile
    except ImportFileError as exc:
        raise ValidationError(str(exc)) from exc
    if not columns and not result.rows:
        raise ValidationError(_("Berkas kosong: tidak ada baris data."))
    if not result.rows:
        raise ValidationError(_("Berkas kosong: tidak ada baris data."))
    return by_kk, by_nik, result


def match_households(by_kk: dict[str, int], by_nik: dict[str, int]) -> dict[int, int]:
    """Household id -> decile, matched set-wise (by KK number of the household, else NIK of a member)."""
    deciles: dict[int, int] = {}
    keys = list(by_nik)
    for start in range(0, len(keys), 5000):
        chunk = keys[start : start + 5000]
        for hid, nik in Person.objects.filter(nik__in=chunk).values_list("household_id", "nik"):
            if nik:
                deciles[hid] = by_nik[nik]
    keys = list(by_kk)
    for start in range(0, len(keys), 5000):
        chunk = keys[start : start + 5000]
        for hid, kk in Household.objects.filter(kk_number__in=chunk).values_list("pk", "kk_number"):
            deciles[hid] = by_kk[kk]  # the household's KK wins over a member's NIK
    return deciles


def import_deciles(*, actor: User, path: str | Path, source: str) -> ImportResult:
    """Check the whole file, then write every matched decile in one transaction (or nothing: any bad row refuses
    the file, so an officer never has half a file in and half out)."""
    access.ensure_can_exchange(actor)
    if not (source or "").strip():
        raise ValidationError({"source": _("Sebutkan sumber desil resmi, mis. DTSEN 2025.")})
    by_kk, by_nik, result = read_deciles(path)
    if result.errors:
        shown = result.errors[:MAX_ERRORS]
        more = len(result.errors) - len(shown)
        if more:
            shown.append(_("… dan %(n)s baris lain bermasalah.") % {"n": more})
        raise ValidationError(
            [_("Berkas ditolak, tidak ada yang disimpan. Perbaiki baris berikut lalu unggah lagi:"), *shown]
        )
    deciles = match_households(by_kk, by_nik)
    result.matched = len(deciles)
    result.unmatched = max(0, len(by_kk) + len(by_nik) - len(deciles))
    if deciles:
        result.written = tservices.official_deciles_import(actor=actor, deciles=deciles, source=source)
    return result
