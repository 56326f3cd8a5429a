# SQL here is assembled only from column names and constants defined in code; values come from tables.
# ruff: noqa: S608
"""The Fellegi-Sunter pipeline, on Splink 5 (DuckDB by default, Spark for province-scale runs: spark.py).

One input shape, whatever the source (the registry: dbio.read_people; a labelled CSV: evaluate.py; new records:
incremental.py): a DuckDB table `raw` with any of the columns of RAW_COLUMNS (unique_id is required). `prepare`
turns it into `people` (names.py's rule, set-based), `train` learns the model, `predict` scores the blocked pairs in
chunks and clusters them.

Blocking (docs/decisions.md, "Record linkage"): the pairs worth scoring share a NIK (or its area and birth-date
part), a KK, a phone, the canonical name and birth year, the first name and birth date, the last name and birth date,
the birth date within a district, the first name and birth year within a district, or, in one village, the birth
year with the sex and initial or with the last name. Each rule is narrow (a few people per block even at a million),
and between them they admit every kind of corruption the labelled set holds but two at once in the same field: far
fewer comparisons than blocking on a village or on district and birth year.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb
from django.utils.translation import gettext_noop

from . import names

logger = logging.getLogger(__name__)

# column → DuckDB type of the raw input (every column but unique_id is optional).
RAW_COLUMNS: dict[str, str] = {
    "unique_id": "BIGINT",
    "full_name": "VARCHAR",
    "birth_date": "VARCHAR",  # ISO yyyy-mm-dd
    "sex": "VARCHAR",
    "village_id": "VARCHAR",
    "district_id": "VARCHAR",
    "address": "VARCHAR",
    "nik": "VARCHAR",
    "kk_number": "VARCHAR",
    "phone": "VARCHAR",
    "parent_name": "VARCHAR",
    "other_id": "VARCHAR",
    "birth_place": "VARCHAR",  # as written: prepare normalises it (BIRTH_PLACE_SQL)
}
# A level of a comparison: (sql condition in DuckDB's dialect, Indonesian label, tf column or None). Labels are marked
# with gettext_noop only so makemessages finds them: they stay Indonesian in the model JSON and in stored explanations
# and are translated where they are shown (review.pair_reasons; registry.matching.reasons_shown for a form or an
# import's likely matches).
Level = tuple[str, str, str | None]


@dataclass(frozen=True)
class Field:
    """One comparison: the columns it needs, its null condition and its levels, most similar first."""

    name: str
    needs: tuple[str, ...]
    null: str
    levels: tuple[Level, ...]
    other: str  # the label of the last (else) level

    def labels(self) -> set[str]:
        """Every label of the field's levels (a trained model numbers them: model_labels)."""
        return {label for _sql, label, _tf in self.levels} | {self.other}


# Functions are named per backend: {jw}, {dl}, {subset} and {birth_days_apart} in a level are filled in by
# settings_for.
FUNCTIONS: dict[str, dict[str, str]] = {
    "duckdb": {
        "jw": "jaro_winkler_similarity",
        "dl": "damerau_levenshtein",
        # every word of the right-hand list is in the left-hand one
        "has_all_words": "list_has_all(name_words_{a}, name_words_{b})",
        "birth_days_apart": "abs(date_diff('day', TRY_CAST(birth_date_l AS DATE), TRY_CAST(birth_date_r AS DATE)))",
    },
    "spark": {  # Splink's Scala UDFs and Spark SQL
        "jw": "jaro_winkler",
        "dl": "damerau_levenshtein",
        "has_all_words": "size(array_except(name_words_{b}, name_words_{a})) = 0",
        "birth_days_apart": "abs(datediff(to_date(birth_date_l), to_date(birth_date_r)))",
    },
}


def _jw(col: str, at: float) -> str:
    return f"{{jw}}({col}_l, {col}_r) >= {at}"


def _either(col: str, alt: str) -> str:
    """`col` agrees, on the record or as its NIK states it (`alt`), on either side."""
    return " OR ".join(f"{a}_l = {b}_r" for a in (col, alt) for b in (col, alt))


def _dl(col: str, at: int) -> str:
    return f"{{dl}}({col}_l, {col}_r) <= {at}"


FIELDS: tuple[Field, ...] = (
    Field(
        "name",
        ("full_name",),
        "name_sorted_l IS NULL OR name_sorted_r IS NULL",
        (
            ("name_sorted_l = name_sorted_r", gettext_noop("Nama sama"), "name_sorted"),
            (_jw("name_sorted", 0.92), gettext_noop("Nama hampir sama"), None),
            # A name written shorter (a dropped surname, a title's name alone): how much it says is how common the
            # shorter name is (its term frequency, the larger of the two sides').
            ("{subset}", gettext_noop("Nama satu bagian dari nama lain"), "name_sorted"),
            ("first_name_l = first_name_r", gettext_noop("Nama depan sama"), "first_name"),
            # Another given name with the same family or father's name (siblings, in-laws): kept apart from the
            # similar names below so it does not pass for a typo.
            ("last_name_l = last_name_r", gettext_noop("Nama belakang sama, nama depan lain"), None),
            (f"{_jw('name_text', 0.8)} OR {_jw('name_sorted', 0.8)}", gettext_noop("Nama mirip"), None),
        ),
        gettext_noop("Nama berbeda"),
    ),
    Field(
        "birth_date",
        ("birth_date",),
        "birth_date_l IS NULL OR birth_date_r IS NULL",
        (
            # The NIK holds the birth date a second time (digits 7-12, +40 for women): a date mistyped on one
            # record still agrees through its NIK.
            # Term frequency: how many share the date, counted over everyone (random sampling sees too few pairs
            # born the same day to estimate it well; the first of January and the 17th of August are common).
            (_either("birth_date", "nik_birth"), gettext_noop("Tanggal lahir sama"), "birth_date"),
            (
                "substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4) AND "
                "substr(birth_date_l, 6, 2) = substr(birth_date_r, 9, 2) AND "
                "substr(birth_date_l, 9, 2) = substr(birth_date_r, 6, 2)",
                gettext_noop("Hari dan bulan tertukar"),
                None,
            ),
            (_dl("birth_date", 1), gettext_noop("Tanggal lahir beda satu angka"), None),
            ("{birth_days_apart} <= 31", gettext_noop("Tanggal lahir selisih sebulan atau kurang"), None),
            ("substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4)", gettext_noop("Tahun lahir sama"), None),
        ),
        gettext_noop("Tanggal lahir berbeda"),
    ),
    Field(
        "sex",
        ("sex",),
        "sex_l IS NULL OR sex_r IS NULL",
        (("sex_l = sex_r", gettext_noop("Jenis kelamin sama"), None),),
        gettext_noop("Jenis kelamin berbeda"),
    ),
    Field(
        "place",
        ("village_id",),
        "village_id_l IS NULL OR village_id_r IS NULL",
        (
            ("village_id_l = village_id_r", gettext_noop("Desa sama"), None),
            # The NIK's first six digits are the district where it was issued: someone who moved still agrees there.
            (_either("district_id", "nik_district"), gettext_noop("Kecamatan sama, desa lain"), None),
        ),
        gettext_noop("Wilayah berbeda"),
    ),
    Field(
        "address",
        ("address",),
        "address_l IS NULL OR address_r IS NULL",
        (
            ("address_l = address_r", gettext_noop("Alamat sama"), None),
            (_jw("address", 0.85), gettext_noop("Alamat mirip"), None),
        ),
        gettext_noop("Alamat berbeda"),
    ),
    Field(
        "nik",
        ("nik",),
        "nik_l IS NULL AND nik_r IS NULL",
        (
            ("nik_l = nik_r", gettext_noop("NIK sama"), None),
            (_dl("nik", 1), gettext_noop("NIK beda satu angka"), None),
            ("nik_l IS NULL OR nik_r IS NULL", gettext_noop("NIK hanya di satu catatan"), None),
            # Two well-formed NIKs whose first twelve digits (district of issue, birth date) differ as well: two
            # people with a card each, unless one NIK was written wrong in two places. Kept apart from the NIKs
            # that differ only in the serial (the else level), where the district and date they hold agree and
            # are already counted by the place and birth-date comparisons. Not trained: added after training as a
            # share of the else level (AFTER_TRAINING).
            (
                "nik12_l <> nik12_r AND nik_birth_l IS NOT NULL AND nik_birth_r IS NOT NULL",
                gettext_noop("NIK berbeda, wilayah atau tanggal lahir di dalamnya lain"),
                None,
            ),
        ),
        gettext_noop("NIK berbeda"),
    ),
    # KK and the parent's name both say "same household": one comparison, so siblings (same KK, same father) are
    # not counted as two independent agreements (Fellegi-Sunter assumes conditional independence).
    Field(
        "household",
        ("kk_number", "parent_name", "full_name"),
        "(kk_number_l IS NULL OR kk_number_r IS NULL) AND (parent_l IS NULL OR parent_r IS NULL)",
        (
            ("kk_number_l = kk_number_r", gettext_noop("Satu KK"), None),
            ("parent_l = parent_r", gettext_noop("Nama orang tua sama"), None),
            (_jw("parent", 0.88), gettext_noop("Nama orang tua mirip"), None),
            (_dl("kk_number", 2), gettext_noop("Nomor KK hampir sama"), None),
        ),
        gettext_noop("KK dan orang tua berbeda"),
    ),
    Field(
        "phone",
        ("phone",),
        "phone_l IS NULL OR phone_r IS NULL",
        (("phone_l = phone_r", gettext_noop("Nomor HP sama"), None),),
        gettext_noop("Nomor HP berbeda"),
    ),
    Field(
        "other_id",
        ("other_id",),
        "other_id_l IS NULL OR other_id_r IS NULL",
        (
            ("other_id_l = other_id_r", gettext_noop("ID lain sama"), None),
            (_dl("other_id", 2), gettext_noop("ID lain hampir sama"), None),
        ),
        gettext_noop("ID lain berbeda"),
    ),
)
# The birth place (a KTP's tempat lahir: mostly the home village, else another village, the regency's town, a town
# elsewhere), weighed given whether the villages agree (BIRTH_PLACE_STRATA), so that the village is not counted twice.
# Not trained with the other comparisons (Linkage.add_birth_place): compared in EM, it flattened the birth date's
# weights at a million people (docs/decisions.md).
BIRTH_PLACE = Field(
    "birth_place",
    ("birth_place",),
    "birth_place_l IS NULL OR birth_place_r IS NULL",
    (
        # Within one village (the first three levels) and between villages (the last three), each learnt within its
        # own stratum (add_birth_place): within one village most neighbours were born there and "Desa sama" has
        # counted that, so a shared home village says little there and a shared town or other village much.
        # Term frequencies: of the place in the village (birth_place_tf), and among other villages.
        (
            "village_id_l = village_id_r AND birth_place_l = birth_place_r",
            gettext_noop("Tempat lahir sama"),
            "birth_place_village",
        ),
        # One letter mistyped (or a vowel written otherwise: Muaro, Muara). Not a Jaro-Winkler similarity: many
        # places share a first word (Sungai, Tanjung, Muara), and random pairs of villages reached 0.88 fifty times
        # as often as one edit apart.
        (
            f"village_id_l = village_id_r AND {_dl('birth_place', 1)}",
            gettext_noop("Tempat lahir beda satu huruf"),
            None,
        ),
        ("village_id_l = village_id_r", gettext_noop("Tempat lahir berbeda"), None),
        ("birth_place_l = birth_place_r", gettext_noop("Tempat lahir sama"), "birth_place"),
        (_dl("birth_place", 1), gettext_noop("Tempat lahir beda satu huruf"), None),
    ),
    gettext_noop("Tempat lahir berbeda"),
)
BIRTH_PLACE_STRATA = ((0, 1, 2), (3, 4, 5))  # the levels within one village, between villages (_gamma_sql's numbers)
# Whether a run trained on its own records adds the birth-place comparison (bench/dedup.py --no-birth-place turns it
# off to measure the same registry both ways).
COMPARE_BIRTH_PLACE = True
# The birth place as the pipeline compares it: case folded, punctuation and repeated spaces gone, and the kind of
# place a writer may add ("Kab. Merangin", "Kabupaten Merangin", "Kota Jambi", "Desa Pulau Tengah") left out.
BIRTH_PLACE_SQL = (
    "NULLIF(regexp_replace(trim(regexp_replace(lower({col}), '[^a-z0-9]+', ' ', 'g')), "
    "'^(kabupaten|kab|kota|desa|kelurahan|kel) ', ''), '')"
)

# NIK is unique among the living: two registry records never share one, and a person registered twice has either
# no NIK on one record or two different ones. So "NIK sama" is never observed (neither EM nor random sampling can
# learn it): its level and the one-digit typo are stated, not learnt. A NIK on one record only (the usual trace of a
# second registration, where two people are both registered with theirs) and two NIKs that differ in the serial
# alone are learnt. (What the first twelve digits hold, the district and the birth date, joins the place and
# birth-date comparisons as a second record of them: a level for their agreement would count it twice. Their
# disagreement, beyond a typo, is a level of its own: each record's date is confirmed by its own card.)
PRIOR_LEVELS: dict[tuple[str, str], tuple[float, float | None]] = {
    ("nik", "NIK sama"): (0.05, 1e-7),
    ("nik", "NIK beda satu angka"): (0.05, 1e-5),
    # A person is on one family card once: sharing a KK makes two records family, hardly the same person (a
    # household imported twice is found by its names and dates). Learnt from data, EM would take family for one.
    ("household", "Satu KK"): (0.001, 0.0003),
    # Two records of one person whose names share nothing (no word, no close spelling, neither a part of the other)
    # are rare in real lists; EM learns them from the labelled set's stacked corruptions of one-word names (a
    # nickname with a typo) and would then let a same-day neighbour in the same village pass for the same person.
    # Stated; u is learnt.
    ("name", "Nama berbeda"): (0.002, None),
}

# Levels left out of training and added to the trained model as a part of their field's else level
# (with_after_training_levels), each with the share of the else level's matches it stands for.
# "NIK berbeda, wilayah atau tanggal lahir di dalamnya lain": trained as a level of its own, its complement (two NIKs
# of one district and birth date, another serial) would be learnt as rare among random pairs and weigh +14 bits, the
# district and birth date counted a second time. So both are weighed given what the place and birth-date comparisons
# have already counted: among two records with two different NIKs that the other comparisons see alike, the NIKs'
# district or birth date differs for nearly every pair of two people and for a small share of one person's two
# records (a NIK written wrong twice over, or another person's): 2% stated, since the labelled set never does it
# (its second registrations mistype the serial only). The weight of the level is the else level's + log2(0.02),
# 5.6 bits further against; the else level keeps its weight. The two levels' u are then each the else level's
# (conditional on that context, not shares of all pairs), so a comparison's u no longer sums to one; Splink uses
# only m/u.
AFTER_TRAINING: dict[tuple[str, str], float] = {
    ("nik", "NIK berbeda, wilayah atau tanggal lahir di dalamnya lain"): 0.02,
}


def fields_for(columns: Iterable[str]) -> list[Field]:
    """The comparisons the data can support: a field whose columns are all absent (or empty) is left out."""
    have = set(columns)
    out = []
    for f in FIELDS:
        if f.name == "household":
            if "kk_number" in have or "parent_name" in have:
                out.append(f)
        elif all(c in have for c in f.needs):
            out.append(f)
    return out


# Birth dates close enough to be one date written wrong: within a month (a day's typo, a date off by days), the same
# day and month (the year mistyped), the same year and day (the month mistyped), day and month swapped, or either a
# date written when only the year was known (1 January, 1 July, 31 December). On columns `prepare` derives once per
# person (a day number, the month and the day), so a blocking join compares integers and short strings instead of
# parsing two dates for every candidate pair, in the same SQL for DuckDB and Spark.
NEAR_DATE = (
    "(abs(l.birth_day_no - r.birth_day_no) <= 31 OR l.birth_md = r.birth_md"
    " OR (l.birth_year = r.birth_year AND (l.birth_dd = r.birth_dd"
    " OR (l.birth_mm = r.birth_dd AND l.birth_dd = r.birth_mm)))"
    " OR l.birth_placeholder OR r.birth_placeholder)"
)
# (name, SQL on l and r, columns needed, columns that must be absent). Each admits few pairs per block at a million
# people: a key shared by many people (a family card, a common name and birth year, a common name within a district)
# is narrowed to the pairs whose birth dates could be one date written wrong. The pairs left out could hardly reach a
# threshold: family members and people with a common name are told apart by birth dates that disagree outright.
# Narrowed rules come last: Splink leaves out of each rule the pairs of the rules before it, evaluating their
# conditions on its candidates.
BLOCKING: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("nik", "l.nik = r.nik", ("nik",), ()),
    ("nik_area_birth", "l.nik12 = r.nik12", ("nik",), ()),
    ("kk", "l.kk_number = r.kk_number", ("kk_number",), ("birth_date",)),
    ("phone", "l.phone = r.phone", ("phone",), ()),
    ("other_id", "l.other_id = r.other_id", ("other_id",), ()),
    ("first_birth", "l.first_name = r.first_name AND l.birth_date = r.birth_date", ("full_name", "birth_date"), ()),
    ("last_birth", "l.last_name = r.last_name AND l.birth_date = r.birth_date", ("full_name", "birth_date"), ()),
    (
        "district_birth",
        "l.district_id = r.district_id AND l.birth_date = r.birth_date",
        ("village_id", "birth_date"),
        (),
    ),
    # One family card: family members, unless their birth dates could be one date (a person entered twice in a
    # household under another name is found here); without birth dates, every pair of the card.
    (
        "kk_date",
        f"l.kk_number = r.kk_number AND (l.birth_date IS NULL OR r.birth_date IS NULL OR {NEAR_DATE})",
        ("kk_number", "birth_date"),
        (),
    ),
    (
        "name_year",
        f"l.name_sorted = r.name_sorted AND l.birth_year = r.birth_year AND {NEAR_DATE}",
        ("full_name", "birth_date"),
        (),
    ),
    (
        "district_first_year",
        f"l.district_id = r.district_id AND l.first_name = r.first_name AND l.birth_year = r.birth_year AND {NEAR_DATE}",
        ("village_id", "full_name", "birth_date"),
        (),
    ),
    # A typo in the first name and one in the birth date, in one village: the same initial and sex (a typo rarely
    # hits the first letter), or the same last name (the typo in the first).
    (
        "village_initial_year",
        "l.village_id = r.village_id AND l.sex = r.sex AND l.birth_year = r.birth_year AND "
        f"substr(l.first_name, 1, 1) = substr(r.first_name, 1, 1) AND {NEAR_DATE}",
        ("village_id", "full_name", "birth_date", "sex"),
        (),
    ),
    (
        "village_last_year",
        f"l.village_id = r.village_id AND l.last_name = r.last_name AND l.birth_year = r.birth_year AND {NEAR_DATE}",
        ("village_id", "full_name", "birth_date"),
        (),
    ),
    # The same name in a district with a birth date missing on one side, or another year that could be a typo.
    (
        "name_district_date",
        "l.name_sorted = r.name_sorted AND l.district_id = r.district_id AND "
        f"(l.birth_date IS NULL OR r.birth_date IS NULL OR {NEAR_DATE})",
        ("full_name", "village_id", "birth_date"),
        (),
    ),
    # Without birth dates (a labelled file may have none): the canonical name within a district.
    (
        "name_district",
        "l.name_sorted = r.name_sorted AND l.district_id = r.district_id",
        ("full_name", "village_id"),
        ("birth_date",),
    ),
)
# The baselines of ../shared/linkage-notes.md, for bench/dedup.py.
BASELINES: dict[str, list[str]] = {
    "district_birth_year": [
        "l.district_id = r.district_id AND l.birth_year = r.birth_year",
        "l.name_sorted = r.name_sorted",
        "l.birth_date = r.birth_date AND l.first_name = r.first_name",
    ],
    "village": [
        "l.village_id = r.village_id",
        "l.name_sorted = r.name_sorted",
        "l.birth_date = r.birth_date AND l.first_name = r.first_name",
    ],
}


def blocking_for(columns: Iterable[str]) -> list[str]:
    """The blocking rules the data supports (the same SQL on DuckDB and Spark)."""
    have = set(columns)
    rules = [
        sql
        for _name, sql, needs, absent in BLOCKING
        if all(c in have for c in needs) and not any(c in have for c in absent)
    ]
    if not rules:
        rules = ["l.name_sorted = r.name_sorted"]
    return rules


# The birth date a 16-digit NIK states (digits 7-12: day, +40 for women; month; two-digit year, read as the latest
# year not in the future), or NULL when they are not a date (a NIK that fails the checks is still compared whole).
PLACEHOLDER_DAYS = "('01-01', '07-01', '12-31')"  # dates written when only the year was known
NIK_BIRTH_SQL = """CAST(CASE WHEN regexp_full_match(nik, '[0-9]{16}') THEN TRY_CAST(
    printf('%04d-%s-%02d', CAST(substr(nik, 11, 2) AS INTEGER)
                           + CASE WHEN CAST(substr(nik, 11, 2) AS INTEGER) > year(current_date) % 100
                                  THEN 1900 ELSE 2000 END,
           substr(nik, 9, 2), CAST(substr(nik, 7, 2) AS INTEGER) % 40) AS DATE) END AS VARCHAR)"""


# --- preparing the input -------------------------------------------------------------------------------------------
def present_columns(con: duckdb.DuckDBPyConnection, table: str = "raw") -> set[str]:
    """The raw columns that exist and hold at least one value."""
    cols = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()} & set(RAW_COLUMNS)
    if not cols - {"unique_id"}:
        return cols
    counts = con.execute(f"SELECT {', '.join(f'count({c})' for c in sorted(cols))} FROM {table}").fetchall()[0]
    return {c for c, n in zip(sorted(cols), counts, strict=True) if n}


def prepare(
    con: duckdb.DuckDBPyConnection, *, source: str = "raw", target: str = "people", parts: str | None = None
) -> set[str]:
    """Build `target` from `source`: canonical names (names.py, set-based), blanks as NULL, the derived keys.
    Returns the raw columns present.

    `parts`: a table (unique_id, given VARCHAR[], parent VARCHAR[], parent_given VARCHAR[]) of the names already made
    canonical in Python (names.name_parts and canonical_words of the parent's name), for a few records (the
    incremental check), where binding the SQL form of the rule costs more than the work."""
    if parts is None:
        names.install_macros(con)
    cols = present_columns(con, source)
    cleaned, named, derived = _prepare_parts(cols, source, parts)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _prep AS {cleaned}")
    select = ",\n               ".join(sql if sql == name else f"{sql} AS {name}" for name, sql in derived.items())
    con.execute(f"CREATE OR REPLACE TABLE {target} AS WITH p AS ({named}) SELECT {select} FROM p")
    con.execute("DROP TABLE _prep")
    return cols


def prepared_columns() -> tuple[str, ...]:
    """The columns `prepare` builds, in its order."""
    return tuple(_prepare_parts(set(), "raw", None)[2])


def prepared_select(source: str, parts: str, columns: Iterable[str]) -> str:
    """One SELECT of `columns` (unique_id first) of what `prepare(con, source=source, parts=parts)` builds, for every
    raw column of `source`, generated from the same expressions: for a few records whose every column is counted as
    present (a raw column with no value prepares to NULL either way), without the statements that build and drop the
    tables in between. The incremental check reads only what its name filter needs this way."""
    cleaned, named, derived = _prepare_parts(set(RAW_COLUMNS), source, parts)
    select = ", ".join(f"{derived[c]} AS {c}" for c in dict.fromkeys(["unique_id", *columns]))
    return f"WITH _prep AS ({cleaned}), p AS ({named}) SELECT {select} FROM p"


def _prepare_parts(cols: set[str], source: str, parts: str | None) -> tuple[str, str, dict[str, str]]:
    """prepare's SQL: the cleaning SELECT (the table `_prep`), the SELECT adding the name parts to `_prep` (`p`), and
    each prepared column's expression over `p`."""

    def col(name: str) -> str:
        return f"NULLIF(trim(CAST({name} AS VARCHAR)), '')" if name in cols else "CAST(NULL AS VARCHAR)"

    words = (
        f"bd_name_words({col('full_name')}) AS words, bd_name_words({col('parent_name')}) AS parent_words"
        if parts is None
        else "NULL AS words"
    )
    named = (
        "SELECT *, bd_name_split(words, bd_bin_pos(words)) AS parts, bd_canon_words(parent_words) AS parent_given "
        "FROM _prep"
        if parts is None
        else "SELECT _prep.*, {'given': n.given, 'parent': n.parent} AS parts, n.parent_given "
        f"FROM _prep LEFT JOIN {parts} n USING (unique_id)"
    )
    cleaned = f"""
        SELECT CAST(unique_id AS BIGINT) AS unique_id, {words},
               {col("birth_date")} AS birth_date, upper({col("sex")}) AS sex, {col("village_id")} AS village_id,
               {col("district_id")} AS district_id, upper({col("address")}) AS address,
               regexp_replace({col("nik")}, '[^0-9A-Za-z]', '', 'g') AS nik,
               regexp_replace({col("kk_number")}, '[^0-9A-Za-z]', '', 'g') AS kk_number,
               regexp_replace({col("phone")}, '[^0-9]', '', 'g') AS phone, upper({col("other_id")}) AS other_id,
               {BIRTH_PLACE_SQL.format(col=col("birth_place"))} AS birth_place
        FROM {source}
        """
    derived = {
        "unique_id": "unique_id",
        "name_text": "NULLIF(array_to_string(parts.given, ' '), '')",
        "name_sorted": "NULLIF(array_to_string(list_sort(parts.given), ' '), '')",
        "name_words": "CASE WHEN len(parts.given) > 0 THEN list_sort(parts.given) END",
        "first_name": "parts.given[1]",
        "last_name": "CASE WHEN len(parts.given) > 1 THEN parts.given[-1] END",
        # The father's name after bin/binti, else the given parent's (for children: the household head).
        "parent": "COALESCE(NULLIF(array_to_string(parts.parent, ' '), ''), "
        "NULLIF(array_to_string(parent_given, ' '), ''))",
        "birth_date": "birth_date",
        "birth_year": "substr(birth_date, 1, 4)",
        # for blocking (NEAR_DATE): the date as a day number, its month and day, a placeholder date
        "birth_day_no": "CAST(date_diff('day', DATE '1970-01-01', TRY_CAST(birth_date AS DATE)) AS INTEGER)",
        "birth_md": "substr(birth_date, 6, 5)",
        "birth_mm": "substr(birth_date, 6, 2)",
        "birth_dd": "substr(birth_date, 9, 2)",
        "birth_placeholder": f"substr(birth_date, 6, 5) IN {PLACEHOLDER_DAYS}",
        "sex": "sex",
        "village_id": "village_id",
        "district_id": "COALESCE(district_id, CASE WHEN village_id LIKE '%.%.%.%' "
        "THEN regexp_extract(village_id, '^([^.]+\\.[^.]+\\.[^.]+)', 1) ELSE village_id END)",
        "address": "address",
        "nik": "NULLIF(nik, '')",
        "nik12": "CASE WHEN length(nik) = 16 THEN substr(nik, 1, 12) END",
        "nik_birth": NIK_BIRTH_SQL,
        "nik_district": f"CASE WHEN regexp_full_match(nik, '[0-9]{{16}}') AND {NIK_BIRTH_SQL} IS NOT NULL "
        "THEN concat_ws('.', substr(nik, 1, 2), substr(nik, 3, 2), substr(nik, 5, 2)) END",
        "kk_number": "NULLIF(kk_number, '')",
        "phone": "NULLIF(phone, '')",
        "other_id": "NULLIF(other_id, '')",
        "birth_place": "birth_place",
        # the birth place within its village, for the term frequencies of a place in one village
        "birth_place_village": "CASE WHEN village_id IS NOT NULL THEN village_id || ' ' || birth_place END",
    }
    return cleaned, named, derived


# --- the model -----------------------------------------------------------------------------------------------------
def _prior(level: Any, field: str, label: str) -> Any:
    if (field, label) not in PRIOR_LEVELS:
        return level
    m, u = PRIOR_LEVELS[(field, label)]
    if u is None:  # only m stated: u is learnt
        return level.configure(m_probability=m, fix_m_probability=True)
    return level.configure(m_probability=m, u_probability=u, fix_m_probability=True, fix_u_probability=True)


def _functions(dialect: str) -> dict[str, str]:
    fns = dict(FUNCTIONS[dialect])
    fns["subset"] = "(" + " OR ".join(fns["has_all_words"].format(a=a, b=b) for a, b in (("l", "r"), ("r", "l"))) + ")"
    return fns


def for_dialect(model: dict[str, Any], dialect: str) -> dict[str, Any]:
    """A trained model (JSON) with its levels' SQL written for another backend: a level whose SQL is this code's
    DuckDB SQL for its label gets the same level in `dialect`; any other (a model trained by an older definition)
    is left as it is (plain comparisons read the same in both)."""
    import copy

    duck, other = _functions("duckdb"), _functions(dialect)
    sql = {
        (f.name, label, text.format(**duck)): text.format(**other)
        for f in (*FIELDS, BIRTH_PLACE)
        for text, label, _t in f.levels
    }
    out = copy.deepcopy(model)
    for comp in out["comparisons"]:
        for level in comp["comparison_levels"]:
            key = (comp["output_column_name"], level.get("label_for_charts"), level.get("sql_condition"))
            if key in sql:
                level["sql_condition"] = sql[key]
    out["sql_dialect"] = dialect
    return out


def _comparison(f: Field, fns: dict[str, str], *, training: bool = False) -> Any:
    """One field as a Splink comparison (its null level first, then its levels, then the else level); for
    `training`, without the levels added after it (AFTER_TRAINING)."""
    import splink.comparison_level_library as cll
    from splink.comparison_library import CustomComparison

    levels: list[Any] = [cll.CustomLevel(f.null, "Tidak ada data").configure(is_null_level=True)]
    for sql, label, tf in f.levels:
        if training and (f.name, label) in AFTER_TRAINING:
            continue
        level: Any = cll.CustomLevel(sql.format(**fns), label)
        if tf:
            # A level that is not the plain equality of its tf column is adjusted against its own u.
            own = sql != f"{tf}_l = {tf}_r" and tf != "name_sorted"
            level = level.configure(
                tf_adjustment_column=tf, tf_adjustment_weight=1.0, disable_tf_exact_match_detection=own or None
            )
        level = _prior(level, f.name, label)
        levels.append(level)
    levels.append(_prior(cll.ElseLevel().configure(label_for_charts=f.other), f.name, f.other))
    return CustomComparison(levels, output_column_name=f.name)


def settings_for(columns: Iterable[str], *, blocking: list[str] | None = None, dialect: str = "duckdb") -> Any:
    """The settings a model is trained with (without the levels added after training: finish_training)."""
    from splink import SettingsCreator

    fns = _functions(dialect)
    comparisons = [_comparison(f, fns, training=True) for f in fields_for(columns)]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=list[Any](blocking if blocking is not None else blocking_for(columns)),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
        probability_two_random_records_match=1e-5,
        additional_columns_to_retain=[],
    )


@dataclass
class Linkage:
    """One pipeline over one `people` table."""

    con: duckdb.DuckDBPyConnection
    columns: set[str]
    model: dict[str, Any] | None = None
    blocking: list[str] | None = None
    on_step: Callable[[str, float], None] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    linker: Any = None
    people: int = 0
    birth_place_sure: int = 0  # the near-certain pairs the birth place's m was learnt from (add_birth_place)

    def _lap(self, name: str, start: float, share: float) -> float:
        now = time.perf_counter()
        self.timings[name] = round(now - start, 3)
        if self.on_step:
            self.on_step(name, share)
        return now

    def build(self) -> None:
        from splink import DuckDBAPI, Linker

        db_api = DuckDBAPI(connection=self.con)
        self.people = self.con.execute("SELECT count(*) FROM people").fetchall()[0][0]
        df = db_api.register("people")
        blocking = self.blocking if self.blocking is not None else blocking_for(self.columns)
        if self.model:
            settings = dict(self.model)
            settings["blocking_rules_to_generate_predictions"] = blocking
            self.linker = Linker(df, settings)
            if "birth_place" in self.columns and any(
                c["output_column_name"] == BIRTH_PLACE.name for c in self.model["comparisons"]
            ):
                birth_place_tf(self.con, "people")
                for column in ("birth_place", "birth_place_village"):
                    self.linker.table_management.register_term_frequency_lookup(
                        db_api.register(f"_tf_{column}"), column
                    )
        else:
            self.linker = Linker(df, settings_for(self.columns, blocking=blocking))

    def train(self) -> None:
        """u by random sampling; m by EM on two kinds of blocks that each leave several informative comparisons
        free (same birth date: names, place, identifiers; same canonical name and sex: dates, place, identifiers;
        sex is fixed inside the name blocks so EM cannot learn "same name" for "same person"); λ afterwards, by
        expected matches over the scored pairs (estimate_lambda)."""
        start = time.perf_counter()
        train_model(self.linker, self.columns, self.people, on_u=lambda: self._lap("train_u", start, 0.15))
        self._lap("train_m", start, 0.3)
        self.model = finish_training(self.trained_model())
        self.build()
        if COMPARE_BIRTH_PLACE and "birth_place" in self.columns:
            self.add_birth_place()

    def add_birth_place(self) -> bool:
        """Add the birth-place comparison to the trained model, learnt without labels and without EM, within each
        stratum (the same village, other villages: with_birth_place): u by random sampling (a level's share among
        random pairs of the same village, or of any two people; the exact levels by term frequency,
        birth_place_tf), m by one bootstrapped m step (its levels' shares among the pairs the trained model already
        scores as near-certain, SURE, with both birth places written). Left out (False) when fewer than
        BIRTH_PLACE_MIN_SURE such pairs exist."""
        start = time.perf_counter()
        self._score()
        assert self.model is not None
        learnt = learn_birth_place(
            self.model,
            lambda sql: self.con.execute(sql).fetchall(),
            "duckdb",
            scored="_raw_scored",
            people="people",
            people_count=self.people,
            prior=self.linker._settings_obj._probability_two_random_records_match,
            scored_done=lambda: self.con.execute("DROP TABLE _raw_scored"),
        )
        self.birth_place_sure = learnt.sure
        self._lap("train_birth_place", start, 0.4)
        if learnt.model is None:
            return False
        self.model = learnt.model
        self.build()
        return True

    def _score(self, chunks: int = 1) -> None:
        """Score the blocked pairs with the current model into the DuckDB table `_raw_scored` (at the prior the
        model was trained with), in `chunks` left-hand chunks; pairs far below any useful threshold are dropped as
        they are scored."""
        linker = self.linker
        floor_weight = -8.0
        parts = []
        for i in range(1, chunks + 1):
            if chunks > 1:
                part = linker.inference.predict_chunk(
                    left_chunk=(i, chunks),
                    right_chunk=(1, 1),
                    threshold_match_weight=floor_weight,
                    warning_mode="never",
                )
            else:
                part = linker.inference.predict(threshold_match_weight=floor_weight, warning_mode="never")
            parts.append(part.physical_name)
        union = " UNION ALL ".join(f"SELECT * FROM {p}" for p in parts)
        self.con.execute(f"CREATE OR REPLACE TABLE _raw_scored AS {union}")

    def predict(self, *, threshold: float, chunks: int = 1, lam: float | None = None) -> str:
        """Score the blocked pairs (in `chunks` left-hand chunks, for memory), set λ by expected matches (unless
        given), keep the pairs at or above `threshold`: returns the DuckDB table `scored`."""
        start = time.perf_counter()
        linker = self.linker
        # λ is re-estimated on the pairs kept.
        self._score(chunks)
        self.comparisons = self._count_blocked()
        start = self._lap("predict", start, 0.8)
        prior = linker._settings_obj._probability_two_random_records_match
        self.lam = lam if lam is not None else estimate_lambda(self.con, "_raw_scored", prior, self.people)
        shift = math.log2(self.lam / (1 - self.lam)) - math.log2(prior / (1 - prior))
        linker._settings_obj._probability_two_random_records_match = self.lam
        self.con.execute(
            f"""
            CREATE OR REPLACE TABLE scored AS
            SELECT * REPLACE (match_weight + {shift} AS match_weight,
                              1 / (1 + pow(2, -(match_weight + {shift}))) AS match_probability)
            FROM _raw_scored WHERE 1 / (1 + pow(2, -(match_weight + {shift}))) >= {float(threshold)}
            """
        )
        self.con.execute("DROP TABLE _raw_scored")
        self._lap("lambda", start, 0.85)
        return "scored"

    def _count_blocked(self) -> int:
        # Splink's predict dedups pairs found by several rules; count exactly the pairs it scored: the distinct pairs
        # of all rules (one join per rule and one hash of the pairs, where excluding each earlier rule from each later
        # one would evaluate every earlier rule's condition on every later candidate).
        rules = self.linker._settings_obj._blocking_rules_to_generate_predictions
        union = " UNION ".join(
            f"SELECT l.unique_id AS a, r.unique_id AS b FROM people l JOIN people r "
            f"ON ({rule.blocking_rule_sql}) AND l.unique_id < r.unique_id"
            for rule in rules
        )
        return int(self.con.execute(f"SELECT count(*) FROM ({union})").fetchall()[0][0])

    def cluster(self, threshold: float, exclude: str | None = None) -> str:
        """Connected components of the pairs at or above `threshold` (Splink's clustering), minus the pairs in the
        DuckDB table `exclude` (unique_id_l, unique_id_r) decided "different". Returns the table `clusters`."""
        start = time.perf_counter()
        if exclude:
            self.con.execute(
                f"DELETE FROM scored WHERE (unique_id_l, unique_id_r) IN (SELECT unique_id_l, unique_id_r FROM {exclude})"
            )
        df = self.linker.table_management.register_table(
            self.con.table("scored"), "scored_for_clustering", overwrite=True
        )
        clusters = self.linker.clustering.cluster_pairwise_predictions_at_threshold(
            df, threshold_match_probability=threshold
        )
        self.con.execute(
            f"CREATE OR REPLACE TABLE clusters AS SELECT unique_id, cluster_id FROM {clusters.physical_name}"
        )
        self._lap("cluster", start, 0.9)
        return "clusters"

    def trained_model(self) -> dict[str, Any]:
        return self.linker.misc.save_model_to_json(out_path=None)

    def explained_pairs_sql(self) -> str:
        """SELECT of the scored pairs with their cluster and an explanation: a JSON list of {field, label, weight}."""
        return (
            "SELECT s.unique_id_l AS person_low, s.unique_id_r AS person_high, s.match_probability, s.match_weight, "
            f"{explanation_sql(self.trained_model())} AS explanation, c.cluster_id "
            "FROM scored s LEFT JOIN clusters c ON c.unique_id = s.unique_id_l"
        )


def model_labels(comparison: dict[str, Any]) -> dict[int, str]:
    """gamma value → label of one comparison of a trained model, read from the model itself (Splink numbers the
    levels after the null level from n-1 down to 0), so a model trained by an older definition of the levels is
    still explained by its own labels."""
    levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
    out = {len(levels) - 1 - i: str(lv.get("label_for_charts") or "") for i, lv in enumerate(levels)}
    out[-1] = ""
    return out


def explanation_sql(model: dict[str, Any]) -> str:
    """A JSON list of {field, label (Indonesian), weight (the level's match weight, with the name's term-frequency
    adjustment)} for each compared field with data, from a scored table's gamma_* and mw_* columns."""
    comparisons = {c["output_column_name"]: c for c in model["comparisons"]}
    items = []
    for f in (*FIELDS, BIRTH_PLACE):
        comp = comparisons.get(f.name)
        if comp is None:
            continue
        labels = " ".join(
            f"WHEN {g} THEN '{lab.replace(chr(39), chr(39) * 2)}'" for g, lab in model_labels(comp).items()
        )
        has_tf = any(lv.get("tf_adjustment_column") for lv in comp["comparison_levels"])
        tf = f" + COALESCE(mw_tf_adj_{f.name}, 0)" if has_tf else ""
        items.append(
            f"{{'field': '{f.name}', 'label': CASE gamma_{f.name} {labels} END, 'weight': round(mw_{f.name}{tf}, 2)}}"
        )
    return f"to_json(list_filter([{', '.join(items)}], lambda x: x.label <> ''))"


# EM's blocked pairs per session. Splink 5 samples EM's pairs only when max_pairs is given (its
# record_sample_proportion sizes a preliminary probe, nothing more): without it, EM at a million people scores every
# pair born the same day (19 million) and every pair with the same name and sex (216 million). A million pairs hold
# enough matches to learn from at any size: on the labelled set of 100,000 people, F1 is the same with one or two
# million (0.965) at half the training time (docs/benchmarks.md).
EM_MAX_PAIRS = 1_000_000
U_MAX_PAIRS = 300_000


# EM's m step may drive a level's m to a value a float64 barely holds (3.7e-320 was seen at a million people: the
# household's levels, which the registry's second registrations never show), and Splink 5 refuses to set an m or u
# below 1e-300, which ended the whole session and left every comparison it trains untrained (the model scored
# names and sexes at 1:1 and found 16% of the duplicates). Each m step's values are kept at or above EM_FLOOR, far
# below anything a match weight can tell apart; `clamp` raises them to M_FLOOR after training.
EM_FLOOR = 1e-12


def floor_em_proportions(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The m and u proportions of one EM step, each at least EM_FLOOR (the prior's row left as it is)."""
    for record in records:
        if record.get("output_column_name") == "_probability_two_random_records_match":
            continue
        for key in ("m_probability", "u_probability"):
            value = record.get(key)
            if isinstance(value, float) and value < EM_FLOOR:
                record[key] = EM_FLOOR
    return records


def _floor_em_steps() -> None:
    """Wrap Splink's m step (once per process) with floor_em_proportions."""
    from splink.internals import expectation_maximisation as em

    compute = em.compute_proportions_for_new_parameters
    if getattr(compute, "_berdaya_floored", False):
        return

    def floored(df_params: Any) -> list[dict[str, Any]]:
        return floor_em_proportions(compute(df_params))

    floored._berdaya_floored = True  # type: ignore[attr-defined]
    em.compute_proportions_for_new_parameters = floored


def train_model(linker: Any, columns: set[str], people: int, on_u: Callable[[], Any] | None = None) -> None:
    """u by random sampling, m by EM on blocks that leave informative comparisons free (see Linkage.train).
    Shared by the DuckDB and Spark pipelines."""
    _floor_em_steps()
    n = max(people, 1)
    linker.training.estimate_u_using_random_sampling(max_pairs=min(U_MAX_PAIRS, n * n / 2), seed=1)
    if on_u:
        on_u()
    sessions = []
    if "birth_date" in columns:
        sessions.append("l.birth_date = r.birth_date")
    if "full_name" in columns:
        sessions.append("l.name_sorted = r.name_sorted" + (" AND l.sex = r.sex" if "sex" in columns else ""))
    for rule in sessions:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, max_pairs=EM_MAX_PAIRS, estimate_without_term_frequencies=True
            )
        except Exception as exc:  # too few pairs in a small file: keep the other session's estimates
            logger.warning("EM on %s skipped: %s", rule, exc)


TRAIN_MIN_PEOPLE = 2000  # below this EM has too few pairs to learn from: the default model is used instead


def shipped_model_for(records: int, columns: Iterable[str]) -> dict[str, Any] | None:
    """The model a run over `records` records with these prepared columns scores with instead of training: the
    shipped one when there are too few records to learn from (fewer than TRAIN_MIN_PEOPLE) and it compares every
    field the records have (a registry always; a file to evaluate when its mapped fields are the registry's). None:
    train on the records themselves. The one rule for the registry's runs (services) and `dedup evaluate`."""
    if records >= TRAIN_MIN_PEOPLE:
        return None
    model = default_model()
    shipped = {c["output_column_name"] for c in model["comparisons"]}
    return model if {f.name for f in fields_for(columns)} <= shipped else None


def default_model() -> dict[str, Any]:
    """The model shipped in the repository (trained on the labelled set: bench/dedup.py --save-model)."""
    import json

    with (names.DATA / "default_model.json").open(encoding="utf-8") as fh:
        return json.load(fh)


Query = Callable[[str], list[Any]]  # runs one SELECT on a backend, returns its rows (tuples)


def estimate_lambda(con: duckdb.DuckDBPyConnection, table: str, prior: float, people: int) -> float:
    """λ, the probability that two random records match, as a fixed point of EM's λ step over the scored pairs:
    λ = Σ P(match | pair, λ) / (N(N-1)/2). Pairs outside the blocks (and below the scoring floor) add nearly
    nothing. A few iterations converge; they rescale only the prior, so no pair is scored twice."""
    return lambda_of(lambda sql: con.execute(sql).fetchall(), table, prior, people)


def lambda_of(query: Query, table: str, prior: float, people: int) -> float:
    """estimate_lambda on any backend: `query` runs SQL where `table` (the scored pairs' match_weight) is."""
    total_pairs = max(people * (people - 1) / 2, 1.0)
    lam = prior
    base = math.log2(prior / (1 - prior))
    for _ in range(30):
        shift = math.log2(lam / (1 - lam)) - base
        expected = query(f"SELECT COALESCE(sum(1 / (1 + pow(2, -(match_weight + {shift})))), 0) FROM {table}")[0][0]
        new = min(max(float(expected) / total_pairs, 1e-12), 0.5)
        if abs(new - lam) <= 1e-3 * lam:
            lam = new
            break
        lam = new
    return lam


M_FLOOR = 0.002  # no level is ever impossible for a true match: one typo must not veto a pair outright
U_FLOOR = 1e-7


def clamp(model: dict[str, Any]) -> dict[str, Any]:
    """m and u kept off 0 (a level EM never saw among matches would otherwise weigh minus infinity), renormalised."""
    for comp in model["comparisons"]:
        _clamp_comparison(comp)
    return model


def _clamp_comparison(comp: dict[str, Any]) -> None:
    for key, floor in (("m_probability", M_FLOOR), ("u_probability", U_FLOOR)):
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        vals = [max(lv.get(key) or floor, floor) for lv in levels]
        total = sum(vals)
        for lv, v in zip(levels, vals, strict=True):
            lv[key] = v / total


def finish_training(model: dict[str, Any]) -> dict[str, Any]:
    """A model as EM and random sampling left it, made ready to score: kept off 0 (clamp), with the levels added
    after training (with_after_training_levels). The DuckDB and Spark pipelines' one last step of training."""
    return with_after_training_levels(clamp(model))


def with_after_training_levels(model: dict[str, Any]) -> dict[str, Any]:
    """`model` with each level of AFTER_TRAINING inserted before its field's else level: m is its share ε of the
    else level's m (which keeps 1 - ε of it), u the else level's u for both (AFTER_TRAINING says why). A model that
    has the level already, or lacks the field, is returned as it is."""
    import copy

    dialect = model.get("sql_dialect") or "duckdb"
    fns = _functions(dialect)
    out = copy.deepcopy(model)
    by_name = {f.name: f for f in FIELDS}
    for comp in out["comparisons"]:
        f = by_name.get(comp["output_column_name"])
        if f is None:
            continue
        levels = comp["comparison_levels"]
        have = {lv.get("label_for_charts") for lv in levels}
        for i, (sql, label, _tf) in enumerate(f.levels):
            share = AFTER_TRAINING.get((f.name, label))
            if share is None or label in have or not levels or levels[-1].get("label_for_charts") != f.other:
                continue
            other = levels[-1]
            m, u = other["m_probability"], other["u_probability"]
            level = {
                "sql_condition": sql.format(**fns),
                "label_for_charts": label,
                "m_probability": share * m,
                "u_probability": u,
                "fix_m_probability": True,
                "fix_u_probability": True,
            }
            other["m_probability"] = (1 - share) * m
            other["u_probability"] = (1 - share) * u
            # After the levels that come before it in the field's definition.
            before = {lab for _s, lab, _t in f.levels[:i]}
            at = max((j + 1 for j, lv in enumerate(levels) if lv.get("label_for_charts") in before), default=1)
            levels.insert(min(at, len(levels) - 1), level)
    return out


# The birth place's m is learnt from the pairs the model trained without it scores at or above this probability,
# when there are at least BIRTH_PLACE_MIN_SURE of them that it applies to (different villages, both written).
SURE = 0.99
BIRTH_PLACE_MIN_SURE = 20


def _gamma_sql(f: Field, fns: dict[str, str]) -> str:
    """A CASE giving a pair's level of `f` on columns x_l / x_r: -1 for the null level, then 0, 1, ... in the order
    of f.levels, len(f.levels) for the else level (not Splink's numbering, which counts down)."""
    whens = " ".join(f"WHEN {sql.format(**fns)} THEN {i}" for i, (sql, _label, _tf) in enumerate(f.levels))
    return f"CASE WHEN {f.null} THEN -1 {whens} ELSE {len(f.levels)} END"


def with_birth_place(model: dict[str, Any], m_counts: dict[int, int], u_counts: dict[int, int]) -> dict[str, Any]:
    """`model` with the birth-place comparison added (replacing one it had). Its m and u are learnt within each
    stratum (BIRTH_PLACE_STRATA: the same village, other villages), so that the comparison weighs the birth place
    given the village and does not count the shared village again: a level's m and u are its shares of its
    stratum's counts (keyed as _gamma_sql numbers the levels), each halved so that m and u still sum to 1 (the
    halves cancel in m/u; birth_place_tf halves the term frequencies alike). m counts one pair more at every level
    (Laplace): at ten thousand people a few dozen pairs are all it learns from, and a level they happen not to show
    must not become a veto. Kept off 0 as `clamp` keeps the others."""
    dialect = model.get("sql_dialect") or "duckdb"
    spec = _comparison(BIRTH_PLACE, _functions(dialect)).get_comparison(dialect).as_dict()
    levels = [lv for lv in spec["comparison_levels"] if not lv.get("is_null_level")]
    share = 1 / len(BIRTH_PLACE_STRATA)
    for stratum in BIRTH_PLACE_STRATA:
        m_total = sum(m_counts.get(i, 0) for i in stratum) + len(stratum)
        u_total = max(sum(u_counts.get(i, 0) for i in stratum), 1)
        for i in stratum:
            levels[i]["m_probability"] = share * (m_counts.get(i, 0) + 1) / m_total
            levels[i]["u_probability"] = share * u_counts.get(i, 0) / u_total
    _clamp_comparison(spec)
    out = dict(model)
    out["comparisons"] = [c for c in model["comparisons"] if c["output_column_name"] != BIRTH_PLACE.name] + [spec]
    return out


def birth_place_tf(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """The tables `_tf_birth_place` and `_tf_birth_place_village` on DuckDB (birth_place_tf_sql)."""
    for column, sql in birth_place_tf_sql(source).items():
        con.execute(f"CREATE OR REPLACE TABLE _tf_{column} AS {sql}")


def birth_place_tf_sql(source: str) -> dict[str, str]:
    """column → the SELECT of its term-frequency lookup (column, tf_column) over the prepared people `source`, the
    same SQL on DuckDB and Spark. The term frequencies of the birth places as the comparison needs them, halved as
    with_birth_place halves the u's. `birth_place_village`: within one village, the share of its people born at the
    place. `birth_place`: among records of other villages: for a place v held by n_v people, n_(v,d) of them in
    village d, of N people with a birth place, the chance that a random person of another village than one holding v
    also holds it, (n_v² - Σ_d n_(v,d)²) / (n_v N). A home village's name is held mostly by its own people, so it
    says little within the village and much more between villages than its plain frequency would tell; a town
    (Bangko, Jambi) held across villages says little between villages and much within one. At least 1/N."""
    share = 1 / len(BIRTH_PLACE_STRATA)
    return {
        "birth_place": f"""
            WITH c AS (SELECT birth_place, village_id, count(*) AS n FROM {source}
                       WHERE birth_place IS NOT NULL GROUP BY birth_place, village_id),
                 t AS (SELECT birth_place, sum(n) AS n, sum(n * n) AS sq FROM c GROUP BY birth_place),
                 total AS (SELECT sum(n) AS total FROM t)
            SELECT birth_place, {share} * greatest((n * n - sq) / (n * total), 1 / total) AS tf_birth_place
            FROM t, total""",
        "birth_place_village": f"""
            WITH c AS (SELECT birth_place_village, village_id, count(*) AS n FROM {source}
                       WHERE birth_place_village IS NOT NULL GROUP BY birth_place_village, village_id),
                 total AS (SELECT sum(n) AS total FROM c)
            SELECT birth_place_village,
                   {share} * greatest(n / sum(n) OVER (PARTITION BY village_id), 1 / total) AS tf_birth_place_village
            FROM c, total""",
    }


_BIRTH_PLACE_SIDES = (
    "l.birth_place AS birth_place_l, r.birth_place AS birth_place_r, "
    "l.village_id AS village_id_l, r.village_id AS village_id_r"
)
_RANDOM_ORDER = "(unique_id * 2654435761) % 4294967296, unique_id"  # a pseudo-random order of the people


def birth_place_m_sql(dialect: str, scored: str, people: str, min_weight: float) -> str:
    """The SELECT (level, pairs) of the birth place's levels (_gamma_sql) among the scored pairs `scored`
    (unique_id_l, unique_id_r, match_weight) at or above `min_weight`, both birth places written, in `dialect`."""
    gamma = _gamma_sql(BIRTH_PLACE, _functions(dialect))
    return f"""SELECT g, count(*) AS pairs FROM (
                 SELECT {gamma} AS g FROM (
                   SELECT {_BIRTH_PLACE_SIDES} FROM {scored} s
                   JOIN {people} l ON l.unique_id = s.unique_id_l JOIN {people} r ON r.unique_id = s.unique_id_r
                   WHERE s.match_weight >= {min_weight}) sides) levels
               WHERE g >= 0 GROUP BY g"""


def birth_place_u_sql(dialect: str, people: str, n: int) -> tuple[str, str]:
    """The SELECTs (level, pairs) of the birth place's levels among random pairs of `people` (n of them with a
    birth place), in `dialect`: within each village, and between any two people. People in a pseudo-random order,
    each paired with the k-th next (k = 1..K), K pairs a person enough for U_MAX_PAIRS in all; within a village, its
    people in such an order, each paired with the k-th next there."""
    gamma = _gamma_sql(BIRTH_PLACE, _functions(dialect))
    rounds = max(1, math.ceil(U_MAX_PAIRS / max(n, 1)))
    within = f"""WITH p AS (
                   SELECT birth_place, village_id,
                          row_number() OVER (PARTITION BY village_id ORDER BY {_RANDOM_ORDER}) - 1 AS i,
                          count(*) OVER (PARTITION BY village_id) AS n
                   FROM {people} WHERE birth_place IS NOT NULL AND village_id IS NOT NULL)
                 SELECT g, count(*) AS pairs FROM (
                   SELECT {gamma} AS g FROM (
                     SELECT {_BIRTH_PLACE_SIDES} FROM p l CROSS JOIN range(1, {rounds + 1}) k(k)
                     JOIN p r ON r.village_id = l.village_id AND r.i = (l.i + k.k) % l.n
                     WHERE k.k < l.n) sides) levels
                 WHERE g >= 0 GROUP BY g"""
    between = f"""WITH p AS (
                    SELECT birth_place, village_id, row_number() OVER (ORDER BY {_RANDOM_ORDER}) - 1 AS i
                    FROM {people} WHERE birth_place IS NOT NULL)
                  SELECT g, count(*) AS pairs FROM (
                    SELECT {gamma} AS g FROM (
                      SELECT {_BIRTH_PLACE_SIDES} FROM p l CROSS JOIN range(1, {rounds + 1}) k(k)
                      JOIN p r ON r.i = (l.i + k.k) % {n}) sides) levels
                  WHERE g >= 0 GROUP BY g"""
    return within, between


@dataclass
class BirthPlaceLearnt:
    """What learn_birth_place found: the model with the birth place (None: left out), the near-certain pairs its m
    was learnt from, the counts per level (_gamma_sql's numbers)."""

    model: dict[str, Any] | None
    sure: int
    m_counts: dict[int, int]
    u_counts: dict[int, int]


def learn_birth_place(
    model: dict[str, Any],
    query: Query,
    dialect: str,
    *,
    scored: str,
    people: str,
    people_count: int,
    prior: float,
    scored_done: Callable[[], Any] | None = None,
) -> BirthPlaceLearnt:
    """The birth-place step of training on any backend (Linkage.add_birth_place says what it learns): `scored`
    holds the pairs the trained `model` scored at the `prior` it was trained with, `people` the prepared people
    (people_count of them); `query` runs SQL there in `dialect`. `scored_done` is called once `scored` is no longer
    needed."""
    lam = lambda_of(query, scored, prior, people_count)
    shift = math.log2(lam / (1 - lam)) - math.log2(prior / (1 - prior))
    sure = math.log2(SURE / (1 - SURE)) - shift
    m = {int(g): int(c) for g, c in query(birth_place_m_sql(dialect, scored, people, sure))}
    if scored_done:
        scored_done()
    n = int(query(f"SELECT count(*) FROM {people} WHERE birth_place IS NOT NULL")[0][0])
    u: dict[int, int] = {}
    if n >= 2:
        within, between = birth_place_u_sql(dialect, people, n)
        inside = set(BIRTH_PLACE_STRATA[0])
        u = {int(g): int(c) for g, c in query(within) if g in inside}
        u.update({int(g): int(c) for g, c in query(between) if g not in inside})
    learnt = BirthPlaceLearnt(None, sum(m.values()), m, u)
    if learnt.sure < BIRTH_PLACE_MIN_SURE or not u:
        logger.warning("Birth place not compared: %s near-certain pairs to learn from", learnt.sure)
    else:
        learnt.model = with_birth_place(model, m, u)
    return learnt
