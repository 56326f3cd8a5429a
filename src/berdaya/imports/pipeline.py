# SQL here is assembled only from table names defined in code; values travel as query parameters.
"""The household import pipeline: its phases, progress, cancelling and locking. DuckDB checks the file set-based,
the registry database is written in bulk, in one transaction.

1. Read (source.py). A clean UTF-8 CSV is read by DuckDB in place; other files (XLSX, Windows-1252, ragged rows)
   are streamed once through the Python reader into a temporary CSV.
2. Check every cell and row in DuckDB, then the rules that span rows of the file (checks.py: the check SQL, built
   from registry.rules and validate.RowValidator).
3. Compare with the registry (matching.py): conflicts, and which rows are new, updated or unchanged.
4. Unless it is a dry run, write in ONE transaction (bulk.py), the rows moved by transport.py (PostgreSQL COPY,
   SQLite executemany). A cancel or a crash rolls everything back.

Writing imports run one at a time per registry, from the comparison with the registry to the commit (lock()).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils.translation import gettext as _

from berdaya.areas.models import District, Village
from berdaya.areas.selectors import deployment_regencies
from berdaya.core.access import capabilities
from berdaya.core.spreadsheet import ImportFileError, read_headers
from berdaya.jobs.progress import Progress
from berdaya.jobs.services import job_tempdir, owner_only
from berdaya.registry import rules
from berdaya.registry.access import villages_for_registration

from . import bulk, checks, matching
from .access import imports_everywhere
from .columns import BY_KEY, auto_mapping, norm_choice
from .source import Source, prepare
from .transport import Transport, transport_for
from .validate import RowValidator

FIRST_ERRORS = 50
HELD_KEPT = 5_000  # held rows listed on the import page; the rest are counted (and held all the same)
DUCKDB_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "threads": 2,
    "memory_limit": "768MB",
    "preserve_insertion_order": True,
}

MODE_VALID_ONLY = "valid-only"
MODE_ALL_OR_NOTHING = "all-or-nothing"


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
    # Rows held for review as likely duplicates of registered people (matching.hold_likely), not written: one entry
    # per row with a likely match, with the rows of its household held with it.
    held: list[dict[str, Any]] = field(default_factory=list)
    held_rows: int = 0
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
            "held_rows": self.held_rows,
            "held": self.held[:HELD_KEPT],
        }


class Import:
    """One import of one file: the DuckDB database it is checked in, the transport to the registry database, the
    result, and the phases in order (load, check, classify, write)."""

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
        rows: list[int] | None = None,
        decisions: dict[int, tuple[str, int | None]] | None = None,
    ):
        self.actor = actor
        # Only these rows of the file (a held household written after review), and the officer's decision on each
        # held row: ("release", None) writes it as a new person, ("link", person id) as that registered person.
        self.rows = rows
        self.decisions = decisions or {}
        self.mapping = mapping
        # A saved mapping's value translations (e.g. JNS_KEL 1 -> M), matched as choices are (case, punctuation).
        self.values = {key: {norm_choice(str(k)): str(v) for k, v in m.items()} for key, m in (values or {}).items()}
        self.mode = mode
        self.dry_run = dry_run
        self.progress = progress
        self.label = label
        self.result = ImportResult(dry_run=dry_run, mode=mode)
        self.validator: RowValidator | None = None
        self.source: Source | None = None
        # Private, and named after this process so the next worker start removes it if this process is killed;
        # every file in it (rows.csv holds every NIK of the file; DuckDB's own files too) readable by us only.
        self._umask = owner_only()
        self.workdir = job_tempdir("import")
        self.duck = duckdb.connect(":memory:", config={**DUCKDB_CONFIG, "temp_directory": str(self.workdir / "spill")})
        self.transport: Transport = transport_for(duck=self.duck, workdir=self.workdir, progress=progress)
        self.target_tables: list[str] = []  # temporary tables made in the registry database
        self._unlock: Callable[[], None] | None = None
        self._started = time.monotonic()
        self._lap = self._started

    # --- helpers ---------------------------------------------------------------------------------------------------
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

    def push(self, cur, table: str, columns: list[tuple[str, str]], select: str) -> None:
        """A temporary table in the registry database, filled from a DuckDB query; dropped when the import ends."""
        self.target_tables.append(table)
        self.transport.push(cur, table, columns, select)

    def drop_target_tables(self) -> None:
        with connection.cursor() as cur:
            for table in self.target_tables:
                cur.execute(f"DROP TABLE IF EXISTS {table}")
        self.target_tables.clear()

    # --- 1. read and check cells -----------------------------------------------------------------------------------
    def load(self, path: Path) -> None:
        info = read_headers(path)
        self.result.headers = info.headers
        self.validator = RowValidator(
            mapping=self.mapping,
            headers=info.headers,
            known_villages=set(Village.objects.values_list("code", flat=True)),
            allowed_villages=(
                None
                if imports_everywhere(self.actor)
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
            checks.convert(self)
        except duckdb.Error:
            if self.source.row_numbers:
                raise
            # DuckDB refused the file (ragged rows, stray quotes): let the Python reader decide, row by row.
            for (table,) in self.d("SELECT table_name FROM duckdb_tables()").fetchall():
                self.d(f"DROP TABLE IF EXISTS {table}")
            self.source = prepare(path, self.workdir, self.validator.positions, force_rewrite=True)
            checks.convert(self)
        if self.rows is not None:
            self.d("CREATE TABLE only_rows AS SELECT unnest($1::INTEGER[]) AS row_no", [sorted(set(self.rows))])
            self.d("DELETE FROM conv WHERE row_no NOT IN (SELECT row_no FROM only_rows)")
        self.result.encoding = self.source.info.encoding
        self.result.delimiter = self.source.info.delimiter
        self.result.total = int(self.one("SELECT count(*) FROM conv")[0])
        self.progress.set_total(self.result.total)
        self.lap("convert")
        self.step(0.3, _("Memeriksa duplikat dan data yang sudah ada…"))

    # --- 2. rules across rows, and the comparison with the registry -------------------------------------------------
    def check(self) -> None:
        self.lock()
        checks.check_file(self)
        self.lap("cross_row")
        matching.existing(self)
        self.lap("existing")
        checks.skip_broken_households(self)
        matching.hold_likely(self)
        self.lap("likely")
        checks.collect_errors(self)

    def lock(self) -> None:
        """Writing imports run one at a time per registry, from the comparison with the registry to the commit: two
        imports of the same (or overlapping) files would otherwise both find nobody and both write. The second waits
        here, then finds the first one's rows. Dry runs do not wait."""
        if self.dry_run or self._unlock is not None:
            return
        before = self.progress.message

        def waiting() -> None:
            self.progress.update(message=_("Menunggu impor lain selesai…"), force=True)

        self._unlock = self.transport.lock(waiting)
        if self.progress.message != before:
            self.progress.update(message=before, force=True)

    def _release(self) -> None:
        unlock, self._unlock = self._unlock, None
        if unlock is not None:
            # A lost connection has released the session lock already.
            with contextlib.suppress(Exception):
                unlock()

    # --- 3. classify -------------------------------------------------------------------------------------------------
    def classify(self) -> None:
        matching.classify(self)

    # --- 4. write ----------------------------------------------------------------------------------------------------
    def write(self, cur) -> None:
        bulk.write(self, cur)


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
    rows: list[int] | None = None,
    decisions: dict[int, tuple[str, int | None]] | None = None,
) -> ImportResult:
    """Validate (and unless dry_run, write) a household file. One transaction; nothing is written on error.

    `on_write` runs inside the write transaction, after the rows: the caller records there that the import
    happened, so that record commits (or not) together with the data."""
    if mode not in (MODE_VALID_ONLY, MODE_ALL_OR_NOTHING):
        raise ValueError(mode)
    if not capabilities(actor).edits_registry:
        raise PermissionDenied(_("Peran Anda tidak boleh mengimpor data registri."))
    path = Path(path)
    started = time.monotonic()
    if mapping is None:
        mapping = auto_mapping(read_headers(path).headers)
    run = Import(
        actor=actor,
        mapping=mapping,
        mode=mode,
        dry_run=dry_run,
        progress=progress or Progress(),
        label=label or path.name,
        values=values,
        rows=rows,
        decisions=decisions,
    )
    try:
        run.load(path)
        run.check()
        run.step(0.4)
        run.classify()
        result = run.result
        result.rejected = mode == MODE_ALL_OR_NOTHING and bool(result.errors)
        if not dry_run and not result.rejected:
            run.progress.update(message=_("Menulis ke basis data dalam satu transaksi…"), force=True)
            with (
                run.transport.write_session(),
                transaction.atomic(),
                connection.cursor() as cur,
                run.progress.write_phase(),
            ):
                run.write(cur)
                result.written = True
                if on_write is not None:
                    on_write(result)
    finally:
        try:
            run.drop_target_tables()
        finally:
            run.close()
    run.result.seconds = time.monotonic() - started
    return run.result
