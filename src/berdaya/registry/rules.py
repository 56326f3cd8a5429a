"""The row rules of the registry, stated once: the limits, formats and messages a household or a person must meet,
whichever way it comes in.

- a form or a service: the models' validators and clean() (models.py) use the constants and checks below;
- a spreadsheet row checked in Python: imports.validate.RowValidator;
- a million rows checked set-based in DuckDB: imports.checks, whose SQL for these rules is the `*_sql` form written
  next to each Python check, from the same constants and the same message.

Tests hold the forms together: registry/tests/test_rules.py (the checks against the models),
imports/tests/test_row_rules.py (random rows, valid, at the limits and invalid, through the Python validator and the
check SQL: the same verdicts and messages). The NIK and KK number checks and normalise_identity, the one definition
of how a typed number becomes the number, live in identity.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from berdaya.core import phone

from . import choices as c

# --- limits --------------------------------------------------------------------------------------------------------
MIN_BIRTH = dt.date(1900, 1, 1)  # an earlier birth date is a typing error, not a person
LAND_MIN_HA = Decimal("0")
LAND_MAX_HA = Decimal("10000")  # larger than any holding in the regency; a bigger number is a unit mistake (m²)
LAND_DECIMAL_PLACES = 2
FLOOR_AREA_MIN_M2 = 0
FLOOR_AREA_MAX_M2 = 5000

# The fields without which a person or household cannot be recorded (the models' non-blank fields without a
# default; registry/tests/test_rules.py holds them equal).
REQUIRED_FIELDS = ("village_id", "full_name", "sex", "birth_date", "relationship")

# --- formats (regular expressions; \d is matched as ASCII 0-9 except by the models' own validators) -------------
NUMBER_16 = r"[0-9]{16}"  # NIK and KK number, once normalised (identity.normalise_identity)
RT_RW = r"\d{1,3}"
# Phone numbers: the one rule is core.phone (every app that keeps a number uses it); here for the row checks.
PHONE_TRUNK = phone.TRUNK
PHONE_SUBSCRIBER = phone.SUBSCRIBER
PHONE = PHONE_TRUNK + PHONE_SUBSCRIBER
PHONE_COUNTRY = phone.COUNTRY

# --- messages ------------------------------------------------------------------------------------------------------
REQUIRED = _("Wajib diisi.")
NUMBER_16_FORMAT = _("Harus 16 digit angka.")
BIRTH_IN_FUTURE = _("Tanggal lahir tidak boleh di masa depan.")
BIRTH_TOO_EARLY = _("Tanggal lahir sebelum %(year)s tidak masuk akal.")
TENURE_REQUIRED = _("Pilih status lahan untuk lahan yang dikelola.")
# Said on a form (a choice list) and in a file (a column) in the words of each.
NIK_OR_REASON = _("Isi NIK, atau pilih alasan mengapa NIK tidak ada.")
NIK_OR_REASON_COLUMN = _("Isi NIK, atau isi Alasan tanpa NIK.")
RT_RW_FORMAT = _("RT/RW berupa angka 1-3 digit, mis. 003.")
PHONE_FORMAT = phone.INVALID
LAND_RANGE = _("Harus antara %(min)s dan %(max)s ha.")
FLOOR_AREA_RANGE = _("Harus bilangan bulat %(min)s-%(max)s (tertulis “%(v)s”).")


def sql_literal(value: object) -> str:
    """A SQL string literal (standard quoting: DuckDB, PostgreSQL and SQLite read it alike)."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_date(value: dt.date) -> str:
    return f"DATE '{value.isoformat()}'"


# --- the checks: Python, and the same rule as a SQL expression (NULL when the rule holds) -------------------------
def birth_date_error(birth: dt.date, *, today: dt.date) -> str | None:
    """A birth date is neither in the future nor before MIN_BIRTH."""
    if birth > today:
        return str(BIRTH_IN_FUTURE)
    if birth < MIN_BIRTH:
        return str(BIRTH_TOO_EARLY % {"year": MIN_BIRTH.year})
    return None


def birth_date_error_sql(birth: str, *, today: str) -> str:
    return (
        f"(CASE WHEN {birth} > {today} THEN {sql_literal(BIRTH_IN_FUTURE)} "
        f"WHEN {birth} < {sql_date(MIN_BIRTH)} THEN {sql_literal(BIRTH_TOO_EARLY % {'year': MIN_BIRTH.year})} END)"
    )


def birth_date_ok_sql(birth: str, *, today: str) -> str:
    """The birth date when birth_date_error_sql finds nothing wrong with it, else NULL."""
    return f"(CASE WHEN {birth} BETWEEN {sql_date(MIN_BIRTH)} AND {today} THEN {birth} END)"


def land_tenure_error(land: Decimal | None, tenure: str | None) -> str | None:
    """Land that is farmed has a tenure status ("" is read as none: an empty cell). None is a value that could not
    be read, already reported."""
    if land is not None and land > 0 and tenure in ("", c.LandTenure.NONE):
        return str(TENURE_REQUIRED)
    return None


def land_tenure_error_sql(land: str, tenure: str) -> str:
    return (
        f"(CASE WHEN {land} > 0 AND {tenure} IN ('', {sql_literal(c.LandTenure.NONE)}) "
        f"THEN {sql_literal(TENURE_REQUIRED)} END)"
    )


def land_error(land: Decimal) -> str | None:
    """The land farmed is a finite number of hectares between LAND_MIN_HA and LAND_MAX_HA."""
    if not land.is_finite() or not LAND_MIN_HA <= land <= LAND_MAX_HA:
        return str(LAND_RANGE % {"min": LAND_MIN_HA, "max": LAND_MAX_HA})
    return None


def floor_area_error(area: int | None, written: str) -> str | None:
    """The floor area is a whole number of m² between FLOOR_AREA_MIN_M2 and FLOOR_AREA_MAX_M2 (None: `written` is
    not a whole number)."""
    if area is None or not FLOOR_AREA_MIN_M2 <= area <= FLOOR_AREA_MAX_M2:
        return str(FLOOR_AREA_RANGE % {"min": FLOOR_AREA_MIN_M2, "max": FLOOR_AREA_MAX_M2, "v": written[:20]})
    return None
