"""NIK and KK number checks (../shared/domain.md, "Identity numbers").

Each check returns every rule that failed, with a message in Bahasa Indonesia that names the rule, so an officer
can see exactly what is wrong and decide whether to accept the record anyway (with a reason).
An offline check cannot prove a NIK exists; that needs Dukcapil.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from berdaya.areas.models import District

from . import rules

# ASCII digits only, and the whole string (used with fullmatch): `$` would also match before a trailing newline.
DIGITS_16 = re.compile(rules.NUMBER_16)
# Digits typed with an East Asian input method or pasted from a PDF.
FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
SPACE = re.compile(r"\s")  # every Unicode space: the normal one, non-breaking, narrow, ideographic...
# Digits in groups of two or more, separated by single dots or dashes ("1502.0114.0385.0002", "15-02-01-..."). A
# lone trailing digit ("1502011403850000.0") is a spreadsheet's float, not a group, and is left for the checks.
GROUPED = re.compile(r"[0-9]{2,}(?:[.\-][0-9]{2,})+")

# What check_nik and check_kk say, one message per rule (imports.sqlcheck builds the same sentences in SQL).
NIK_FORMAT = gettext_lazy("NIK harus 16 digit angka (tertulis %(n)s karakter).")
NIK_DISTRICT = gettext_lazy("6 digit awal NIK (%(p)s) bukan kode kecamatan yang dikenal.")
NIK_DATE = gettext_lazy("Tanggal lahir dalam NIK (digit 7-12: %(d)s) bukan tanggal yang sah.")
NIK_FUTURE = gettext_lazy("Tanggal lahir dalam NIK berada di masa depan.")
NIK_BIRTH_DATE = gettext_lazy("Tanggal lahir dalam NIK (%(nik)s) tidak sama dengan tanggal lahir tercatat (%(bd)s).")
NIK_SEX = gettext_lazy("Jenis kelamin dalam NIK (%(nik)s) tidak sama dengan jenis kelamin tercatat.")
NIK_SEX_FEMALE = gettext_lazy("perempuan: tanggal +40")
NIK_SEX_MALE = gettext_lazy("laki-laki")
NIK_SERIAL = gettext_lazy("Nomor urut NIK (4 digit terakhir) tidak boleh 0000.")
KK_FORMAT = gettext_lazy("Nomor KK harus 16 digit angka (tertulis %(n)s karakter).")
KK_DISTRICT = gettext_lazy("6 digit awal nomor KK (%(p)s) bukan kode kecamatan yang dikenal.")
KK_DATE = gettext_lazy("Tanggal terbit dalam nomor KK (digit 7-12: %(d)s) bukan tanggal yang sah.")
KK_FUTURE = gettext_lazy("Tanggal terbit dalam nomor KK berada di masa depan.")
KK_SERIAL = gettext_lazy("Nomor urut KK (4 digit terakhir) tidak boleh 0000.")


def normalise_identity(text: str) -> str:
    """A NIK or KK number as written -> the number: one definition for forms, imports and search.

    Groups separated by any kind of space ("1502 0114 0385 0002", with normal or non-breaking spaces), by dots or
    by dashes, Excel's leading apostrophe and full-width digits are accepted; anything else is left for
    check_nik/check_kk to name."""
    value = SPACE.sub("", str(text or "").strip().removeprefix("'"))
    # An import sends every number that is not 16 plain digits through here: skip the table lookup for ASCII.
    value = value if value.isascii() else value.translate(FULLWIDTH_DIGITS)
    return re.sub(r"[.\-]", "", value) if GROUPED.fullmatch(value) else value


# What separates the words of a name for the exact duplicate rule: ASCII punctuation and the spaces people type or
# paste (normal, tab, line breaks, non-breaking, the typographic ones, ideographic). Listed, not \s: the SQL form
# (registry.duplicates.name_key_sql) must read the same class in DuckDB's and PostgreSQL's regular expressions.
NAME_SEPARATORS = (
    string.punctuation
    + " \t\n\r\f\v\u00a0\u1680"
    + "".join(map(chr, range(0x2000, 0x200C)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)


def _bracket(chars: str) -> str:
    # `]` first and `-` last are literal in a bracket expression; `\\` and `^` escaped (RE2, PostgreSQL ARE, re).
    body = "".join("\\" + ch if ch in "\\^[" else ch for ch in chars if ch not in "]-")
    return "[]" + body + "-]+"


NAME_SEPARATOR_RUN = _bracket(NAME_SEPARATORS)
_NAME_SEPARATOR_RE = re.compile(NAME_SEPARATOR_RUN)


def normalise_name(text: str) -> str:
    """A name as written -> the key the exact duplicate rule compares: lower case, punctuation and every kind of
    space turned into one space, no space at either end ("SITI  AMINAH", "Siti Aminah.", "siti-aminah" are one key).

    The base of every name comparison: registry.duplicates (the exact rule, in Python and SQL) uses it as it is;
    the deduplication engine's richer normalisation (titles, bin/binti, spelling variants) builds on it."""
    return _NAME_SEPARATOR_RE.sub(" ", str(text or "").lower()).strip(" ")


def identity_characters_message(label: str, value: str) -> str | None:
    """The message for a 16-character number with something other than 0-9 in it (a letter O, an Arabic digit):
    "16 digits ... written 16 characters" would contradict itself."""
    if len(value) != 16 or DIGITS_16.fullmatch(value):
        return None
    other = next(ch for ch in value if ch not in "0123456789")
    return _("%(label)s hanya boleh berisi angka 0-9 (tertulis “%(c)s”).") % {"label": label, "c": other}


@dataclass(frozen=True)
class Failure:
    rule: str
    message: str

    def __str__(self) -> str:
        return self.message


def _district_exists_default(prefix: str) -> bool:
    code = f"{prefix[0:2]}.{prefix[2:4]}.{prefix[4:6]}"
    return District.objects.filter(code=code).exists()


def _decode_date(ddmmyy: str, century_hint: int | None, today: dt.date) -> dt.date | None:
    day, month, yy = int(ddmmyy[0:2]), int(ddmmyy[2:4]), int(ddmmyy[4:6])
    century = century_hint if century_hint is not None else (2000 if yy <= today.year % 100 else 1900)
    try:
        return dt.date(century + yy, month, day)
    except ValueError:
        return None


def check_nik(
    nik: str,
    *,
    birth_date: dt.date | None = None,
    sex: str | None = None,
    today: dt.date | None = None,
    district_exists: Callable[[str], bool] = _district_exists_default,
) -> list[Failure]:
    """Check a NIK `PPKKCC DDMMYY SSSS` against the person's stated birth date and sex ("M"/"F")."""
    today = today or timezone.localdate()
    if not DIGITS_16.fullmatch(nik or ""):
        return [Failure("format", NIK_FORMAT % {"n": len(nik or "")})]
    failures: list[Failure] = []
    prefix = nik[:6]
    if not district_exists(prefix):
        failures.append(Failure("district", NIK_DISTRICT % {"p": prefix}))
    day = int(nik[6:8])
    implied_sex = "F" if day > 40 else "M"
    real_day = day - 40 if day > 40 else day
    century = (birth_date.year // 100) * 100 if birth_date else None
    decoded = _decode_date(f"{real_day:02d}{nik[8:12]}", century, today)
    if decoded is None:
        failures.append(Failure("date", NIK_DATE % {"d": nik[6:12]}))
    else:
        if decoded > today:
            failures.append(Failure("future", str(NIK_FUTURE)))
        if birth_date and (decoded.day, decoded.month, decoded.year % 100) != (
            birth_date.day,
            birth_date.month,
            birth_date.year % 100,
        ):
            failures.append(
                Failure(
                    "birth_date",
                    NIK_BIRTH_DATE % {"nik": decoded.strftime("%d-%m-%y"), "bd": birth_date.strftime("%d-%m-%y")},
                )
            )
    if sex and sex != implied_sex:
        failures.append(Failure("sex", NIK_SEX % {"nik": NIK_SEX_FEMALE if implied_sex == "F" else NIK_SEX_MALE}))
    if nik[12:] == "0000":
        failures.append(Failure("serial", str(NIK_SERIAL)))
    return failures


def check_kk(
    number: str,
    *,
    today: dt.date | None = None,
    district_exists: Callable[[str], bool] = _district_exists_default,
) -> list[Failure]:
    """Check a family-card number: issuing district, date of issue DDMMYY (no +40 rule), non-zero serial."""
    today = today or timezone.localdate()
    if not DIGITS_16.fullmatch(number or ""):
        return [Failure("format", KK_FORMAT % {"n": len(number or "")})]
    failures: list[Failure] = []
    if not district_exists(number[:6]):
        failures.append(Failure("district", KK_DISTRICT % {"p": number[:6]}))
    issued = _decode_date(number[6:12], None, today)
    if issued is None:
        failures.append(Failure("date", KK_DATE % {"d": number[6:12]}))
    elif issued > today:
        failures.append(Failure("future", str(KK_FUTURE)))
    if number[12:] == "0000":
        failures.append(Failure("serial", str(KK_SERIAL)))
    return failures


def make_nik(*, district_code: str, birth_date: dt.date, sex: str, serial: int) -> str:
    """Build a NIK consistent with a district, a birth date and a sex (for demo data and tests)."""
    day = birth_date.day + (40 if sex == "F" else 0)
    return f"{district_code.replace('.', '')}{day:02d}{birth_date:%m%y}{serial:04d}"
