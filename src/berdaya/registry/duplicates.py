# SQL here is assembled only from column expressions given by the calling code and from constants of this module.
"""The exact duplicate rules of the registry, stated once: two records are the same person when

1. they carry the same NIK (SAME_NIK), or
2. they have the same name (after identity.normalise_name), the same birth date and the same village
   (SAME_NAME_BIRTH_VILLAGE).

Every path that saves or compares people reads them here: the form services (household registration, a member added,
through registry.matching's built-in provider), the import's set-based comparison with the registry
(imports.matching, which runs the SQL form in DuckDB), and later the API and ODK submissions.

Each rule is written twice from the same constants: `exact_reason` in Python (the definition, and what a form
checks) and `exact_reason_sql` as an SQL expression for DuckDB and PostgreSQL (regular expressions with the same
separator class). registry/tests/test_duplicates.py holds the two together with hypothesis, on names with every kind
of punctuation and space, NIKs and dates at random.

The database enforces rule 1 among the living (the `person_nik_unique_living` constraint); rule 2 is a likely match
that an officer confirms or rejects (registry.matching), since two people of one village can share a name and a
birth date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from .identity import NAME_SEPARATOR_RUN, normalise_identity, normalise_name
from .rules import sql_literal

SAME_NIK = "same_nik"
SAME_NAME_BIRTH_VILLAGE = "same_name_birth_village"
# The reason of each rule in words, as an officer reads it beside a likely match.
# Indonesian msgids, stored as they are (a likely match's reasons) and translated where shown (matching.reasons_shown).
REASONS = {
    SAME_NIK: gettext_noop("NIK sama"),
    SAME_NAME_BIRTH_VILLAGE: gettext_noop("nama, tanggal lahir dan desa/kelurahan sama"),
}


@dataclass(frozen=True)
class Facts:
    """What the matching rules read of one record (a stored person, a form's member, a file's row). The exact rules
    read nik, full_name, birth_date and village_id; a likely-match provider may read the rest (the deduplication
    engine compares them all, the birth place, Person.birth_place as written on the KTP, included)."""

    full_name: str = ""
    birth_date: dt.date | None = None
    village_id: str | None = None
    nik: str | None = None
    sex: str = ""
    kk_number: str = ""
    phone: str = ""
    birth_place: str = ""


def same_nik(a: Facts, b: Facts) -> bool:
    nik = normalise_identity(a.nik or "")
    return bool(nik) and nik == normalise_identity(b.nik or "")


def same_name_birth_village(a: Facts, b: Facts) -> bool:
    name = normalise_name(a.full_name)
    return (
        bool(name)
        and a.birth_date is not None
        and bool(a.village_id)
        and a.birth_date == b.birth_date
        and a.village_id == b.village_id
        and name == normalise_name(b.full_name)
    )


def exact_reason(a: Facts, b: Facts) -> str | None:
    """The first exact rule by which `a` and `b` are the same person (SAME_NIK before SAME_NAME_BIRTH_VILLAGE), or
    None."""
    if same_nik(a, b):
        return SAME_NIK
    if same_name_birth_village(a, b):
        return SAME_NAME_BIRTH_VILLAGE
    return None


# --- the SQL form (DuckDB, PostgreSQL) -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Columns:
    """The SQL expressions of one side's facts. NIKs are compared as stored (already normalised: the model and the
    import's converters send every typed form through identity.normalise_identity)."""

    full_name: str
    birth_date: str
    village_id: str
    nik: str

    @classmethod
    def of(cls, alias: str, **overrides: str) -> Columns:
        names = {"full_name": "full_name", "birth_date": "birth_date", "village_id": "village_id", "nik": "nik"}
        return cls(**{key: overrides.get(key, f"{alias}.{column}") for key, column in names.items()})


def name_key_sql(expr: str) -> str:
    """identity.normalise_name as SQL."""
    return f"trim(regexp_replace(lower({expr}), {sql_literal(NAME_SEPARATOR_RUN)}, ' ', 'g'), ' ')"


def same_nik_sql(a: Columns, b: Columns) -> str:
    return f"(coalesce({a.nik}, '') <> '' AND {a.nik} = {b.nik})"


def same_name_birth_village_sql(a: Columns, b: Columns, *, a_key: str | None = None, b_key: str | None = None) -> str:
    """`a_key`/`b_key`: a column already holding name_key_sql of that side (computed once for a big table)."""
    a_key = a_key or name_key_sql(a.full_name)
    b_key = b_key or name_key_sql(b.full_name)
    return (
        f"({a.birth_date} = {b.birth_date} AND {a.village_id} = {b.village_id} "
        f"AND coalesce({a.village_id}, '') <> '' AND {a_key} <> '' AND {a_key} = {b_key})"
    )


def exact_reason_sql(a: Columns, b: Columns, *, a_key: str | None = None, b_key: str | None = None) -> str:
    """exact_reason as an SQL expression: the rule's code, or NULL."""
    return (
        f"(CASE WHEN {same_nik_sql(a, b)} THEN {sql_literal(SAME_NIK)} "
        f"WHEN {same_name_birth_village_sql(a, b, a_key=a_key, b_key=b_key)} "
        f"THEN {sql_literal(SAME_NAME_BIRTH_VILLAGE)} END)"
    )
