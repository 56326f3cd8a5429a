# SQL here is assembled only from column names defined in code (columns.py, model meta) and from literals built by
# sqlcheck.lit(); values from the file travel through DuckDB's CSV reader, COPY or query parameters.
# ruff: noqa: S608
"""The household import engine: DuckDB checks the file set-based, the registry database is written in bulk.

1. Read (source.py). A clean UTF-8 CSV is read by DuckDB in place; other files (XLSX, Windows-1252, ragged rows)
   are streamed once through the Python reader into a temporary CSV.
2. Check every cell and row in DuckDB: columns with few distinct values (choices, dates, villages, yes/no...) go
   through validate.RowValidator once per distinct value, the rest (NIK, KK, names, phone) through SQL with the same
   messages (sqlcheck.py). Then the rules that span rows: duplicate NIKs, one head per household, household columns
   that differ between rows of the same household.
3. Compare with the registry: the NIKs and KK numbers of the file are sent to the database and only the matching
   people and households come back (nothing at all when the registry is empty). Conflicts (NIK in another household,
   household outside the user's scope, a second head) and the new / updated / unchanged classification are computed
   in DuckDB, so a re-import of the same file writes nothing.
4. Unless it is a dry run, write in ONE transaction: new households and people are streamed in (PostgreSQL COPY,
   SQLite executemany) with ids reserved as a block, then KK numbers, django-simple-history rows (set-based, as bulk
   writes skip its signals) and the updates of changed records. A cancel or a crash rolls everything back.
   A large first load on PostgreSQL drops the secondary indexes and foreign keys of the registry tables inside that
   transaction and rebuilds them at the end (see docs/decisions.md, "Bulk import").
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: in-process lock only
    fcntl = None  # type: ignore[assignment]
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from berdaya.areas.models import District, Village
from berdaya.areas.selectors import deployment_regencies
from berdaya.core.conf import conf
from berdaya.core.scoping import capabilities, household_scope_q, households_visible_to, villages_for_registration
from berdaya.core.spreadsheet import ImportFileError, read_headers
from berdaya.jobs.progress import JobCancelled, Progress
from berdaya.jobs.services import job_tempdir, owner_only
from berdaya.registry import choices as c
from berdaya.registry import rules
from berdaya.registry.identity import normalise_identity
from berdaya.registry.models import Household, Person

from . import sqlcheck as q
from .columns import BY_KEY, EXAMPLE_KEY, HOUSEHOLD_KEYS, PERSON_KEYS, norm_choice
from .source import Source, prepare
from .validate import NO_GROUP, RowError, RowValidator, excel_mangled

FIRST_ERRORS = 50
# Invalid rows whose messages are kept (for the page and the error file); the rest are counted. A file of garbage
# under a valid header would otherwise hold millions of messages in memory.
ERRORS_KEPT = 100_000
DISTINCT_BATCH = 50_000  # distinct values converted in Python at a time
FETCH = 20_000  # rows per executemany batch (SQLite)
COPY_BLOCK = 1 << 20
# A first load this large rebuilds indexes instead of maintaining them row by row (PostgreSQL only).
BULK_MIN_ROWS = 50_000
# pg_advisory_lock key of the write phase of imports (any constant shared by all Berdaya processes).
IMPORT_LOCK_KEY = 0x42455244
_MEMORY_LOCK = threading.Lock()
# The tables registry pages read while an import runs (list, search, household pages).
READ_TABLES = {"registry_household", "registry_person", "registry_kknumber"}
DUCKDB_CONFIG = {"threads": 2, "memory_limit": "768MB", "preserve_insertion_order": True}

NO_ROWS = gettext_lazy("File ini hanya berisi judul kolom: tidak ada baris data untuk diimpor.")

MODE_VALID_ONLY = "valid-only"
MODE_ALL_OR_NOTHING = "all-or-nothing"

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
SQL_TYPES = {"int": "integer", "decimal": "numeric(8,2)", "bool": "boolean", "date": "date", "wgss": "smallint"}
IDENTITY_KEYS = ("nik", "kk_number")

# Phases of the cross-row checks, in the order the officer reads them; the first phase that spoils a household
# names the row that all its other rows point to ("Dilewati: ... (baris N)").
P_ROW, P_DUP_NIK, P_HH_DIFF, P_HEADS, P_OTHER_HH, P_SCOPE, P_NEAR, P_OLD_HEAD, P_SKIPPED = range(9)


@dataclass
class ImportResult:
    total: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    examples: int = 0  # the template's example rows, never imported
    households_new: int = 0
    households_updated: int = 0
    written: bool = False
    rejected: bool = False  # all-or-nothing with errors
    dry_run: bool = True
    mode: str = MODE_VALID_ONLY
    encoding: str = ""
    delimiter: str = ""
    seconds: float = 0.0
    errors: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def first_errors(self, limit: int = FIRST_ERRORS) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for row_no in sorted(self.errors)[:limit]:
            for column, message in self.errors[row_no]:
                out.append({"row": row_no, "column": column, "message": message})
        return out[:limit]

    @property
    def errors_more(self) -> int:
        """Invalid rows beyond ERRORS_KEPT: counted, their messages not kept."""
        return max(self.invalid - len(self.errors), 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "errors_more": self.errors_more,
            "total": self.total,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "invalid": self.invalid,
            "examples": self.examples,
            "households_new": self.households_new,
            "households_updated": self.households_updated,
            "written": self.written,
            "rejected": self.rejected,
            "dry_run": self.dry_run,
            "mode": self.mode,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "seconds": round(self.seconds, 2),
            "first_errors": self.first_errors(),
        }


def duck_type(key: str) -> str:
    return DUCK_TYPES.get(BY_KEY[key].kind, "VARCHAR")


def _sql_type(key: str) -> str:
    return SQL_TYPES.get(BY_KEY[key].kind, "text")


def _duck_value(value: Any) -> str | None:
    """A converted Python value as text DuckDB casts back (dates ISO, booleans true/false)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _csv_field(value: Any) -> str:
    """One field as PostgreSQL writes CSV: NULL is empty and unquoted, text is always quoted."""
    if value is None:
        return ""
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
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


def _map_table(duck, scan: str, key: str, duck_type: str, convert, where: str = "", extra=None) -> None:
    """m_<key>: each distinct raw value of a column (matching `where`), its converted value and its error, run
    through validate.RowValidator's converter; `extra` adds a column computed from the raw value.

    In batches: a file of garbage has as many distinct values as rows, and memory must stay flat."""
    extra_col = ", norm VARCHAR" if extra else ""
    duck.execute(f"CREATE TABLE m_{key} (raw VARCHAR, val {duck_type}, err VARCHAR{extra_col})")
    reader = duck.cursor()
    try:
        distinct = reader.execute(f"SELECT DISTINCT r_{key} FROM ({scan}) s {where}")
        while batch := distinct.fetchmany(DISTINCT_BATCH):
            raws = [raw for (raw,) in batch]
            vals, errs = convert(raws)
            columns = [raws, vals, errs] + ([[extra(raw) for raw in raws]] if extra else [])
            unnest = ", unnest($4::VARCHAR[])" if extra else ""
            duck.execute(
                f"INSERT INTO m_{key} SELECT unnest($1::VARCHAR[]), CAST(unnest($2::VARCHAR[]) AS {duck_type}), "
                f"unnest($3::VARCHAR[]){unnest}",
                columns,
            )
    finally:
        reader.close()


class Engine:
    def __init__(
        self,
        *,
        actor,
        mapping: dict[str, str],
        mode: str,
        dry_run: bool,
        progress: Progress,
        label: str,
        values: dict[str, dict[str, str]] | None = None,
    ):
        self.actor = actor
        self.mapping = mapping
        # A saved mapping's value translations (e.g. JNS_KEL 1 -> M), matched as choices are (case, punctuation).
        self.values = {key: {norm_choice(str(k)): str(v) for k, v in m.items()} for key, m in (values or {}).items()}
        self.mode = mode
        self.dry_run = dry_run
        self.progress = progress
        self.label = label
        self.pg = connection.vendor == "postgresql"
        self.result = ImportResult(dry_run=dry_run, mode=mode)
        self.validator: RowValidator | None = None
        self.source: Source | None = None
        # Private, and named after this process so the next worker start removes it if this process is killed;
        # every file in it (rows.csv holds every NIK of the file; DuckDB's own files too) readable by us only.
        self._umask = owner_only()
        self.workdir = job_tempdir("import")
        self.duck = duckdb.connect(":memory:", config={**DUCKDB_CONFIG, "temp_directory": str(self.workdir / "spill")})
        self.target_tables: list[str] = []
        self._unlock: Any = None
        self._started = time.monotonic()
        self._lap = self._started

    # --- helpers -----------------------------------------------------------------------------------------------
    def close(self) -> None:
        self._release()
        self.duck.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
        os.umask(self._umask)

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.result.timings[name] = round(now - self._lap, 2)
        self._lap = now

    def d(self, sql: str, params: Any = None):
        return self.duck.execute(sql, params) if params is not None else self.duck.execute(sql)

    def one(self, sql: str) -> tuple:
        row = self.d(sql).fetchone()
        return row if row is not None else ()

    def step(self, fraction: float, message: str | None = None) -> None:
        self.progress.update(int(self.result.total * fraction), message, force=message is not None)
        self.progress.check_cancelled()

    # --- 1. read and check cells -------------------------------------------------------------------------------
    def scan_sql(self) -> str:
        """Copy the file into DuckDB once and return it as a relation: row_no, then r_<key> (raw text, '' when
        unmapped) and the XLSX number flags.

        The copy is a plain scan, which DuckDB loads in parallel and in file order, so rowid is the record number
        (a row_number() window would make the whole check single-threaded)."""
        src = self.source
        assert src is not None and self.validator is not None
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
            pos = self.validator.positions.get(key)
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
        self.d(f"CREATE TABLE raw AS SELECT {', '.join(raw)} FROM {reader}")
        return f"SELECT {', '.join(cols)} FROM raw"

    def build_maps(self, scan: str) -> dict[str, tuple[str, str]]:
        """Run validate.RowValidator's converter once per distinct value of the low-cardinality columns."""
        assert self.validator is not None
        mapped = [k for k in BY_KEY if BY_KEY[k].kind in DUCK_TYPES]
        present = [k for k in mapped if k in self.validator.positions]
        exprs: dict[str, tuple[str, str]] = {}
        for key in mapped:
            convert = self.validator.converters[key]
            if key not in present:
                vals, errs = _convert_values(convert, key, [""], self.values.get(key))
                val = f"CAST({q.lit(vals[0])} AS {duck_type(key)})" if vals[0] is not None else "NULL"
                exprs[key] = (val, q.lit(errs[0]) if errs[0] is not None else "CAST(NULL AS VARCHAR)")
                continue
            translate = self.values.get(key)
            _map_table(
                self.duck,
                scan,
                key,
                duck_type(key),
                lambda raws, convert=convert, key=key, translate=translate: _convert_values(
                    convert, key, raws, translate
                ),
            )
            exprs[key] = (f"m_{key}.val", f"m_{key}.err")
        # NIK and KK numbers: most are written as 16 plain digits, which need no normalising and no other check of
        # their characters; the others (spaces, an apostrophe, full-width digits, a letter O...) go through the
        # validator's converter, once per distinct value, as above: normalising is registry.identity's alone.
        for key in IDENTITY_KEYS:
            if key not in self.validator.positions:
                continue
            convert = self.validator.converters[key]
            _map_table(
                self.duck,
                scan,
                key,
                "VARCHAR",
                lambda raws, convert=convert, key=key: _convert_values(convert, key, raws),
                where=f"WHERE NOT regexp_full_match(r_{key}, {q.lit(q.PLAIN_NUMBER_RE)})",
                extra=normalise_identity,
            )
        return exprs

    def convert(self) -> None:
        """Build `conv`: one row per file row, the converted values and one column per possible error."""
        assert self.validator is not None
        today = f"DATE '{self.validator.today.isoformat()}'"
        prefixes = sorted(code.replace(".", "") for code in District.objects.values_list("code", flat=True))
        self.d("CREATE TABLE dist AS SELECT unnest($1::VARCHAR[]) AS p", [prefixes])
        scan = self.scan_sql()
        if not self.one("SELECT count(*) FROM raw")[0]:
            raise ImportFileError(NO_ROWS)
        maps = self.build_maps(scan)
        self.lap("distinct")

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
            if key in self.validator.positions:
                joined.append(key)
                plain = f"regexp_full_match(s.r_{key}, {q.lit(q.PLAIN_NUMBER_RE)})"
                l1 += [
                    f"(CASE WHEN {plain} THEN s.r_{key} ELSE m_{key}.val END) AS w_{key}",
                    f"(CASE WHEN s.{flag} THEN {mangled} WHEN {plain} THEN NULL ELSE m_{key}.err END) AS e_{key}",
                    f"(CASE WHEN {plain} THEN s.r_{key} ELSE m_{key}.norm END) AS n_{key}",
                ]
            else:
                l1 += [f"'' AS w_{key}", f"(CASE WHEN s.{flag} THEN {mangled} END) AS e_{key}", f"'' AS n_{key}"]
        joins = " ".join(f"LEFT JOIN m_{k} ON m_{k}.raw = s.r_{k}" for k in joined)
        level1 = f"SELECT {', '.join(l1)} FROM ({scan}) s {joins}"

        # Level 2: errors of the SQL-checked columns (text, code, NIK, KK, phone). Each level only names the
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
        self.d("SET disabled_optimizers = 'build_side_probe_side'")
        self.d(
            "CREATE TABLE conv AS SELECT row_no, hh_hash, "
            f"(CASE WHEN {raw_key} <> '' THEN 'k:' || {raw_key} ELSE 'kk:' || {raw_kk} END) AS raw_key, "
            "(CASE WHEN coalesce(v_hh_key, '') <> '' THEN 'k:' || v_hh_key ELSE 'kk:' || coalesce(kk_v, '') END) "
            f"AS hh_key, {', '.join(values)}, nullif(concat_ws('\x1e', {packed}), '') AS errs, "
            "CAST(NULL AS BIGINT) AS person_id, CAST(NULL AS BIGINT) AS hh_exist, false AS p_changed "
            f"FROM ({level6}) l6"
        )
        self.d("RESET disabled_optimizers")
        self.d("DROP TABLE raw")
        # The template's example rows are marked by their household code: they are counted, never imported.
        example = q.lit(f"k:{EXAMPLE_KEY}")
        self.result.examples = int(self.one(f"SELECT count(*) FROM conv WHERE raw_key = {example}")[0])
        if self.result.examples:
            self.d(f"DELETE FROM conv WHERE raw_key = {example}")

    def load(self, path: Path) -> None:
        info = read_headers(path)
        self.result.headers = info.headers
        self.validator = RowValidator(
            mapping=self.mapping,
            headers=info.headers,
            known_villages=set(Village.objects.values_list("code", flat=True)),
            allowed_villages=(
                None
                if capabilities(self.actor).role in {"admin", "officer"}
                else set(villages_for_registration(self.actor).values_list("code", flat=True))
            ),
            district_prefixes={code.replace(".", "") for code in District.objects.values_list("code", flat=True)},
            regencies=deployment_regencies(),
        )
        missing = [BY_KEY[k].header for k in rules.REQUIRED_FIELDS if k not in self.validator.positions]
        if missing:
            raise ImportFileError(
                _("Kolom wajib tidak ditemukan atau belum dipetakan: %(cols)s.") % {"cols": ", ".join(missing)}
            )
        self.source = prepare(path, self.workdir, self.validator.positions)
        self.progress.start(self.source.lines, _("Membaca dan memeriksa baris…"))
        self.lap("prepare")
        try:
            self.convert()
        except duckdb.Error:
            if self.source.row_numbers:
                raise
            # DuckDB refused the file (ragged rows, stray quotes): let the Python reader decide, row by row.
            for (table,) in self.d("SELECT table_name FROM duckdb_tables()").fetchall():
                self.d(f"DROP TABLE IF EXISTS {table}")
            self.source = prepare(path, self.workdir, self.validator.positions, force_rewrite=True)
            self.convert()
        self.result.encoding = self.source.info.encoding
        self.result.delimiter = self.source.info.delimiter
        self.result.total = int(self.one("SELECT count(*) FROM conv")[0])
        self.progress.set_total(self.result.total)
        self.lap("convert")
        self.step(0.3, _("Memeriksa duplikat dan data yang sudah ada…"))

    # --- 2. cross-row checks -----------------------------------------------------------------------------------
    def add_errors(self, phase: int, select: str) -> None:
        """select: row_no, o1 (ordering inside the phase), field key, message, household key (or NULL)."""
        self.d(f"INSERT INTO err SELECT row_no, {phase}, o1, 0, k, m, b FROM ({select})")

    def _lock(self) -> None:
        """Writing imports run one at a time per registry, from the comparison with the registry to the commit:
        two imports of the same (or overlapping) files would otherwise both find nobody and both write. The
        second waits here, then finds the first one's rows. Dry runs do not wait."""
        if self.dry_run or self._unlock is not None:
            return
        before = self.progress.message

        def waiting() -> None:
            self.progress.update(message=_("Menunggu impor lain selesai…"), force=True)

        if self.pg:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_try_advisory_lock(%s)", [IMPORT_LOCK_KEY])
                if not cur.fetchone()[0]:
                    waiting()
                    cur.execute("SELECT pg_advisory_lock(%s)", [IMPORT_LOCK_KEY])

            def unlock() -> None:
                with connection.cursor() as cur:
                    cur.execute("SELECT pg_advisory_unlock(%s)", [IMPORT_LOCK_KEY])

            self._unlock = unlock
        elif fcntl is None or connection.is_in_memory_db():
            # SQLite is one machine: a file lock next to the database, a process-wide lock for an in-memory one.
            if not _MEMORY_LOCK.acquire(blocking=False):
                waiting()
                _MEMORY_LOCK.acquire()
            self._unlock = _MEMORY_LOCK.release
        else:
            handle = open(f"{connection.settings_dict['NAME']}.import-lock", "a+b")  # noqa: SIM115 (held until the end)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                waiting()
                fcntl.flock(handle, fcntl.LOCK_EX)

            def release() -> None:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()

            self._unlock = release
        if self.progress.message != before:
            self.progress.update(message=before, force=True)

    def _release(self) -> None:
        unlock, self._unlock = self._unlock, None
        if unlock is not None:
            # A lost connection has released the session lock already.
            with contextlib.suppress(Exception):
                unlock()

    def check(self) -> None:
        self._lock()
        self.d(
            "CREATE TABLE err (row_no INTEGER, phase INTEGER, o1 VARCHAR, seq INTEGER, k VARCHAR, m VARCHAR, b VARCHAR)"
        )
        self.d(
            f"INSERT INTO err SELECT row_no, {P_ROW}, NULL, CAST(p[1] AS INTEGER), p[2], p[3], raw_key FROM "
            "(SELECT row_no, raw_key, string_split(unnest(string_split(errs, '\x1e')), '\x1f') AS p FROM conv "
            "WHERE errs IS NOT NULL)"
        )
        self.d("DELETE FROM conv WHERE errs IS NOT NULL")

        # Duplicate NIK inside the file: every copy is wrong until the officer says which one is right.
        self.add_errors(
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
        self.d(
            f"CREATE TABLE hh AS SELECT c.hh_key, c.row_no AS first_row, c.hh_hash, {hh_cols}, f.heads, "
            "CAST(NULL AS BIGINT) AS hh_id, false AS is_new, false AS changed, false AS kk_changed "
            "FROM conv c JOIN (SELECT hh_key, min(row_no) AS m, count(*) FILTER (WHERE relationship = 'head') "
            "AS heads FROM conv GROUP BY hh_key) f ON f.m = c.row_no"
        )
        self.add_errors(
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
        self.add_errors(
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
        self.lap("cross_row")
        self.existing()
        self.lap("existing")

        # A household with any bad row is skipped whole: half a household is worse than none.
        self.d(
            "CREATE TABLE bad AS SELECT b AS hh_key, first(row_no ORDER BY phase, o1, row_no) AS bad_row FROM err "
            "WHERE b IS NOT NULL GROUP BY b"
        )
        self.add_errors(
            P_SKIPPED,
            "SELECT c.row_no, NULL AS o1, 'hh_key' AS k, "
            + q.msg(_("Dilewati: rumah tangga yang sama punya baris yang tidak sah (baris %(row)s)."), row="b.bad_row")
            + " AS m, NULL AS b FROM conv c JOIN bad b ON b.hh_key = c.hh_key "
            "WHERE c.row_no NOT IN (SELECT row_no FROM err)",
        )
        self.d("DELETE FROM conv WHERE hh_key IN (SELECT hh_key FROM bad)")
        self.d("DELETE FROM hh WHERE hh_key IN (SELECT hh_key FROM bad)")
        self.collect_errors()

    def collect_errors(self) -> None:
        assert self.validator is not None
        headers = {key: self.validator.header_of(key) for key in BY_KEY}
        errors = self.result.errors
        invalid, last_kept = self.one(
            f"SELECT count(*), max(row_no) FILTER (WHERE n <= {ERRORS_KEPT}) FROM "
            "(SELECT row_no, row_number() OVER (ORDER BY row_no) AS n FROM (SELECT DISTINCT row_no FROM err))"
        )
        res = self.d(f"SELECT row_no, k, m FROM err WHERE row_no <= {int(last_kept or 0)} ORDER BY row_no, phase, seq")
        while batch := res.fetchmany(10_000):
            for row_no, key, message in batch:
                errors.setdefault(row_no, []).append((headers.get(key, key), message))
        self.result.invalid = int(invalid)

    # --- 3. compare with the registry ----------------------------------------------------------------------------
    def push(self, cur, table: str, columns: list[tuple[str, str]], select: str) -> None:
        """Create a temporary table in the registry database and fill it from a DuckDB query."""
        cur.execute(f"DROP TABLE IF EXISTS {table}")
        cur.execute(f"CREATE TEMP TABLE {table} ({', '.join(f'{n} {t}' for n, t in columns)})")
        self.target_tables.append(table)
        with transaction.atomic():
            self.stream(cur, table, [n for n, _t in columns], select)
        if self.pg:
            # Without statistics the planner takes a million pushed keys for a few hundred and probes an index
            # once per key (11 s against 0.4 s for a hash join, re-importing 1M rows).
            cur.execute(f"ANALYZE {table}")

    def stream(self, cur, table: str, names: list[str], select: str, share: tuple[float, float] | None = None) -> int:
        """Send the rows of a DuckDB query into a registry table: COPY on PostgreSQL, executemany on SQLite."""
        cols = ", ".join(names)
        sent = 0
        if self.pg:
            # No progress report inside: the job row is written through this same connection, which is busy
            # until the COPY ends.
            done = (
                self._pipe(cur, table, cols, select)
                if hasattr(os, "mkfifo")
                else self._via_file(cur, table, cols, select)
            )
            if share:
                self.step(share[1])
            return done
        marks = ", ".join(["%s"] * len(names))
        res = self.d(select)
        while batch := res.fetchmany(FETCH):
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", batch)
            sent += len(batch)
            if share and self.result.total:
                self.step(share[0] + (share[1] - share[0]) * min(sent / self.result.total, 1.0))
        return sent

    def _via_file(self, cur, table: str, cols: str, select: str) -> int:
        path = self.workdir / f"{table}.csv"
        self.d(f"COPY ({select}) TO {q.lit(str(path))} (FORMAT csv, HEADER false)")
        done = 0
        with open(path, "rb") as fh, cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)") as copy:
            for block in iter(lambda: fh.read(COPY_BLOCK), b""):
                self.progress.check_cancelled()
                copy.write(block)
                done += len(block)
        path.unlink()
        return done

    def _pipe(self, cur, table: str, cols: str, select: str) -> int:
        """DuckDB writes the CSV into a named pipe on one core while PostgreSQL reads it through COPY on the other,
        instead of one waiting for the other through a file. A failure on either side still ends both: the reader
        drains the pipe so DuckDB can finish, and a DuckDB error is raised here, inside the import's transaction."""
        fifo = self.workdir / f"{table}.pipe"
        os.mkfifo(fifo)
        failure: list[BaseException] = []
        reader_done = threading.Event()

        def produce() -> None:
            try:
                self.d(f"COPY ({select}) TO {q.lit(str(fifo))} (FORMAT csv, HEADER false)")
            except BaseException as exc:  # handed to the reading thread
                failure.append(exc)
                # If the reader is still waiting in open() (DuckDB failed before opening the pipe), a writer that
                # opens and closes gives it end-of-file. Never block here: the reader may have left already.
                while not reader_done.is_set():
                    try:
                        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                    except OSError:  # nobody has the pipe open for reading (not yet, or not any more)
                        reader_done.wait(0.01)
                        continue
                    os.close(fd)
                    break

        writer = threading.Thread(target=produce, name=f"import-{table}", daemon=True)
        writer.start()
        done = 0
        try:
            with open(fifo, "rb") as fh:
                try:
                    with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)") as copy:
                        for block in iter(lambda: fh.read(COPY_BLOCK), b""):
                            if failure:
                                break
                            if self.progress.cancel_requested():
                                failure.append(JobCancelled(_("Dibatalkan atas permintaan pengguna.")))
                                break
                            copy.write(block)
                            done += len(block)
                        if failure:
                            raise failure[0]
                finally:
                    while fh.read(COPY_BLOCK):  # let DuckDB finish whatever happened on this side
                        pass
        finally:
            reader_done.set()
            writer.join()
            fifo.unlink(missing_ok=True)
        if failure:  # DuckDB failed after the last block was read: the COPY went through but is rolled back
            raise failure[0]
        return done

    def pull(self, cur, name: str, columns: list[tuple[str, str]], select: str, params: Iterable[Any] = ()) -> None:
        """Bring the rows of a registry query into a DuckDB table (through a CSV file: no row-by-row insert)."""
        path = self.workdir / f"{name}.csv"
        if self.pg:
            with open(path, "wb") as fh, cur.cursor.copy(f"COPY ({select}) TO STDOUT (FORMAT csv)") as copy:
                for data in copy:
                    fh.write(data)
        else:
            cur.execute(select, list(params))
            with open(path, "w", encoding="utf-8") as fh:
                while rows := cur.fetchmany(FETCH):
                    fh.writelines(",".join(_csv_field(v) for v in row) + "\n" for row in rows)
        struct = "{" + ", ".join(f"{q.lit(n)}: {q.lit(t)}" for n, t in columns) + "}"
        self.d(
            f"CREATE TABLE {name} AS SELECT * FROM read_csv({q.lit(str(path))}, columns={struct}, header=false, "
            "auto_detect=false, delim=',', quote='\"', escape='\"', allow_quoted_nulls=false)"
        )
        path.unlink()

    def existing(self) -> None:
        """Match the file with the registry and decide, set-based, which registered household each file household
        is (see _map_households); people whose household changes are moves (pecah KK), written in write_updates."""
        p_cols = [("id", "BIGINT"), ("household_id", "BIGINT"), *((k, duck_type(k)) for k in PERSON_KEYS)]
        p_cols.append(("status", "VARCHAR"))
        nn_cols = [*p_cols, ("village_id", "VARCHAR"), ("kk_number", "VARCHAR")]
        h_cols = [("id", "BIGINT"), *((k, duck_type(k)) for k in HOUSEHOLD_KEYS), ("visible", "BOOLEAN")]
        p_select = ", ".join(f"p.{n}" for n, _t in p_cols)
        with connection.cursor() as cur:
            cur.execute(
                "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM registry_person LIMIT 1) x), "
                "(SELECT COUNT(*) FROM (SELECT 1 FROM registry_household LIMIT 1) y)"
            )
            has_people, has_households = cur.fetchone()
            if not (has_people or has_households):
                for name, cols in (("ex_nik", p_cols), ("ex_nonik", nn_cols), ("ex_m", p_cols), ("ex_h", h_cols)):
                    self.d(f"CREATE TABLE {name} ({', '.join(f'{n} {t}' for n, t in cols)})")
                self.d("CREATE TABLE ex_kk (kk_number VARCHAR, id BIGINT)")
                self.d("CREATE TABLE ex_p AS SELECT * FROM ex_nik")
                return
            # Existing people by NIK (living only: a NIK is unique among the living).
            self.push(cur, "imp_nik", [("nik", "varchar(16)")], "SELECT DISTINCT nik FROM conv WHERE nik IS NOT NULL")
            self.pull(
                cur,
                "ex_nik",
                p_cols,
                f"SELECT {p_select} FROM registry_person p WHERE p.nik IN (SELECT nik FROM imp_nik) "
                "AND p.status <> 'deceased'",
            )
            # A join into a new table, not UPDATE ... FROM: DuckDB rewrites a million updated rows one version at a
            # time (20 s here for a re-import of 1M rows), while a join writes them once (NIK is unique among the
            # living, so each row meets at most one match).
            self.d(
                "CREATE OR REPLACE TABLE conv AS SELECT c.* REPLACE (e.id AS person_id, e.household_id AS hh_exist) "
                "FROM conv c LEFT JOIN ex_nik e ON e.nik = c.nik ORDER BY c.row_no"
            )
            # People without NIK: candidates of the same name in the same village (a scoped importer only meets
            # the people they may see, so a match says nothing about anyone else).
            self.pull_same_name(cur, nn_cols)
            # Households: by KK number, and the registered households of the people found.
            self.push(cur, "imp_kk", [("kk", "varchar(16)")], "SELECT DISTINCT kk_number FROM hh WHERE kk_number <> ''")
            self.pull(
                cur,
                "ex_kk",
                [("kk_number", "VARCHAR"), ("id", "BIGINT")],
                "SELECT kk_number, MIN(id) FROM registry_household WHERE kk_number IN (SELECT kk FROM imp_kk) "
                "GROUP BY kk_number",
            )
            self.push(
                cur,
                "imp_hid",
                [("id", "bigint")],
                "SELECT hh_exist FROM conv WHERE hh_exist IS NOT NULL UNION SELECT id FROM ex_kk",
            )
            visible = "1 = 1"
            if household_scope_q(self.actor) is not None:
                visible_sql, visible_params = households_visible_to(self.actor).values("id").query.sql_with_params()
                cur.execute("DROP TABLE IF EXISTS imp_vis")
                cur.execute(
                    f"CREATE TEMP TABLE imp_vis AS SELECT id FROM imp_hid WHERE id IN ({visible_sql})", visible_params
                )
                self.target_tables.append("imp_vis")
                visible = "h.id IN (SELECT id FROM imp_vis)"
            h_select = ", ".join(f"h.{n}" for n, _t in h_cols[:-1])
            self.pull(
                cur,
                "ex_h",
                h_cols,
                f"SELECT {h_select}, CASE WHEN {visible} THEN 1 ELSE 0 END FROM registry_household h "
                "WHERE h.id IN (SELECT id FROM imp_hid)",
            )
            self.d(
                "CREATE TABLE ex_p AS SELECT * FROM ex_nik UNION ALL SELECT * EXCLUDE (village_id, kk_number) "
                "FROM ex_nonik WHERE id NOT IN (SELECT id FROM ex_nik)"
            )
            self._map_households()
            self.push(cur, "imp_mid", [("id", "bigint")], "SELECT DISTINCT hh_id FROM hh WHERE hh_id IS NOT NULL")
            self.pull(
                cur,
                "ex_m",
                p_cols,
                f"SELECT {p_select} FROM registry_person p WHERE p.household_id IN (SELECT id FROM imp_mid)",
            )
        # Existing households must be inside the user's scope, and so must the households people move out of.
        # The message is the same whatever matched (NIK or KK number) and names nobody: a partner or facilitator
        # must not learn that a number is registered outside their scope (issue 13).
        hidden = q.lit(
            _("Baris ini tidak bisa diimpor dengan hak akses Anda. Minta petugas dinas memeriksa dan mengimpornya.")
        )
        self.add_errors(
            P_SCOPE,
            f"SELECT c.row_no, NULL AS o1, 'hh_key' AS k, {hidden} AS m, c.hh_key AS b FROM conv c "
            "JOIN hh h ON h.hh_key = c.hh_key LEFT JOIN ex_h e ON e.id = h.hh_id LEFT JOIN ex_h o ON o.id = c.hh_exist "
            "WHERE NOT coalesce(e.visible, true) OR NOT coalesce(o.visible, true)",
        )
        # People without NIK: the same name and birth date in the same household.
        self.d(
            "UPDATE conv SET person_id = m.pid, hh_exist = m.hid FROM (SELECT c.row_no, min(p.id) AS pid, "
            "min(p.household_id) AS hid FROM conv c "
            "JOIN hh h ON h.hh_key = c.hh_key JOIN ex_m p ON p.household_id = h.hh_id AND p.full_name = c.full_name "
            "AND p.birth_date = c.birth_date WHERE c.nik IS NULL AND c.person_id IS NULL GROUP BY c.row_no) m "
            "WHERE m.row_no = conv.row_no"
        )
        self.d(
            "INSERT INTO ex_p SELECT * FROM ex_m WHERE id NOT IN (SELECT id FROM ex_p) "
            "AND id IN (SELECT person_id FROM conv)"
        )
        # A person without NIK who resembles a registered one without being the same on every point is left
        # for an officer to look at (the deduplication work to come handles the fuzzy cases).
        self.add_errors(
            P_NEAR,
            "SELECT c.row_no, NULL AS o1, 'full_name' AS k, "
            + q.msg(
                _(
                    "Mirip penduduk yang sudah terdaftar di desa yang sama (penduduk #%(id)s: nama sama, tetapi "
                    "tanggal lahir, jenis kelamin, NIK atau Nomor KK berbeda). Periksa dulu di registri: bila orang "
                    "yang sama, samakan datanya; bila orang lain, isi NIK-nya."
                ),
                id="min(e.id)",
            )
            + " AS m, any_value(c.hh_key) AS b FROM conv c JOIN ex_nonik e ON e.village_id = c.village_id "
            "AND lower(e.full_name) = lower(c.full_name) WHERE c.nik IS NULL AND c.person_id IS NULL "
            "GROUP BY c.row_no",
        )
        # A household that already has a head who is not in the file would end up with two.
        self.add_errors(
            P_OLD_HEAD,
            "SELECT r.row_no, NULL AS o1, 'relationship' AS k, "
            + q.msg(
                _("Rumah tangga ini sudah punya kepala keluarga lain (penduduk #%(id)s) yang tidak ada di file."),
                id="p.id",
            )
            + " AS m, r.hh_key AS b FROM hh h JOIN ex_h e ON e.id = h.hh_id AND e.visible "
            "JOIN ex_m p ON p.household_id = h.hh_id AND p.relationship = 'head' "
            "AND p.status = 'active' JOIN conv r ON r.hh_key = h.hh_key AND r.relationship = 'head' "
            "AND (r.person_id IS NULL OR r.person_id <> p.id) "
            "WHERE NOT EXISTS (SELECT 1 FROM conv x WHERE x.person_id = p.id)",
        )

    def pull_same_name(self, cur, nn_cols: list[tuple[str, str]]) -> None:
        """ex_nonik: the registered people (living) with the name and village of a file row without NIK."""
        self.push(
            cur,
            "imp_names",
            [("village_id", "varchar(13)"), ("name_key", "varchar(150)")],
            "SELECT DISTINCT village_id, lower(full_name) FROM conv WHERE nik IS NULL",
        )
        scope, params = "", []
        if household_scope_q(self.actor) is not None:
            visible_sql, visible = households_visible_to(self.actor).values("id").query.sql_with_params()
            scope, params = f"AND h.id IN ({visible_sql})", list(visible)
        # The candidates go through a temporary table: COPY (the PostgreSQL pull) takes no query parameters.
        cur.execute("DROP TABLE IF EXISTS imp_nn")
        cur.execute(
            "CREATE TEMP TABLE imp_nn AS SELECT p.id FROM registry_person p "
            "JOIN registry_household h ON h.id = p.household_id "
            "JOIN imp_names i ON i.village_id = h.village_id AND i.name_key = lower(p.full_name) "
            f"WHERE p.status <> 'deceased' {scope}",
            params,
        )
        self.target_tables.append("imp_nn")
        select = ", ".join(f"p.{n}" for n, _t in nn_cols[:-2])
        self.pull(
            cur,
            "ex_nonik",
            nn_cols,
            f"SELECT {select}, h.village_id, h.kk_number FROM registry_person p "
            "JOIN registry_household h ON h.id = p.household_id WHERE p.id IN (SELECT id FROM imp_nn)",
        )
        # One registered person without NIK of the same name, birth date, sex, village (and KK number when the
        # file gives one) is the same person.
        self.d(
            "UPDATE conv SET person_id = m.pid, hh_exist = m.hid FROM (SELECT c.row_no, min(e.id) AS pid, "
            "min(e.household_id) AS hid FROM conv c JOIN ex_nonik e ON e.village_id = c.village_id "
            "AND lower(e.full_name) = lower(c.full_name) AND e.birth_date = c.birth_date AND e.sex = c.sex "
            "AND e.nik IS NULL AND (coalesce(c.kk_number, '') = '' OR e.kk_number = c.kk_number) "
            "WHERE c.nik IS NULL AND c.person_id IS NULL GROUP BY c.row_no HAVING count(*) = 1) m "
            "WHERE m.row_no = conv.row_no"
        )

    def _map_households(self) -> None:
        """Which registered household each file household is, in this order:
        1. the household with the same KK number;
        2. the household the file's head already heads (the family got a new KK number);
        3. the one household all its known members come from, when one of the two has no KK number.
        Otherwise it is a new household, and its known members move into it as the registry's split service
        would move them: the household they leave keeps its KK number, head and address. What cannot be decided
        without a person (two file households claiming one registered household, a registered head appearing as
        a member elsewhere) is reported, never guessed."""
        self.d(
            "UPDATE hh SET hh_id = k.id FROM ex_kk k WHERE hh.hh_id IS NULL AND hh.kk_number <> '' "
            "AND k.kk_number = hh.kk_number"
        )
        self.d(
            "UPDATE hh SET hh_id = x.h FROM (SELECT c.hh_key, min(c.hh_exist) AS h FROM conv c "
            "JOIN ex_p e ON e.id = c.person_id WHERE c.relationship = 'head' AND e.relationship = 'head' "
            "AND e.status = 'active' GROUP BY c.hh_key) x WHERE hh.hh_id IS NULL AND x.hh_key = hh.hh_key"
        )
        self.d(
            "UPDATE hh SET hh_id = x.h FROM (SELECT c.hh_key, min(c.hh_exist) AS h FROM conv c "
            "WHERE c.hh_exist IS NOT NULL GROUP BY c.hh_key HAVING count(DISTINCT c.hh_exist) = 1) x "
            "JOIN ex_h e ON e.id = x.h WHERE hh.hh_id IS NULL AND x.hh_key = hh.hh_key "
            "AND (e.kk_number = '' OR hh.kk_number = '')"
        )
        decide = _(
            "Periksa dulu apakah ini pecah KK, pindah, gabung atau salah ketik, catat perubahannya di halaman "
            "registri, lalu impor lagi."
        )
        self.add_errors(
            P_OTHER_HH,
            "SELECT h.first_row AS row_no, NULL AS o1, 'hh_key' AS k, "
            + q.msg(
                _("Rumah tangga terdaftar #%(id)s cocok dengan lebih dari satu rumah tangga di file (baris %(rows)s).")
                + " "
                + decide,
                id="h.hh_id",
                rows="d.rows",
            )
            + " AS m, h.hh_key AS b FROM hh h JOIN (SELECT hh_id, string_agg(CAST(first_row AS VARCHAR), ', ' "
            "ORDER BY first_row) AS rows FROM hh WHERE hh_id IS NOT NULL GROUP BY hh_id HAVING count(*) > 1) d "
            "ON d.hh_id = h.hh_id JOIN ex_h e ON e.id = h.hh_id AND e.visible",
        )
        self.add_errors(
            P_OTHER_HH,
            "SELECT c.row_no, NULL AS o1, 'relationship' AS k, "
            + q.msg(
                _(
                    "Penduduk ini kepala keluarga rumah tangga terdaftar #%(id)s, tetapi di file ini tercatat di "
                    "rumah tangga lain."
                )
                + " "
                + decide,
                id="c.hh_exist",
            )
            + " AS m, c.hh_key AS b FROM conv c JOIN hh h ON h.hh_key = c.hh_key JOIN ex_p e ON e.id = c.person_id "
            "JOIN ex_h o ON o.id = c.hh_exist AND o.visible WHERE e.relationship = 'head' AND e.status = 'active' "
            "AND c.hh_exist IS DISTINCT FROM h.hh_id",
        )

    # --- 4. classify -------------------------------------------------------------------------------------------
    def classify(self) -> None:
        hh_diff = " OR ".join(f"(e.{k} IS DISTINCT FROM hh.{k})" for k in HOUSEHOLD_KEYS)
        self.d("UPDATE hh SET is_new = hh_id IS NULL")
        self.d(
            f"UPDATE hh SET changed = ({hh_diff}), kk_changed = (e.kk_number <> hh.kk_number) FROM ex_h e "
            "WHERE e.id = hh.hh_id"
        )
        p_diff = " OR ".join(f"(e.{k} IS DISTINCT FROM c.{k})" for k in PERSON_KEYS)
        # ex_p holds each known person once (found by NIK, by name, or as a member of a matched household). A
        # person whose file household is another registered household, or a new one, moves (pecah KK).
        if self.one("SELECT count(*) FROM ex_p")[0]:
            self.d(
                f"CREATE OR REPLACE TABLE conv AS SELECT c.* REPLACE (CASE WHEN e.id IS NULL THEN c.p_changed "
                f"ELSE ({p_diff}) OR c.hh_exist IS DISTINCT FROM h.hh_id END AS p_changed) FROM conv c "
                "JOIN hh h ON h.hh_key = c.hh_key LEFT JOIN ex_p e ON e.id = c.person_id ORDER BY c.row_no"
            )
        new, updated, unchanged = self.one(
            "SELECT count(*) FILTER (WHERE c.person_id IS NULL), "
            "count(*) FILTER (WHERE c.person_id IS NOT NULL AND (c.p_changed OR h.changed)), "
            "count(*) FILTER (WHERE c.person_id IS NOT NULL AND NOT c.p_changed AND NOT h.changed) "
            "FROM conv c JOIN hh h ON h.hh_key = c.hh_key"
        )
        hh_new, hh_updated = self.one("SELECT count(*) FILTER (WHERE is_new), count(*) FILTER (WHERE changed) FROM hh")
        r = self.result
        r.new, r.updated, r.unchanged = int(new), int(updated), int(unchanged)
        r.households_new, r.households_updated = int(hh_new), int(hh_updated)
        self.lap("classify")

    # --- 5. write ------------------------------------------------------------------------------------------------
    def _reserve_ids(self, cur, table: str, n: int) -> int:
        """Reserve n consecutive ids of `table` and return the first. Runs inside the write transaction."""
        if self.pg:
            # Concurrent single inserts wait for the import instead of taking ids from the middle of the block.
            cur.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            cur.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))")
            base = int(cur.fetchone()[0])
            if n > 1:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [base + n - 1])
            return base
        # SQLite: the write transaction holds the database lock, so MAX(id) cannot move under us.
        cur.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return int(cur.fetchone()[0])

    def _history(self, cur, model, source_alias_sql: str, type_sql: str, now, reason: str, source_params=()) -> None:
        """Write django-simple-history rows set-based: bulk writes do not fire its signals."""
        hist = model.history.model
        base_cols = {f.column for f in model._meta.concrete_fields}
        cols, exprs, params = [], [], []
        for f in hist._meta.concrete_fields:
            if f.name == "history_id":
                continue
            cols.append(f.column)
            if f.name == "history_date":
                exprs.append("%s")
                params.append(now)
            elif f.name == "history_change_reason":
                exprs.append("%s")
                params.append(reason)
            elif f.name == "history_type":
                exprs.append(type_sql)
            elif f.name == "history_user":
                exprs.append("%s")
                params.append(getattr(self.actor, "pk", None))
            elif f.column in base_cols:
                exprs.append(f"t.{f.column}")
            else:
                exprs.append("NULL")
        cur.execute(
            f"INSERT INTO {hist._meta.db_table} ({', '.join(cols)}) SELECT {', '.join(exprs)} {source_alias_sql}",
            [*params, *source_params],
        )

    def _bulk_begin(self, cur, tables: list[str]) -> list[str]:
        """Drop the secondary indexes (and on PostgreSQL the foreign keys) of `tables` for a large first load.

        Maintaining six indexes (one of them a trigram GIN) row by row and checking a million deferred foreign
        keys one by one costs several times more than building them once at the end. All of it is transactional:
        a rollback puts them back. Returns the statements that restore them."""
        if not self.pg:
            marks = ", ".join(["%s"] * len(tables))
            cur.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
                tables,
            )
            sqlite_indexes = cur.fetchall()
            for name, _sql in sqlite_indexes:
                cur.execute(f'DROP INDEX "{name}"')
            return [sql for _name, sql in sqlite_indexes]
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cur.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
            [tables],
        )
        indexes = cur.fetchall()
        cur.execute(
            "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
            [tables],
        )
        # Dropping a foreign key also locks the table it points to (users, households) against every reader until
        # the commit: only an exclusive first load does it.
        fks = cur.fetchall() if _exclusive_load() else []
        for name, table, _definition in fks:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cur.execute(f"DROP INDEX {name}")
        restore = [definition for _name, definition in indexes]
        restore += [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for name, table, definition in fks]
        return restore

    def _bulk_tables(self, cur, hh_new: int, p_new: int) -> list[str]:
        """The tables this import at least doubles: for those, one index build beats row-by-row maintenance.

        On PostgreSQL dropping an index locks its table against readers until the import commits, so the tables
        registry pages read are left out unless the deployment asks for an exclusive first load
        (BERDAYA_IMPORT_EXCLUSIVE_LOAD). SQLite readers see the last commit (WAL) whatever the import does."""
        if p_new < BULK_MIN_ROWS:
            return []
        skip = READ_TABLES if self.pg and not _exclusive_load() else set()
        tables = []
        for table, rows in (
            ("registry_household", hh_new),
            ("registry_historicalhousehold", hh_new),
            ("registry_kknumber", hh_new),
            ("registry_person", p_new),
            ("registry_historicalperson", p_new),
        ):
            if table in skip:
                continue
            cur.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT %s) x", [rows + 1])
            if cur.fetchone()[0] <= rows:
                tables.append(table)
        return tables

    def write(self, cur) -> None:
        ops = connection.ops
        stamp = timezone.now()
        now = ops.adapt_datetimefield_value(stamp)
        now_text = q.lit(stamp.isoformat() if self.pg else str(now))
        today = ops.adapt_datefield_value(timezone.localdate())
        reason = _("Impor: %(label)s") % {"label": self.label}
        org = self.actor.organisation_id if capabilities(self.actor).role == "partner" else None
        org_sql = str(int(org)) if org else "NULL"
        hh_new, p_new = self.result.households_new, self.result.new

        restore: list[str] = []
        bulk = self._bulk_tables(cur, hh_new, p_new)
        if bulk:
            try:
                with transaction.atomic():
                    restore = self._bulk_begin(cur, bulk)
            except OperationalError:
                # The caller's transaction has deferred checks pending on these tables (ALTER TABLE refuses):
                # maintain the indexes row by row instead.
                restore = []
        # A large first load on PostgreSQL: the two timestamps, the same for every row, come from a column default set
        # for this transaction only, so COPY does not parse two million timestamps.
        stamped = [t for t in ("registry_household", "registry_person") if self.pg and restore and t in bulk]
        for table in stamped:
            cur.execute(
                f"ALTER TABLE {table} ALTER COLUMN created_at SET DEFAULT {now_text}, "
                f"ALTER COLUMN updated_at SET DEFAULT {now_text}"
            )

        def stamps(table: str) -> tuple[list[str], str]:
            if table in stamped:
                return [], ""
            return ["created_at", "updated_at"], f", {now_text}, {now_text}"

        hh_base = self._reserve_ids(cur, "registry_household", hh_new) if hh_new else 0
        p_base = self._reserve_ids(cur, "registry_person", p_new) if p_new else 0
        self.d(
            f"UPDATE hh SET hh_id = {hh_base} + x.rn - 1 FROM (SELECT hh_key, row_number() OVER (ORDER BY first_row) "
            "AS rn FROM hh WHERE is_new) x WHERE x.hh_key = hh.hh_key"
        )
        text = (lambda e: e) if self.pg else (lambda e: f"CAST({e} AS VARCHAR)")  # SQLite: dates, decimals as text
        hh_vals = [text(k) if BY_KEY[k].kind in ("decimal", "date") else k for k in HOUSEHOLD_KEYS]
        if hh_new:
            stamp_cols, stamp_vals = stamps("registry_household")
            self.stream(
                cur,
                "registry_household",
                ["id", *HOUSEHOLD_KEYS, "kk_override_reason", "status", "registered_by_organisation_id", *stamp_cols],
                f"SELECT hh_id, {', '.join(hh_vals)}, '', {q.lit(c.HouseholdStatus.ACTIVE)}, {org_sql}"
                f"{stamp_vals} FROM hh WHERE is_new ORDER BY hh_id",
                share=(0.4, 0.5),
            )
        self.progress.check_cancelled()
        if p_new:
            p_vals = [text(f"c.{k}") if BY_KEY[k].kind in ("decimal", "date") else f"c.{k}" for k in PERSON_KEYS]
            stamp_cols, stamp_vals = stamps("registry_person")
            self.stream(
                cur,
                "registry_person",
                ["id", "household_id", *PERSON_KEYS, "nik_override_reason", "status", *stamp_cols],
                f"SELECT {p_base} + row_number() OVER (ORDER BY c.row_no) - 1 AS id, h.hh_id, {', '.join(p_vals)}, "
                f"'', {q.lit(c.PersonStatus.ACTIVE)}{stamp_vals} FROM conv c "
                "JOIN hh h ON h.hh_key = c.hh_key WHERE c.person_id IS NULL ORDER BY id",
                share=(0.5, 0.75),
            )
        for table in stamped:
            cur.execute(
                f"ALTER TABLE {table} ALTER COLUMN created_at DROP DEFAULT, ALTER COLUMN updated_at DROP DEFAULT"
            )
        self.lap("write_rows")
        self.step(0.75)
        if hh_new:
            cur.execute(
                "INSERT INTO registry_kknumber (household_id, number, valid_from, valid_to, reason) "
                "SELECT id, kk_number, %s, NULL, %s FROM registry_household WHERE id BETWEEN %s AND %s "
                "AND kk_number <> ''",
                [today, reason[:200], hh_base, hh_base + hh_new - 1],
            )
            self._history(
                cur,
                Household,
                "FROM registry_household t WHERE t.id BETWEEN %s AND %s",
                "'+'",
                now,
                reason[:100],
                [hh_base, hh_base + hh_new - 1],
            )
        self.step(0.8)
        if p_new:
            self._history(
                cur,
                Person,
                "FROM registry_person t WHERE t.id BETWEEN %s AND %s",
                "'+'",
                now,
                reason[:100],
                [p_base, p_base + p_new - 1],
            )
        self.lap("write_history")
        self.step(0.9)
        if self.pg and restore:
            # A kept foreign key (history rows -> their user) has deferred checks queued, and PostgreSQL builds no
            # index on a table with pending trigger events: run the checks now, then defer again as before.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for statement in restore:
            cur.execute(statement)
        if self.pg and restore:
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
        self.lap("write_indexes")
        self.step(0.95)
        self.write_updates(cur, now, today, reason)
        self.lap("write_updates")

    def write_updates(self, cur, now, today, reason: str) -> None:
        """Changed households and people: a handful of UPDATE ... FROM statements and their history rows."""
        if self.result.households_updated:
            cols = [("hh_id", "bigint"), ("kk_changed", "boolean"), *((k, _sql_type(k)) for k in HOUSEHOLD_KEYS)]
            self.push(
                cur,
                "imp_hh_upd",
                cols,
                f"SELECT hh_id, kk_changed, {', '.join(HOUSEHOLD_KEYS)} FROM hh WHERE changed",
            )
            set_hh = ", ".join(f"{k} = imp_hh_upd.{k}" for k in HOUSEHOLD_KEYS)
            cur.execute(
                f"UPDATE registry_household SET {set_hh}, updated_at = %s FROM imp_hh_upd "
                "WHERE registry_household.id = imp_hh_upd.hh_id",
                [now],
            )
            # KK number history, as household_update/_kk_changed do one by one.
            cur.execute(
                "UPDATE registry_kknumber SET valid_to = %s WHERE valid_to IS NULL AND household_id IN "
                "(SELECT hh_id FROM imp_hh_upd WHERE kk_changed)",
                [today],
            )
            cur.execute(
                "INSERT INTO registry_kknumber (household_id, number, valid_from, valid_to, reason) "
                "SELECT hh_id, kk_number, %s, NULL, %s FROM imp_hh_upd WHERE kk_number <> '' AND kk_changed",
                [today, reason[:200]],
            )
            if getattr(self.actor, "pk", None):
                cur.execute(
                    "INSERT INTO registry_lifeevent (kind, date, household_id, person_id, new_household_id, note, "
                    "recorded_by_id, recorded_at) SELECT %s, %s, hh_id, NULL, NULL, %s, %s, %s FROM imp_hh_upd "
                    "WHERE kk_changed",
                    [c.LifeEventKind.KK_CHANGED, today, reason[:300], self.actor.pk, now],
                )
            self._history(
                cur,
                Household,
                "FROM registry_household t JOIN imp_hh_upd h ON h.hh_id = t.id",
                "'~'",
                now,
                reason[:100],
            )
        self.progress.check_cancelled()
        changed = self.one("SELECT count(*) FROM conv WHERE p_changed")[0]
        if changed:
            values = ", ".join(f"arg_max(c.{k}, c.row_no) AS {k}" for k in PERSON_KEYS)
            self.push(
                cur,
                "imp_p_upd",
                [
                    ("person_id", "bigint"),
                    ("household_id", "bigint"),
                    ("moved_from", "bigint"),
                    *((k, _sql_type(k)) for k in PERSON_KEYS),
                ],
                f"SELECT c.person_id, any_value(h.hh_id), any_value(CASE WHEN c.hh_exist <> h.hh_id THEN c.hh_exist "
                f"END), {values} FROM conv c JOIN hh h ON h.hh_key = c.hh_key WHERE c.p_changed GROUP BY c.person_id",
            )
            set_p = ", ".join(f"{k} = imp_p_upd.{k}" for k in [*PERSON_KEYS, "household_id"])
            cur.execute(
                f"UPDATE registry_person SET {set_p}, updated_at = %s FROM imp_p_upd "
                "WHERE registry_person.id = imp_p_upd.person_id",
                [now],
            )
            if getattr(self.actor, "pk", None):
                # A move leaves the event household_split records (the household left, the one joined).
                cur.execute(
                    "INSERT INTO registry_lifeevent (kind, date, household_id, person_id, new_household_id, note, "
                    "recorded_by_id, recorded_at) SELECT %s, %s, moved_from, person_id, household_id, %s, %s, %s "
                    "FROM imp_p_upd WHERE moved_from IS NOT NULL",
                    [c.LifeEventKind.SPLIT, today, reason[:300], self.actor.pk, now],
                )
            self._history(
                cur,
                Person,
                "FROM registry_person t JOIN imp_p_upd r ON r.person_id = t.id",
                "'~'",
                now,
                reason[:100],
            )
        self.progress.check_cancelled()

    def drop_target_tables(self) -> None:
        with connection.cursor() as cur:
            for table in self.target_tables:
                cur.execute(f"DROP TABLE IF EXISTS {table}")
        self.target_tables.clear()


def _exclusive_load() -> bool:
    return bool(conf().import_exclusive_load)


@contextmanager
def _sqlite_cache():
    """SQLite's default page cache (2 MB) makes every index insert of a million rows a disk read: use 256 MB for
    the write, then give it back."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size")
        previous = int(cur.fetchone()[0])
        cur.execute("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = {previous}")


def import_households(
    *,
    path: str | Path,
    actor,
    mapping: dict[str, str] | None = None,
    mode: str = MODE_VALID_ONLY,
    dry_run: bool = True,
    progress: Progress | None = None,
    label: str = "",
    values: dict[str, dict[str, str]] | None = None,
    on_write: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Validate (and unless dry_run, write) a household file. One transaction; nothing is written on error.

    `on_write` runs inside the write transaction, after the rows: the caller records there that the import
    happened, so that record commits (or not) together with the data."""
    from .columns import auto_mapping

    if mode not in (MODE_VALID_ONLY, MODE_ALL_OR_NOTHING):
        raise ValueError(mode)
    if not capabilities(actor).edits_registry:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Peran Anda tidak boleh mengimpor data registri."))
    path = Path(path)
    started = time.monotonic()
    if mapping is None:
        mapping = auto_mapping(read_headers(path).headers)
    engine = Engine(
        actor=actor,
        mapping=mapping,
        mode=mode,
        dry_run=dry_run,
        progress=progress or Progress(),
        label=label or path.name,
        values=values,
    )
    try:
        engine.load(path)
        engine.check()
        engine.step(0.4)
        engine.classify()
        result = engine.result
        result.rejected = mode == MODE_ALL_OR_NOTHING and bool(result.errors)
        if not dry_run and not result.rejected:
            engine.progress.update(message=_("Menulis ke basis data dalam satu transaksi…"), force=True)
            with _sqlite_cache(), transaction.atomic(), connection.cursor() as cur, engine.progress.write_phase():
                engine.write(cur)
                result.written = True
                if on_write is not None:
                    on_write(result)
    finally:
        try:
            engine.drop_target_tables()
        finally:
            engine.close()
    engine.result.seconds = time.monotonic() - started
    return engine.result
