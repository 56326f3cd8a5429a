# SQL here is assembled only from column names defined in code (columns.py) and from literals built by
# sqlcheck.lit(); values from the file travel through DuckDB's CSV reader or query parameters.
# ruff: noqa: S608
"""The check SQL: every cell and row of the file checked set-based in DuckDB, with the registry's row rules.

1. The file is copied into DuckDB once (`raw`), as text.
2. Columns with few distinct values (choices, dates, villages, yes/no...) go through validate.RowValidator's
   converters once per distinct value (`m_<key>` tables); so do NIK and KK numbers that are not plain 16-digit
   numbers (normalising a typed number is registry.identity's alone). The other columns (names, addresses, phone
   numbers) are checked by the SQL of sqlcheck.py, and the rules that read several columns (birth date, NIK against
   birth date and sex, NIK or its reason, land and tenure, required fields) by the SQL form of registry.rules.
   The result is `conv`: one row per file row, its converted values and all its errors.
3. The rules that span rows: the same NIK twice, one head per household, household columns that differ between
   the rows of one household (`err`, `hh`). Comparing with the registry is matching.py's; then a household with
   any bad row is skipped whole, and the errors are collected for the page and the error file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from berdaya.core.spreadsheet import ImportFileError
from berdaya.registry import rules
from berdaya.registry.identity import normalise_identity

from . import sqlcheck as q
from .columns import BY_KEY, EXAMPLE_KEY, HOUSEHOLD_KEYS, PERSON_KEYS, norm_choice
from .validate import NO_GROUP, RowError, excel_mangled

if TYPE_CHECKING:
    from .pipeline import Import

# Invalid rows whose messages are kept (for the page and the error file); the rest are counted. A file of garbage
# under a valid header would otherwise hold millions of messages in memory.
ERRORS_KEPT = 100_000
DISTINCT_BATCH = 50_000  # distinct values converted in Python at a time

NO_ROWS = gettext_lazy("File ini hanya berisi judul kolom: tidak ada baris data untuk diimpor.")

# Cells of these kinds have few distinct values: they are checked in Python, once per distinct value.
DUCK_TYPES = {
    "choice": "VARCHAR",
    "rtrw": "VARCHAR",
    "village": "VARCHAR",
    "wgss": "SMALLINT",
    "bool": "BOOLEAN",
    "int": "INTEGER",
    "decimal": "DECIMAL(8,2)",
    "date": "DATE",
}
# NIK and KK numbers: plain 16-digit numbers in SQL, any other value through the validator (see build_maps).
IDENTITY_KEYS = ("nik", "kk_number")

# Phases of the checks, in the order the officer reads them; the first phase that spoils a household names the row
# that all its other rows point to ("Dilewati: ... (baris N)").
P_ROW, P_DUP_NIK, P_HH_DIFF, P_HEADS, P_OTHER_HH, P_SCOPE, P_NEAR, P_OLD_HEAD, P_SKIPPED = range(9)


def duck_type(key: str) -> str:
    return DUCK_TYPES.get(BY_KEY[key].kind, "VARCHAR")


def _duck_value(value: Any) -> str | None:
    """A converted Python value as text DuckDB casts back (dates ISO, booleans true/false)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _convert_values(
    convert, key: str, raws: list[str], translate: dict[str, str] | None = None
) -> tuple[list[str | None], list[str | None]]:
    """Each distinct raw value converted once; a saved mapping's value translation (e.g. JNS_KEL 1 -> M) first."""
    vals: list[str | None] = []
    errs: list[str | None] = []
    for raw in raws:
        try:
            cell = translate.get(norm_choice(raw), raw) if translate and raw else raw
            vals.append(_duck_value(convert(key, cell)))
            errs.append(None)
        except RowError as err:
            vals.append(None)
            errs.append(err.message)
    return vals, errs


def _normalised(raw: str, value: str | None) -> str:
    """A number as the registry would store it: the converter's value, or for a refused one the written number
    normalised."""
    return value if value is not None else normalise_identity(raw)


def _map_table(duck, scan: str, key: str, duck_type: str, convert, where: str = "", extra=None) -> None:
    """m_<key>: each distinct raw value of a column (matching `where`), its converted value and its error, run
    through validate.RowValidator's converter; `extra(raw, value)` adds a column.

    In batches: a file of garbage has as many distinct values as rows, and memory must stay flat."""
    extra_col = ", norm VARCHAR" if extra else ""
    duck.execute(f"CREATE TABLE m_{key} (raw VARCHAR, val {duck_type}, err VARCHAR{extra_col})")
    reader = duck.cursor()
    try:
        distinct = reader.execute(f"SELECT DISTINCT r_{key} FROM ({scan}) s {where}")
        while batch := distinct.fetchmany(DISTINCT_BATCH):
            raws = [raw for (raw,) in batch]
            vals, errs = convert(raws)
            columns = [raws, vals, errs] + ([list(map(extra, raws, vals))] if extra else [])
            unnest = ", unnest($4::VARCHAR[])" if extra else ""
            duck.execute(
                f"INSERT INTO m_{key} SELECT unnest($1::VARCHAR[]), CAST(unnest($2::VARCHAR[]) AS {duck_type}), "
                f"unnest($3::VARCHAR[]){unnest}",
                columns,
            )
    finally:
        reader.close()


def scan_sql(run: Import) -> str:
    """Copy the file into DuckDB once and return it as a relation: row_no, then r_<key> (raw text, '' when
    unmapped) and the XLSX number flags.

    The copy is a plain scan, which DuckDB loads in parallel and in file order, so rowid is the record number
    (a row_number() window would make the whole check single-threaded)."""
    src = run.source
    assert src is not None and run.validator is not None
    offset = 1 if src.row_numbers else 0
    count = src.width + (3 if src.row_numbers else 0)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(count)) + "}"
    reader = (
        f"read_csv({q.lit(str(src.path))}, delim={q.lit(src.delimiter)}, quote='\"', escape='\"', header=false, "
        f"skip={src.skip}, columns={columns}, auto_detect=false, strict_mode=true, null_padding=false, "
        "allow_quoted_nulls=false)"
    )
    raw = ["CAST(c0 AS INTEGER) AS row_no"] if src.row_numbers else []
    cols = ["row_no" if src.row_numbers else "CAST(rowid + 2 AS INTEGER) AS row_no"]
    used: set[str] = set()
    for key in BY_KEY:
        pos = run.validator.positions.get(key)
        if pos is None:
            cols.append(f"'' AS r_{key}")
            continue
        name = f"c{pos + offset}"
        if name not in used:
            used.add(name)
            raw.append(f"coalesce({name}, '') AS {name}")
        cols.append(f"{name} AS r_{key}")
    for key, flag in (("nik", "num_nik"), ("kk_number", "num_kk")):
        col = src.numeric_cells.get(key)
        if col is not None:
            raw.append(f"(c{col} = '1') AS {flag}")
            cols.append(flag)
        else:
            cols.append(f"false AS {flag}")
    run.d(f"CREATE TABLE raw AS SELECT {', '.join(raw)} FROM {reader}")
    return f"SELECT {', '.join(cols)} FROM raw"


def build_maps(run: Import, scan: str) -> dict[str, tuple[str, str]]:
    """Run validate.RowValidator's converter once per distinct value of the low-cardinality columns."""
    assert run.validator is not None
    mapped = [k for k in BY_KEY if BY_KEY[k].kind in DUCK_TYPES]
    present = [k for k in mapped if k in run.validator.positions]
    exprs: dict[str, tuple[str, str]] = {}
    for key in mapped:
        convert = run.validator.converters[key]
        if key not in present:
            vals, errs = _convert_values(convert, key, [""], run.values.get(key))
            val = f"CAST({q.lit(vals[0])} AS {duck_type(key)})" if vals[0] is not None else "NULL"
            exprs[key] = (val, q.lit(errs[0]) if errs[0] is not None else "CAST(NULL AS VARCHAR)")
            continue
        translate = run.values.get(key)
        _map_table(
            run.duck,
            scan,
            key,
            duck_type(key),
            lambda raws, convert=convert, key=key, translate=translate: _convert_values(convert, key, raws, translate),
        )
        exprs[key] = (f"m_{key}.val", f"m_{key}.err")
    # NIK and KK numbers: most are written as 16 plain digits, which need no normalising and no other check of
    # their characters; the others (spaces, an apostrophe, full-width digits, a letter O...) go through the
    # validator's converter, once per distinct value, as above: normalising is registry.identity's alone.
    for key in IDENTITY_KEYS:
        if key not in run.validator.positions:
            continue
        convert = run.validator.converters[key]
        _map_table(
            run.duck,
            scan,
            key,
            "VARCHAR",
            lambda raws, convert=convert, key=key: _convert_values(convert, key, raws),
            where=f"WHERE NOT regexp_full_match(r_{key}, {q.lit(q.PLAIN_NUMBER_RE)})",
            # The KK number as written groups the rows of a household whose number is wrong (conv.raw_key).
            extra=_normalised if key == "kk_number" else None,
        )
    return exprs


def convert(run: Import) -> None:
    """Build `conv`: one row per file row, the converted values and one column per possible error."""
    assert run.validator is not None
    today = rules.sql_date(run.validator.today)
    prefixes = sorted(run.validator.district_prefixes)
    run.d("CREATE TABLE dist AS SELECT unnest($1::VARCHAR[]) AS p", [prefixes])
    scan = scan_sql(run)
    if not run.one("SELECT count(*) FROM raw")[0]:
        raise ImportFileError(NO_ROWS)
    maps = build_maps(run, scan)
    run.lap("distinct")

    # Level 1: raw cells, mapped values, trimmed text of the SQL-checked columns.
    sql_keys = [k for k in BY_KEY if BY_KEY[k].kind not in DUCK_TYPES and k not in IDENTITY_KEYS]
    l1 = ["s.row_no", "s.r_hh_key"]
    l1.append(f"hash({', '.join(f's.r_{k}' for k in HOUSEHOLD_KEYS)}) AS hh_hash")
    l1 += [f"{q.pytrim(f's.r_{k}')} AS t_{k}" for k in sql_keys]
    for key, (val, err) in maps.items():
        l1 += [f"{val} AS v_{key}", f"{err} AS e_{key}"]
    joined = [k for k, (v, _e) in maps.items() if v.startswith("m_")]
    # The NIK and KK number: a plain 16-digit number as it is, any other value as the validator converted it
    # (an unmapped column is empty, which is valid).
    for key in IDENTITY_KEYS:
        flag = "num_nik" if key == "nik" else "num_kk"
        mangled = q.lit(excel_mangled("NIK" if key == "nik" else _("Nomor KK")))
        if key in run.validator.positions:
            joined.append(key)
            plain = f"regexp_full_match(s.r_{key}, {q.lit(q.PLAIN_NUMBER_RE)})"
            value = f"(CASE WHEN {plain} THEN s.r_{key} ELSE m_{key}.val END)"
            error = f"(CASE WHEN s.{flag} THEN {mangled} WHEN {plain} THEN NULL ELSE m_{key}.err END)"
            written = f"(CASE WHEN {plain} THEN s.r_{key} ELSE m_{key}.norm END)"
        else:
            value, error, written = "''", f"(CASE WHEN s.{flag} THEN {mangled} END)", "''"
        l1 += [f"{value} AS w_{key}", f"{error} AS e_{key}"]
        if key == "kk_number":
            l1.append(f"{written} AS n_{key}")
    joins = " ".join(f"LEFT JOIN m_{k} ON m_{k}.raw = s.r_{k}" for k in joined)
    level1 = f"SELECT {', '.join(l1)} FROM ({scan}) s {joins}"

    # Level 2: errors of the SQL-checked columns (text, code, phone). Each level only names the
    # columns of the one below, so no expression is computed twice.
    l2, l3 = ["l1.*"], ["l2.*"]
    for key in sql_keys:
        kind, t = BY_KEY[key].kind, f"t_{key}"
        if kind in ("text", "code"):
            l2.append(f"{q.text_error(t, BY_KEY[key].max_length)} AS e_{key}")
            l3.append(f"(CASE WHEN e_{key} IS NULL THEN {t} END) AS v_{key}")
        elif kind == "phone":
            val, err = q.phone_sql(t)
            l2 += [f"{err} AS e_{key}", f"{val} AS w_{key}"]
            l3.append(f"(CASE WHEN e_{key} IS NULL THEN w_{key} END) AS v_{key}")
        else:  # pragma: no cover - a new column kind needs a rule here
            raise NotImplementedError(kind)
    l3 += [f"(CASE WHEN e_{key} IS NULL THEN w_{key} END) AS v_{key}" for key in IDENTITY_KEYS]
    level2 = f"SELECT {', '.join(l2)} FROM ({level1}) l1"
    level3 = f"SELECT {', '.join(l3)} FROM ({level2}) l2"

    # Level 4: the birth date rules; district codes joined once each.
    level4 = (
        "SELECT l3.*, (dk.p IS NOT NULL) AS kk_known, (dn.p IS NOT NULL) AS nik_known, "
        f"{rules.birth_date_error_sql('v_birth_date', today=today)} AS e_birth, "
        f"{rules.birth_date_ok_sql('v_birth_date', today=today)} AS birth_ok "
        f"FROM ({level3}) l3 LEFT JOIN dist dk ON dk.p = substr(l3.v_kk_number, 1, 6) "
        "LEFT JOIN dist dn ON dn.p = substr(l3.v_nik, 1, 6)"
    )
    # Level 5: the KK number's own checks (validate.RowValidator._conv_kk).
    kk_check = q.kk_failures_sql("v_kk_number", "kk_known", today)
    level5 = (
        f"SELECT l4.* REPLACE (coalesce(e_kk_number, CASE WHEN v_kk_number <> '' THEN {kk_check} END) "
        f"AS e_kk_number) FROM ({level4}) l4"
    )
    level5 = f"SELECT *, (CASE WHEN e_kk_number IS NULL THEN v_kk_number END) AS kk_v FROM ({level5}) l5"

    # Level 6: row rules, in validate.RowValidator.validate's order.
    nik_check = q.nik_failures_sql("v_nik", "birth_ok", "v_sex", "nik_known", today)
    checks: list[str] = []
    errors: list[tuple[str, str]] = []  # (column, field key), in the order the officer reads them
    errors += [(f"e_{key}", key) for key in HOUSEHOLD_KEYS]
    errors += [(f"e_{key}", key) for key in PERSON_KEYS if key != "nik"]
    errors += [("e_nik", "nik"), ("e_hh_key", "hh_key")]
    required = q.lit(rules.REQUIRED)
    for key in rules.REQUIRED_FIELDS:
        empty = f"v_{key} IS NULL" if duck_type(key) == "DATE" else f"coalesce(v_{key}, '') = ''"
        checks.append(f"(CASE WHEN {empty} AND e_{key} IS NULL THEN {required} END) AS q_{key}")
        errors.append((f"q_{key}", key))
    group = q.lit(NO_GROUP)
    checks.append(
        "(CASE WHEN coalesce(v_hh_key, '') = '' AND coalesce(kk_v, '') = '' AND e_kk_number IS NULL "
        f"THEN {group} END) AS e_group"
    )
    errors += [("e_group", "hh_key"), ("e_birth", "birth_date")]
    checks.append(
        f"(CASE WHEN v_nik <> '' AND birth_ok IS NOT NULL AND coalesce(v_sex, '') <> '' THEN {nik_check} END) "
        "AS e_nik_check"
    )
    errors.append(("e_nik_check", "nik"))
    missing = q.lit(rules.NIK_OR_REASON_COLUMN)
    checks.append(
        "(CASE WHEN v_nik = '' AND coalesce(v_nik_missing_reason, '') = '' AND e_nik_missing_reason IS NULL "
        f"THEN {missing} END) AS e_nik_missing"
    )
    errors.append(("e_nik_missing", "nik"))
    checks.append(f"{rules.land_tenure_error_sql('v_land_operated_ha', 'v_land_tenure')} AS e_land")
    errors.append(("e_land", "land_tenure"))
    level6 = f"SELECT l5.*, {', '.join(checks)} FROM ({level5}) l5"

    # Level 7: the staged values, and all of a row's errors in one column (NULL for a valid row):
    # "seq US key US message" joined by RS.
    values = []
    for key in HOUSEHOLD_KEYS:
        if key == "kk_number":
            values.append("kk_v AS kk_number")
        elif key == "land_tenure":
            values.append("(CASE WHEN v_land_tenure = '' THEN 'none' ELSE v_land_tenure END) AS land_tenure")
        else:
            values.append(f"v_{key} AS {key}")
    for key in PERSON_KEYS:
        if key == "nik":
            values.append("nullif(v_nik, '') AS nik")
        elif key == "nik_missing_reason":
            values.append("(CASE WHEN v_nik <> '' THEN '' ELSE v_nik_missing_reason END) AS nik_missing_reason")
        else:
            values.append(f"v_{key} AS {key}")
    raw_key = q.pytrim("r_hh_key")
    raw_kk = "coalesce(n_kk_number, '')"
    packed = ", ".join(
        f"CASE WHEN {col} IS NOT NULL THEN '{i}\x1f{key}\x1f' || {col} END" for i, (col, key) in enumerate(errors)
    )
    # The lookup tables are tiny: keep them on the build side of every join. DuckDB's estimate of a CSV scan
    # is poor and it would otherwise hash the million-row side, with the memory that takes.
    run.d("SET disabled_optimizers = 'build_side_probe_side'")
    run.d(
        "CREATE TABLE conv AS SELECT row_no, hh_hash, "
        f"(CASE WHEN {raw_key} <> '' THEN 'k:' || {raw_key} ELSE 'kk:' || {raw_kk} END) AS raw_key, "
        "(CASE WHEN coalesce(v_hh_key, '') <> '' THEN 'k:' || v_hh_key ELSE 'kk:' || coalesce(kk_v, '') END) "
        f"AS hh_key, {', '.join(values)}, nullif(concat_ws('\x1e', {packed}), '') AS errs, "
        "CAST(NULL AS BIGINT) AS person_id, CAST(NULL AS BIGINT) AS hh_exist, false AS p_changed "
        f"FROM ({level6}) l6"
    )
    run.d("RESET disabled_optimizers")
    run.d("DROP TABLE raw")
    # The template's example rows are marked by their household code: they are counted, never imported.
    example = q.lit(f"k:{EXAMPLE_KEY}")
    run.result.examples = int(run.one(f"SELECT count(*) FROM conv WHERE raw_key = {example}")[0])
    if run.result.examples:
        run.d(f"DELETE FROM conv WHERE raw_key = {example}")


def add_errors(run: Import, phase: int, select: str) -> None:
    """select: row_no, o1 (ordering inside the phase), field key, message, household key (or NULL)."""
    run.d(f"INSERT INTO err SELECT row_no, {phase}, o1, 0, k, m, b FROM ({select})")


def check_file(run: Import) -> None:
    """The `err` table: the errors of each row (from `conv`), then the rules that span rows of the file: the same NIK
    twice, household columns that differ between the rows of one household, not exactly one head. Builds `hh`, one
    row per household of the file."""
    run.d("CREATE TABLE err (row_no INTEGER, phase INTEGER, o1 VARCHAR, seq INTEGER, k VARCHAR, m VARCHAR, b VARCHAR)")
    run.d(
        f"INSERT INTO err SELECT row_no, {P_ROW}, NULL, CAST(p[1] AS INTEGER), p[2], p[3], raw_key FROM "
        "(SELECT row_no, raw_key, string_split(unnest(string_split(errs, '\x1e')), '\x1f') AS p FROM conv "
        "WHERE errs IS NOT NULL)"
    )
    run.d("DELETE FROM conv WHERE errs IS NOT NULL")

    # Duplicate NIK inside the file: every copy is wrong until the officer says which one is right.
    add_errors(
        run,
        P_DUP_NIK,
        "SELECT c.row_no, any_value(c.nik) AS o1, 'nik' AS k, "
        + q.msg(
            _("NIK yang sama juga tertulis di baris %(rows)s."),
            rows="string_agg(CAST(o.row_no AS VARCHAR), ', ' ORDER BY o.row_no)",
        )
        + " AS m, any_value(c.hh_key) AS b FROM conv c JOIN conv o ON o.nik = c.nik AND o.row_no <> c.row_no "
        "WHERE c.nik IS NOT NULL GROUP BY c.row_no",
    )

    # Household table: one row per household key, its columns taken from the key's first row.
    hh_cols = ", ".join(f"c.{k}" for k in HOUSEHOLD_KEYS)
    run.d(
        f"CREATE TABLE hh AS SELECT c.hh_key, c.row_no AS first_row, c.hh_hash, {hh_cols}, f.heads, "
        "CAST(NULL AS BIGINT) AS hh_id, false AS is_new, false AS changed, false AS kk_changed "
        "FROM conv c JOIN (SELECT hh_key, min(row_no) AS m, count(*) FILTER (WHERE relationship = 'head') "
        "AS heads FROM conv GROUP BY hh_key) f ON f.m = c.row_no"
    )
    add_errors(
        run,
        P_HH_DIFF,
        "SELECT c.row_no, NULL AS o1, 'hh_key' AS k, "
        + q.msg(
            _(
                "Kolom rumah tangga (Nomor KK, Kode desa, Alamat, RT/RW, kondisi rumah, aset) berbeda dengan "
                "baris %(row)s dari rumah tangga yang sama."
            ),
            row="h.first_row",
        )
        + " AS m, c.hh_key AS b FROM conv c JOIN hh h ON h.hh_key = c.hh_key WHERE c.hh_hash <> h.hh_hash",
    )
    # Only the first offending row of a household is reported; the others are "Dilewati".
    add_errors(
        run,
        P_HEADS,
        "SELECT min(c.row_no) AS row_no, NULL AS o1, 'relationship' AS k, "
        + q.msg(
            _("Rumah tangga harus punya tepat satu kepala keluarga (tercatat %(n)s di file)."),
            n="any_value(h.heads)",
        )
        + " AS m, c.hh_key AS b FROM conv c JOIN hh h ON h.hh_key = c.hh_key "
        "WHERE h.heads <> 1 AND (h.heads = 0 OR c.relationship = 'head') "
        "AND c.hh_key NOT IN (SELECT b FROM err WHERE b IS NOT NULL) GROUP BY c.hh_key",
    )


def skip_broken_households(run: Import) -> None:
    """A household with any bad row is skipped whole: half a household is worse than none."""
    run.d(
        "CREATE TABLE bad AS SELECT b AS hh_key, first(row_no ORDER BY phase, o1, row_no) AS bad_row FROM err "
        "WHERE b IS NOT NULL GROUP BY b"
    )
    add_errors(
        run,
        P_SKIPPED,
        "SELECT c.row_no, NULL AS o1, 'hh_key' AS k, "
        + q.msg(_("Dilewati: rumah tangga yang sama punya baris yang tidak sah (baris %(row)s)."), row="b.bad_row")
        + " AS m, NULL AS b FROM conv c JOIN bad b ON b.hh_key = c.hh_key "
        "WHERE c.row_no NOT IN (SELECT row_no FROM err)",
    )
    run.d("DELETE FROM conv WHERE hh_key IN (SELECT hh_key FROM bad)")
    run.d("DELETE FROM hh WHERE hh_key IN (SELECT hh_key FROM bad)")


def collect_errors(run: Import) -> None:
    assert run.validator is not None
    headers = {key: run.validator.header_of(key) for key in BY_KEY}
    errors = run.result.errors
    invalid, last_kept = run.one(
        f"SELECT count(*), max(row_no) FILTER (WHERE n <= {ERRORS_KEPT}) FROM "
        "(SELECT row_no, row_number() OVER (ORDER BY row_no) AS n FROM (SELECT DISTINCT row_no FROM err))"
    )
    res = run.d(f"SELECT row_no, k, m FROM err WHERE row_no <= {int(last_kept or 0)} ORDER BY row_no, phase, seq")
    while batch := res.fetchmany(10_000):
        for row_no, key, message in batch:
            errors.setdefault(row_no, []).append((headers.get(key, key), message))
    run.result.invalid = int(invalid)
