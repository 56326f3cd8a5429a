"""Row validation with the registry's own rules: the reference for what the import accepts and what it says.

The limits, formats and messages it applies are the registry's (registry.rules, registry.identity). Everything that
needs the database is loaded once (village codes, the national district codes for NIK/KK prefixes). The check SQL
(checks.py) runs these converters once per distinct value of the columns that repeat (choices, dates, villages,
yes/no...) and of the NIK and KK numbers that are not plain digits, and checks the others in DuckDB SQL built from
the same rules (sqlcheck.py, registry.rules' SQL forms; kept equal by tests/test_sqlcheck.py and
tests/test_row_rules.py); `validate()` is the whole row rule set in one place, in the order the check SQL reports
errors. Rules that span rows (one head per household, duplicate NIK in the file, conflicts with existing records)
are checked set-based (checks.py, matching.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import operator
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from berdaya.core.dates import NotInCalendar, UnknownDateFormat, parse_written_date
from berdaya.core.phone import normalise_phone
from berdaya.registry import choices as c
from berdaya.registry import rules
from berdaya.registry.identity import (
    DIGITS_16,
    check_kk,
    check_nik,
    identity_characters_message,
    normalise_identity,
)

from .columns import BY_KEY, COLUMNS, HOUSEHOLD_KEYS, PERSON_KEYS, choice_lookup, norm_choice

STAGE_KEYS = ["hh_key", "hh_hash", *HOUSEHOLD_KEYS, *PERSON_KEYS]
# Characters no cell may hold: C0 controls but tab, DEL, and U+FFFD (what a decoder writes for bytes it could not
# read). sqlcheck.CONTROL_RE is built from the same ranges.
CONTROL_RANGES = ((0x00, 0x08), (0x0A, 0x1F), (0x7F, 0x7F), (0xFFFD, 0xFFFD))
CONTROL = re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in CONTROL_RANGES) + "]")
CONTROL_MESSAGE = gettext_lazy("Berisi karakter kontrol atau karakter yang tidak terbaca.")
TOO_LONG = gettext_lazy("Terlalu panjang: %(n)s karakter, paling banyak %(max)s.")
NO_GROUP = gettext_lazy("Isi Kode rumah tangga atau Nomor KK untuk mengelompokkan anggota keluarga.")
DIGITS = re.compile(r"^\d+$")
RT_RW = re.compile(rules.RT_RW)
PHONE = re.compile(rules.PHONE, re.ASCII)
NUMBERISH = re.compile(r"^\d+([.,]\d+)?([eE][+-]?\d+)$|^\d{1,15}[.,]\d+$|^\d+[.,]0+$")
TRUE_WORDS = {"ya", "y", "1", "true", "benar", "ada", "x", "v", "yes"}
FALSE_WORDS = {"tidak", "t", "0", "false", "salah", "tidak ada", "n", "no", "tdk", "-"}


class RowError(Exception):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def excel_mangled(label: str) -> str:
    return _(
        "%(label)s terbaca sebagai angka atau notasi ilmiah (mis. 1,50201E+15): Excel sudah mengubahnya dan digit "
        "terakhir hilang. Format kolom %(label)s sebagai Teks di Excel, ketik ulang dari KTP/KK, lalu impor lagi."
    ) % {"label": label}


class RowValidator:
    """Turns one file row into a staging tuple (STAGE_KEYS order), or raises a list of (field key, message)."""

    def __init__(
        self,
        *,
        mapping: dict[str, str],
        headers: list[str],
        known_villages: set[str],
        allowed_villages: set[str] | None,
        district_prefixes: set[str],
        today: dt.date | None = None,
        regencies: dict[str, str] | None = None,
    ) -> None:
        index = {h: i for i, h in enumerate(headers)}
        self.headers = headers
        self.positions: dict[str, int] = {key: index[h] for key, h in mapping.items() if h in index}
        self.known_villages = known_villages
        self.allowed_villages = allowed_villages
        self.regencies = regencies
        self.district_prefixes = district_prefixes
        self.kk_label = _("Nomor KK")  # translated once: the check SQL may convert a number per household
        self.district_exists: Callable[[str], bool] = district_prefixes.__contains__
        self.today = today or timezone.localdate()
        self.lookups = {col.key: choice_lookup(col.choices) for col in COLUMNS if col.choices is not None}
        wgss = choice_lookup(c.WGSSAnswer)  # type: ignore[arg-type]
        self.wgss = {k: int(v) for k, v in wgss.items()}
        self._kk_cache: tuple[str, list] = ("", [])
        self.converters = {col.key: getattr(self, f"_conv_{col.kind}") for col in COLUMNS}
        # Unmapped fields read from an extra empty slot appended to every row.
        self.width = len(headers) + 1
        blank = len(headers)
        pos = {k: (self.positions[k] if self.positions.get(k) is not None else blank) for k in BY_KEY}
        self.hh_list = [(k, pos[k]) for k in HOUSEHOLD_KEYS]
        self.person_list = [(k, pos[k]) for k in PERSON_KEYS if k != "nik"]
        self.hh_getter = operator.itemgetter(*[pos[k] for k in HOUSEHOLD_KEYS])
        self.stage_getter = operator.itemgetter(*STAGE_KEYS)
        self.nik_pos = pos["nik"]
        self.hh_key_pos = pos["hh_key"]
        self.caches: dict[str, dict[Any, Any]] = {k: {} for k in BY_KEY}
        self._last_hh_raw: tuple | None = None
        self._last_hh: tuple[dict[str, Any], list[tuple[str, str]]] = ({}, [])

    def header_of(self, key: str) -> str:
        pos = self.positions.get(key)
        return self.headers[pos] if pos is not None else BY_KEY[key].header

    # --- converters: raw cell -> Python value, or RowError -------------------------------------------------
    def _text(self, key: str, raw: Any) -> str:
        value = raw if type(raw) is str else ("" if raw is None else str(raw))
        value = value.strip()
        if not value:
            return ""
        if CONTROL.search(value):
            raise RowError(key, str(CONTROL_MESSAGE))
        limit = BY_KEY[key].max_length
        if limit and len(value) > limit:
            raise RowError(key, TOO_LONG % {"n": len(value), "max": limit})
        return value

    _conv_text = _text
    _conv_code = _text

    def _conv_choice(self, key: str, raw: Any) -> str:
        value = self._text(key, raw)
        if not value:
            return ""
        lookup = self.lookups[key]
        found = lookup.get(value) or lookup.get(norm_choice(value))
        if found is None:
            col = BY_KEY[key]
            allowed = ", ".join(str(label) for _v, label in col.choices.choices)  # type: ignore[union-attr]
            raise RowError(
                key, _("Nilai “%(v)s” tidak dikenal. Pilihan: %(allowed)s.") % {"v": value[:40], "allowed": allowed}
            )
        return found

    def _conv_wgss(self, key: str, raw: Any) -> int | None:
        if type(raw) in (int, float) and raw in (1, 2, 3, 4):
            return int(raw)
        value = self._text(key, raw)
        if not value:
            return None
        found = self.wgss.get(value) or self.wgss.get(norm_choice(value))
        if found is None:
            raise RowError(key, _("Jawaban WG-SS harus 1-4 (1 = tidak ada kesulitan … 4 = tidak bisa sama sekali)."))
        return found

    def _conv_date(self, key: str, raw: Any) -> dt.date | None:
        value = raw if isinstance(raw, dt.date) else self._text(key, raw)
        try:
            return parse_written_date(value)
        except NotInCalendar:
            raise RowError(key, _("Tanggal “%(v)s” tidak ada di kalender.") % {"v": str(value)[:20]}) from None
        except UnknownDateFormat:
            raise RowError(
                key,
                _("Format tanggal “%(v)s” tidak dikenal: gunakan dd/mm/yyyy, d-m-yyyy atau yyyy-mm-dd.")
                % {"v": str(value)[:20]},
            ) from None

    def _conv_int(self, key: str, raw: Any) -> int | None:
        if type(raw) is float and raw.is_integer():
            raw = int(raw)
        value = self._text(key, raw)
        if not value:
            return None
        # The one whole-number column is the floor area (rules.floor_area_error).
        area = int(value) if DIGITS.match(value) and len(value) <= 6 else None
        error = rules.floor_area_error(area, value)
        if error:
            raise RowError(key, error)
        return area

    def _conv_decimal(self, key: str, raw: Any) -> Decimal:
        value = self._text(key, raw)
        if not value:
            return Decimal("0")
        try:
            number = Decimal(value.replace(",", "."))
        except InvalidOperation:
            raise RowError(key, _("Harus angka, mis. 1,5 (tertulis “%(v)s”).") % {"v": value[:20]}) from None
        error = rules.land_error(number)
        if error:
            raise RowError(key, error)
        return number.quantize(Decimal(1).scaleb(-rules.LAND_DECIMAL_PLACES))

    def _conv_bool(self, key: str, raw: Any) -> bool:
        if type(raw) is bool:
            return raw
        value = self._text(key, raw).lower()
        if value in FALSE_WORDS or not value:
            return False
        if value in TRUE_WORDS:
            return True
        raise RowError(key, _("Isi “ya” atau “tidak” (tertulis “%(v)s”).") % {"v": value[:20]})

    def _conv_rtrw(self, key: str, raw: Any) -> str:
        if type(raw) is float and raw.is_integer():
            raw = str(int(raw))
        value = self._text(key, raw)
        if value and not RT_RW.fullmatch(value):
            raise RowError(key, str(rules.RT_RW_FORMAT))
        return value

    def _conv_phone(self, key: str, raw: Any) -> str:
        if type(raw) in (int, float):
            raw = str(int(raw))
        value = self._text(key, raw)
        if not value:
            return ""
        value = value.replace(" ", "").replace("-", "").replace(".", "")
        if value.startswith("8") and 9 <= len(value) <= 13:
            value = "0" + value  # Excel drops the leading zero of a phone number typed as a number.
        if not PHONE.fullmatch(value) or len(value) > 16:
            raise RowError(key, str(rules.PHONE_FORMAT))
        return normalise_phone(value)

    def _identity(self, key: str, raw: Any, label: str) -> str:
        if type(raw) in (int, float):
            raise RowError(key, excel_mangled(label))
        value = self._text(key, raw)
        if not value:
            return ""
        written, value = value, normalise_identity(value)
        if DIGITS_16.fullmatch(value):
            return value
        # A spreadsheet's float ("1502011403850000.00") reads as groups of digits: judge it as it was written.
        if NUMBERISH.match(value) or NUMBERISH.match(written):
            raise RowError(key, excel_mangled(label))
        other = identity_characters_message(label, value)
        if other:
            raise RowError(key, other)
        raise RowError(
            key,
            _("%(label)s harus 16 digit angka (tertulis %(n)s karakter).") % {"label": label, "n": len(value)},
        )

    def _conv_nik(self, key: str, raw: Any) -> str:
        return self._identity(key, raw, "NIK")

    def _conv_kk(self, key: str, raw: Any) -> str:
        value = self._identity(key, raw, self.kk_label)
        if value:
            if self._kk_cache[0] != value:
                self._kk_cache = (value, check_kk(value, today=self.today, district_exists=self.district_exists))
            failures = self._kk_cache[1]
            if failures:
                raise RowError(key, " ".join(f.message for f in failures))
        return value

    def _conv_village(self, key: str, raw: Any) -> str:
        value = self._text(key, raw)
        if not value:
            return ""
        if "." not in value and len(value) == 10 and DIGITS.match(value):
            value = f"{value[:2]}.{value[2:4]}.{value[4:6]}.{value[6:]}"
        if value not in self.known_villages:
            raise RowError(key, _("Kode desa “%(v)s” tidak dikenal (contoh: 15.02.01.2001).") % {"v": value[:20]})
        if self.regencies is not None and value[:5] not in self.regencies:
            names = ", ".join(f"{name} ({code})" for code, name in self.regencies.items())
            raise RowError(
                key,
                _("Desa %(v)s berada di luar wilayah aplikasi ini (%(names)s): rumah tangga di sana tidak diimpor.")
                % {"v": value, "names": names},
            )
        if self.allowed_villages is not None and value not in self.allowed_villages:
            raise RowError(key, _("Anda tidak boleh mendaftarkan rumah tangga di desa %(v)s.") % {"v": value})
        return value

    # --- the row ---------------------------------------------------------------------------------------------
    def _convert_all(self, keys_positions, values, caches) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """Convert cells with a per-column memo: most columns repeat (choices, dates, villages), so after the
        first thousand rows a cell costs one dict lookup instead of a parse."""
        out: dict[str, Any] = {}
        errors: list[tuple[str, str]] = []
        conv = self.converters
        for key, pos in keys_positions:
            raw = values[pos]
            cache = caches[key]
            try:
                value = cache[raw]
            except KeyError:
                try:
                    value = conv[key](key, raw)
                except RowError as err:
                    value = err
                except TypeError:  # an unhashable or odd cell type from a spreadsheet
                    value = RowError(key, _("Isi sel tidak bisa dibaca."))
                if len(cache) > 200_000:
                    cache.clear()
                with contextlib.suppress(TypeError):
                    cache[raw] = value
            if type(value) is RowError:
                errors.append((value.key, value.message))
                out[key] = None
            else:
                out[key] = value
        return out, errors

    def validate(self, values: list[Any]) -> tuple[Any, ...]:
        """Return the staging tuple or raise ValueError(list of (key, message))."""
        width = self.width
        if len(values) != width:
            values = (list(values) + [""] * width)[:width]
        else:
            values.append("")  # the slot unmapped fields read from
        hh_raw = self.hh_getter(values)
        if hh_raw == self._last_hh_raw:
            hh_out, hh_errors = self._last_hh
        else:
            hh_out, hh_errors = self._convert_all(self.hh_list, values, self.caches)
            self._last_hh_raw, self._last_hh = hh_raw, (hh_out, hh_errors)
        p_out, p_errors = self._convert_all(self.person_list, values, self.caches)
        nik_value = values[self.nik_pos]
        try:
            p_out["nik"] = self._conv_nik("nik", nik_value)
        except RowError as err:
            p_errors.append((err.key, err.message))
            p_out["nik"] = None
        errors = hh_errors + p_errors
        out = {**hh_out, **p_out}
        try:
            hh_key = self._text("hh_key", values[self.hh_key_pos])
        except RowError as err:
            errors.append((err.key, err.message))
            hh_key = ""

        for key in rules.REQUIRED_FIELDS:
            if out.get(key) in ("", None) and not any(e[0] == key for e in errors):
                errors.append((key, str(rules.REQUIRED)))
        if not hh_key and not out.get("kk_number") and not any(e[0] == "kk_number" for e in errors):
            errors.append(("hh_key", str(NO_GROUP)))

        birth = out.get("birth_date")
        birth_error = birth and rules.birth_date_error(birth, today=self.today)
        if birth_error:
            errors.append(("birth_date", birth_error))
            birth = None
        nik = out.get("nik")
        if nik:
            out["nik_missing_reason"] = ""
            if birth is not None and out.get("sex"):
                failures = check_nik(
                    nik, birth_date=birth, sex=out["sex"], today=self.today, district_exists=self.district_exists
                )
                if failures:
                    errors.append(("nik", " ".join(f.message for f in failures)))
        elif (
            nik is not None
            and not out.get("nik_missing_reason")
            and not any(e[0] == "nik_missing_reason" for e in errors)
        ):
            errors.append(("nik", str(rules.NIK_OR_REASON_COLUMN)))
        tenure_error = rules.land_tenure_error(out.get("land_operated_ha"), out.get("land_tenure"))
        if tenure_error:
            errors.append(("land_tenure", tenure_error))
        if errors:
            raise ValueError(errors)
        if not out["land_tenure"]:
            out["land_tenure"] = c.LandTenure.NONE
        out["nik"] = nik or None
        out["hh_key"] = ("k:" + hh_key) if hh_key else ("kk:" + out["kk_number"])
        out["hh_hash"] = hash(hh_raw)
        return self.stage_getter(out)
