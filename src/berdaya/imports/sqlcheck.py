"""The registry's per-cell rules as DuckDB SQL expressions, for columns with too many distinct values to check
one by one in Python (names, addresses, phone numbers), and the NIK and KK number checks.

Every constant and message comes from the Python rule it mirrors (registry.rules, registry.identity, validate.py),
so a row gets the same words whichever path checked it; tests/test_sqlcheck.py and tests/test_row_rules.py feed
random values to both and compare. Columns with few distinct values (choices, dates, villages, yes/no...) are
checked by validate.RowValidator itself, once per distinct value, and so are the NIK and KK numbers that are not
already 16 plain digits: normalising a typed number is registry.identity.normalise_identity's alone (see
checks.py).
"""

from __future__ import annotations

import re

from berdaya.registry import identity, rules
from berdaya.registry.rules import sql_literal as lit

from .validate import CONTROL_MESSAGE, CONTROL_RANGES, TOO_LONG

# What Python's str.strip() removes: DuckDB's trim() needs the set spelled out.
PY_SPACE = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace())
SPACE_CLASS = "[" + "".join(f"\\x{{{ord(ch):x}}}" for ch in PY_SPACE) + "]"
CONTROL_RE = "[" + "".join(f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in CONTROL_RANGES) + "]"  # validate.CONTROL
PHONE_RE = rules.PHONE  # RE2's \d is ASCII 0-9, as validate.PHONE matches it
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# A NIK or KK number that needs no normalising and no other check of its characters.
PLAIN_NUMBER_RE = rules.NUMBER_16


def msg(template: object, **exprs: str) -> str:
    """A translated message with %(name)s placeholders, as a SQL expression (placeholders become SQL exprs)."""
    template = str(template)
    parts: list[str] = []
    pos = 0
    for m in PLACEHOLDER.finditer(template):
        if m.start() > pos:
            parts.append(lit(template[pos : m.start()].replace("%%", "%")))
        parts.append(f"CAST(({exprs[m.group(1)]}) AS VARCHAR)")
        pos = m.end()
    if pos < len(template):
        parts.append(lit(template[pos:].replace("%%", "%")))
    return "(" + " || ".join(parts or ["''"]) + ")"


def pytrim(expr: str) -> str:
    """str.strip(). trim() with a 30-character set is slow, so only cells with space at an end go through it."""
    edge = lit(f"^{SPACE_CLASS}|{SPACE_CLASS}$")
    return f"(CASE WHEN regexp_matches({expr}, {edge}) THEN trim({expr}, {lit(PY_SPACE)}) ELSE {expr} END)"


def control_error() -> str:
    return lit(CONTROL_MESSAGE)


def text_error(t: str, limit: int) -> str:
    """validate.RowValidator._text on an already trimmed value `t`: the error, or NULL."""
    too_long = ""
    if limit:
        message = msg(TOO_LONG, n=f"length({t})", max=str(limit))
        too_long = f" WHEN length({t}) > {limit} THEN {message}"
    return f"(CASE WHEN {t} <> '' AND regexp_matches({t}, {lit(CONTROL_RE)}) THEN {control_error()}{too_long} END)"


def _decoded(year: str, month: str, day: str) -> tuple[str, str]:
    """(is a real date, the date) for integer expressions, without ever calling make_date on a bad date."""
    safe_month = f"least(greatest({month}, 1), 12)"
    first = f"make_date({year}, {safe_month}, 1)"
    valid = f"({month} BETWEEN 1 AND 12 AND {day} BETWEEN 1 AND day(last_day({first})))"
    return valid, f"({first} + CAST({day} - 1 AS INTEGER))"


def nik_failures_sql(n: str, birth: str, sex: str, known: str, today: str) -> str:
    """registry.identity.check_nik(n, birth_date=birth, sex=sex) as SQL: the messages joined by a space, or NULL.

    `known` is a boolean expression: the first six digits are a known district code. `birth` is not NULL."""
    fmt = msg(identity.NIK_FORMAT, n=f"length({n})")
    day = f"TRY_CAST(substr({n}, 7, 2) AS INTEGER)"
    real_day = f"(CASE WHEN {day} > 40 THEN {day} - 40 ELSE {day} END)"
    month = f"TRY_CAST(substr({n}, 9, 2) AS INTEGER)"
    year = f"((year({birth}) // 100) * 100 + TRY_CAST(substr({n}, 11, 2) AS INTEGER))"
    valid, decoded = _decoded(year, month, real_day)
    implied = f"(CASE WHEN {day} > 40 THEN 'F' ELSE 'M' END)"
    parts = [
        f"CASE WHEN NOT {known} THEN " + msg(identity.NIK_DISTRICT, p=f"substr({n}, 1, 6)") + " END",
        f"CASE WHEN NOT {valid} THEN " + msg(identity.NIK_DATE, d=f"substr({n}, 7, 6)") + " END",
        f"CASE WHEN {valid} AND {decoded} > {today} THEN {lit(identity.NIK_FUTURE)} END",
        f"CASE WHEN {valid} AND {decoded} <> {birth} THEN "
        + msg(
            identity.NIK_BIRTH_DATE,
            nik=f"strftime({decoded}, '%d-%m-%y')",
            bd=f"strftime({birth}, '%d-%m-%y')",
        )
        + " END",
        f"CASE WHEN coalesce({sex}, '') <> '' AND {sex} <> {implied} THEN "
        + msg(
            identity.NIK_SEX,
            nik=f"CASE WHEN {implied} = 'F' THEN {lit(identity.NIK_SEX_FEMALE)} ELSE {lit(identity.NIK_SEX_MALE)} END",
        )
        + " END",
        f"CASE WHEN substr({n}, 13, 4) = '0000' THEN " + lit(identity.NIK_SERIAL) + " END",
    ]
    joined = f"nullif(concat_ws(' ', {', '.join(parts)}), '')"
    full = f"(CASE WHEN NOT regexp_full_match({n}, '[0-9]{{16}}') THEN {fmt} ELSE {joined} END)"
    # The usual case in one comparison: digits 7-12 are exactly the stated birth date and sex, the district is
    # known and the serial is not 0000; then every rule above passes (the birth date is a real, past date).
    expected = (
        f"(lpad(CAST(day({birth}) + CASE WHEN {sex} = 'F' THEN 40 ELSE 0 END AS VARCHAR), 2, '0') "
        f"|| strftime({birth}, '%m%y'))"
    )
    fast_ok = (
        f"({known} AND {sex} IN ('M', 'F') AND substr({n}, 7, 6) = {expected} AND {birth} <= {today} "
        f"AND TRY_CAST(substr({n}, 13, 4) AS INTEGER) BETWEEN 1 AND 9999)"
    )
    return f"(CASE WHEN {fast_ok} THEN NULL ELSE {full} END)"


def kk_failures_sql(k: str, known: str, today: str) -> str:
    """registry.identity.check_kk(k) as SQL: the messages joined by a space, or NULL."""
    fmt = msg(identity.KK_FORMAT, n=f"length({k})")
    day = f"TRY_CAST(substr({k}, 7, 2) AS INTEGER)"
    month = f"TRY_CAST(substr({k}, 9, 2) AS INTEGER)"
    yy = f"TRY_CAST(substr({k}, 11, 2) AS INTEGER)"
    year = f"((CASE WHEN {yy} <= year({today}) % 100 THEN 2000 ELSE 1900 END) + {yy})"
    valid, decoded = _decoded(year, month, day)
    parts = [
        f"CASE WHEN NOT {known} THEN " + msg(identity.KK_DISTRICT, p=f"substr({k}, 1, 6)") + " END",
        f"CASE WHEN NOT {valid} THEN " + msg(identity.KK_DATE, d=f"substr({k}, 7, 6)") + " END",
        f"CASE WHEN {valid} AND {decoded} > {today} THEN " + lit(identity.KK_FUTURE) + " END",
        f"CASE WHEN substr({k}, 13, 4) = '0000' THEN " + lit(identity.KK_SERIAL) + " END",
    ]
    joined = f"nullif(concat_ws(' ', {', '.join(parts)}), '')"
    return f"(CASE WHEN NOT regexp_full_match({k}, '[0-9]{{16}}') THEN {fmt} ELSE {joined} END)"


def phone_sql(t: str) -> tuple[str, str]:
    """validate.RowValidator._conv_phone on trimmed `t`: (value, error)."""
    p1 = f"replace(replace(replace({t}, ' ', ''), '-', ''), '.', '')"
    p2 = f"(CASE WHEN starts_with({p1}, '8') AND length({p1}) BETWEEN 9 AND 13 THEN '0' || {p1} ELSE {p1} END)"
    bad = lit(rules.PHONE_FORMAT)
    error = (
        f"(CASE WHEN {t} = '' THEN NULL WHEN regexp_matches({t}, {lit(CONTROL_RE)}) THEN {control_error()} "
        f"WHEN NOT regexp_full_match({p2}, {lit(PHONE_RE)}) OR length({p2}) > 16 THEN {bad} END)"
    )
    # core.phone.normalise_phone: E.164, the trunk prefix (0, 62 or +62) replaced by +62.
    trunk = lit(f"^{rules.PHONE_TRUNK}")
    value = f"(CASE WHEN {t} = '' THEN '' ELSE regexp_replace({p2}, {trunk}, {lit(rules.PHONE_COUNTRY)}) END)"
    return value, error
