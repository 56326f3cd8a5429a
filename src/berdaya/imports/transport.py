# SQL here is assembled only from table and column names defined in code and from literals built by sqlcheck.lit();
# values from the file travel through CSV, COPY or query parameters.
# ruff: noqa: S608
"""How the import moves rows between its DuckDB database and the registry database, and the few things PostgreSQL
and SQLite do differently for it: one interface (Transport), two implementations.

PostgreSQL: COPY in both directions (DuckDB writes CSV into a named pipe that COPY reads), ids reserved from the
sequence, a session advisory lock, index rebuilds that lock readers out. SQLite: executemany and fetchmany, ids
after MAX(id) under the database's write lock, a file lock next to the database, a larger page cache while writing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: in-process lock only
    fcntl = None  # type: ignore[assignment]

import duckdb
from django.db import connection, transaction
from django.utils.translation import gettext as _

from berdaya.jobs.progress import JobCancelled, Progress

from . import sqlcheck as q

FETCH = 20_000  # rows per executemany batch (SQLite)
COPY_BLOCK = 1 << 20
# pg_advisory_lock key of the write phase of imports (any constant shared by all Berdaya processes).
IMPORT_LOCK_KEY = 0x42455244
_MEMORY_LOCK = threading.Lock()


def _csv_field(value: Any) -> str:
    """One field as PostgreSQL writes CSV: NULL is empty and unquoted, text is always quoted."""
    if value is None:
        return ""
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Transport(ABC):
    """Rows between DuckDB and the registry database, through the Django connection (the import's transaction)."""

    # Whether dropping a table's indexes inside the import's transaction keeps registry pages from reading it.
    index_drop_blocks_readers = False

    def __init__(self, *, duck: duckdb.DuckDBPyConnection, workdir: Path, progress: Progress) -> None:
        self.duck = duck
        self.workdir = workdir
        self.progress = progress

    # --- rows ------------------------------------------------------------------------------------------------------
    @abstractmethod
    def stream(
        self, cur, table: str, names: list[str], select: str, on_rows: Callable[[int], None] | None = None
    ) -> int:
        """Send the rows of a DuckDB query into a registry table. `on_rows(sent)` is called between batches where
        the database lets the import report progress (SQLite), never during PostgreSQL's COPY."""

    @abstractmethod
    def pull(self, cur, name: str, columns: list[tuple[str, str]], select: str, params: Iterable[Any] = ()) -> None:
        """Bring the rows of a registry query into a new DuckDB table `name` (through a CSV file: no row-by-row
        insert)."""

    def push(self, cur, table: str, columns: list[tuple[str, str]], select: str) -> None:
        """Create a temporary table in the registry database and fill it from a DuckDB query."""
        cur.execute(f"DROP TABLE IF EXISTS {table}")
        cur.execute(f"CREATE TEMP TABLE {table} ({', '.join(f'{n} {t}' for n, t in columns)})")
        with transaction.atomic():
            self.stream(cur, table, [n for n, _t in columns], select)
        self.analyse(cur, table)

    @abstractmethod
    def analyse(self, cur, table: str) -> None:
        """Statistics for a table just filled, where the planner needs them."""

    def _read_csv(self, name: str, columns: list[tuple[str, str]], path: Path) -> None:
        struct = "{" + ", ".join(f"{q.lit(n)}: {q.lit(t)}" for n, t in columns) + "}"
        self.duck.execute(
            f"CREATE TABLE {name} AS SELECT * FROM read_csv({q.lit(str(path))}, columns={struct}, header=false, "
            "auto_detect=false, delim=',', quote='\"', escape='\"', allow_quoted_nulls=false)"
        )
        path.unlink()

    # --- values ----------------------------------------------------------------------------------------------------
    def as_sent(self, expr: str) -> str:
        """A DuckDB date or decimal expression as this database takes it in."""
        return expr

    @abstractmethod
    def moment(self, value: dt.datetime) -> str:
        """A timestamp as a literal DuckDB sends for a timestamp column."""

    # --- writing ---------------------------------------------------------------------------------------------------
    @abstractmethod
    def reserve_ids(self, cur, table: str, n: int) -> int:
        """Reserve n consecutive ids of `table` and return the first. Runs inside the write transaction."""

    @abstractmethod
    def drop_indexes(self, cur, tables: list[str], *, foreign_keys: bool) -> list[str]:
        """Drop the secondary indexes (and, where asked and possible, the foreign keys) of `tables`; return the
        statements that restore them. Transactional: a rollback puts them back."""

    def restore_indexes(self, cur, statements: list[str]) -> None:
        for statement in statements:
            cur.execute(statement)

    @abstractmethod
    def stamp_by_default(self, cur, tables: list[str], moment: str) -> list[str]:
        """Make `moment` the created/updated timestamp of rows inserted into `tables` without one, for this
        transaction only; return the tables where that was done (the others need the columns sent)."""

    @abstractmethod
    def clear_stamp_default(self, cur, tables: list[str]) -> None:
        """Undo stamp_by_default."""

    @contextlib.contextmanager
    def write_session(self) -> Iterator[None]:
        """Settings for the duration of the write transaction."""
        yield

    @abstractmethod
    def lock(self, on_wait: Callable[[], None]) -> Callable[[], None]:
        """Take the lock that lets one writing import at a time compare with the registry and write (calling
        `on_wait` first when another import holds it); return the function that releases it."""


class PostgresTransport(Transport):
    index_drop_blocks_readers = True

    def stream(self, cur, table, names, select, on_rows=None) -> int:
        cols = ", ".join(names)
        # No progress report inside: the job row is written through this same connection, which is busy until the
        # COPY ends.
        if hasattr(os, "mkfifo"):
            return self._pipe(cur, table, cols, select)
        return self._via_file(cur, table, cols, select)

    def _via_file(self, cur, table: str, cols: str, select: str) -> int:
        path = self.workdir / f"{table}.csv"
        self.duck.execute(f"COPY ({select}) TO {q.lit(str(path))} (FORMAT csv, HEADER false)")
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
                self.duck.execute(f"COPY ({select}) TO {q.lit(str(fifo))} (FORMAT csv, HEADER false)")
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
                            # Not a query: this connection is inside the COPY (progress.cancel_seen).
                            if self.progress.cancel_seen():
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

    def pull(self, cur, name, columns, select, params=()) -> None:
        # COPY takes no query parameters: callers put what a query needs into a temporary table first.
        path = self.workdir / f"{name}.csv"
        with open(path, "wb") as fh, cur.cursor.copy(f"COPY ({select}) TO STDOUT (FORMAT csv)") as copy:
            for data in copy:
                fh.write(data)
        self._read_csv(name, columns, path)

    def analyse(self, cur, table: str) -> None:
        # Without statistics the planner takes a million pushed keys for a few hundred and probes an index once per
        # key (11 s against 0.4 s for a hash join, re-importing 1M rows).
        cur.execute(f"ANALYZE {table}")

    def moment(self, value: dt.datetime) -> str:
        return q.lit(value.isoformat())

    def reserve_ids(self, cur, table: str, n: int) -> int:
        # Concurrent single inserts wait for the import instead of taking ids from the middle of the block.
        cur.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cur.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))")
        base = int(cur.fetchone()[0])
        if n > 1:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [base + n - 1])
        return base

    def drop_indexes(self, cur, tables: list[str], *, foreign_keys: bool) -> list[str]:
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
        fks = cur.fetchall() if foreign_keys else []
        for name, table, _definition in fks:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cur.execute(f"DROP INDEX {name}")
        restore = [definition for _name, definition in indexes]
        restore += [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for name, table, definition in fks]
        return restore

    def restore_indexes(self, cur, statements: list[str]) -> None:
        if not statements:
            return
        # A kept foreign key (history rows -> their user) has deferred checks queued, and PostgreSQL builds no index
        # on a table with pending trigger events: run the checks now, then defer again as before.
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        super().restore_indexes(cur, statements)
        cur.execute("SET CONSTRAINTS ALL DEFERRED")

    def stamp_by_default(self, cur, tables: list[str], moment: str) -> list[str]:
        # The two timestamps, the same for every row, come from a column default set for this transaction only,
        # so COPY does not parse two million timestamps.
        for table in tables:
            cur.execute(
                f"ALTER TABLE {table} ALTER COLUMN created_at SET DEFAULT {moment}, "
                f"ALTER COLUMN updated_at SET DEFAULT {moment}"
            )
        return tables

    def clear_stamp_default(self, cur, tables: list[str]) -> None:
        for table in tables:
            cur.execute(
                f"ALTER TABLE {table} ALTER COLUMN created_at DROP DEFAULT, ALTER COLUMN updated_at DROP DEFAULT"
            )

    def lock(self, on_wait: Callable[[], None]) -> Callable[[], None]:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", [IMPORT_LOCK_KEY])
            if not cur.fetchone()[0]:
                on_wait()
                cur.execute("SELECT pg_advisory_lock(%s)", [IMPORT_LOCK_KEY])

        def unlock() -> None:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [IMPORT_LOCK_KEY])

        return unlock


class SqliteTransport(Transport):
    def stream(self, cur, table, names, select, on_rows=None) -> int:
        cols = ", ".join(names)
        marks = ", ".join(["%s"] * len(names))
        sent = 0
        res = self.duck.execute(select)
        while batch := res.fetchmany(FETCH):
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", batch)
            sent += len(batch)
            if on_rows is not None:
                on_rows(sent)
        return sent

    def pull(self, cur, name, columns, select, params=()) -> None:
        path = self.workdir / f"{name}.csv"
        cur.execute(select, list(params))
        with open(path, "w", encoding="utf-8") as fh:
            while rows := cur.fetchmany(FETCH):
                fh.writelines(",".join(_csv_field(v) for v in row) + "\n" for row in rows)
        self._read_csv(name, columns, path)

    def analyse(self, cur, table: str) -> None:
        return  # the key lists are small next to the registry tables: SQLite's planner does well without

    def as_sent(self, expr: str) -> str:
        return f"CAST({expr} AS VARCHAR)"  # SQLite stores dates and decimals as text

    def moment(self, value: dt.datetime) -> str:
        return q.lit(str(connection.ops.adapt_datetimefield_value(value)))

    def reserve_ids(self, cur, table: str, n: int) -> int:
        # The write transaction holds the database lock, so MAX(id) cannot move under us.
        cur.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return int(cur.fetchone()[0])

    def drop_indexes(self, cur, tables: list[str], *, foreign_keys: bool) -> list[str]:
        marks = ", ".join(["%s"] * len(tables))
        cur.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
            tables,
        )
        indexes = cur.fetchall()
        for name, _sql in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        return [sql for _name, sql in indexes]

    def stamp_by_default(self, cur, tables: list[str], moment: str) -> list[str]:
        return []  # SQLite cannot change a column default: the timestamps are sent with the rows

    def clear_stamp_default(self, cur, tables: list[str]) -> None:
        return

    @contextlib.contextmanager
    def write_session(self) -> Iterator[None]:
        """SQLite's default page cache (2 MB) makes every index insert of a million rows a disk read: use 256 MB for
        the write, then give it back."""
        with connection.cursor() as cur:
            cur.execute("PRAGMA cache_size")
            previous = int(cur.fetchone()[0])
            cur.execute("PRAGMA cache_size = -262144")
        try:
            yield
        finally:
            with connection.cursor() as cur:
                cur.execute(f"PRAGMA cache_size = {previous}")

    def lock(self, on_wait: Callable[[], None]) -> Callable[[], None]:
        # SQLite is one machine: a file lock next to the database, a process-wide lock for an in-memory one.
        # is_in_memory_db is the SQLite backend's own method (this transport runs on SQLite only).
        if fcntl is None or connection.is_in_memory_db():  # type: ignore[attr-defined]
            if not _MEMORY_LOCK.acquire(blocking=False):
                on_wait()
                _MEMORY_LOCK.acquire()
            return _MEMORY_LOCK.release
        handle = open(f"{connection.settings_dict['NAME']}.import-lock", "a+b")  # noqa: SIM115 (held until the end)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)

        def release() -> None:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

        return release


def transport_for(*, duck: duckdb.DuckDBPyConnection, workdir: Path, progress: Progress) -> Transport:
    """The transport of the registry database (the Django default connection)."""
    kind = PostgresTransport if connection.vendor == "postgresql" else SqliteTransport
    return kind(duck=duck, workdir=workdir, progress=progress)
