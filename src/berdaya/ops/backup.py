"""`berdaya backup` and `berdaya restore`: one consistent, compressed, optionally encrypted file holding the database
and the uploaded files, and its exact restore.

- PostgreSQL: `pg_dump --format=custom` inside an exported snapshot, so the dump and the row counts written beside
  it in the manifest describe the same instant while the office keeps working; restored by `pg_restore
  --single-transaction` (all or nothing).
- SQLite: the online-backup API (`sqlite3.Connection.backup`), consistent while the server and worker run; restored
  by replacing the database file in one rename.
- Files: the uploaded files under the data directory (`media/`, `private/`, `boundaries/`).

The archive is written under a temporary name and renamed when complete, so a backup killed halfway (a power cut)
never leaves a file that looks like a backup. A restore checks every table's row count against the manifest.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from . import crypto

FORMAT = 1
# The folders under BERDAYA_DATA_DIR that hold what people uploaded or the deployment loaded (not caches, logs,
# static files or the SQLite database itself, which is copied through the backup API).
FILE_DIRS = ("media", "private", "boundaries")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the administrator, in Indonesian."""


@dataclass
class BackupResult:
    path: Path
    size: int
    encrypted: bool
    tables: int
    rows: int
    files: int
    seconds: float


@dataclass
class RestoreResult:
    tables: int
    rows: int
    files: int
    seconds: float
    mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)


def _version() -> str:
    try:
        return metadata.version("berdaya")
    except metadata.PackageNotFoundError:
        return "unknown"


def _engine(conn: BaseDatabaseWrapper) -> str:
    return "postgresql" if conn.vendor == "postgresql" else "sqlite" if conn.vendor == "sqlite" else conn.vendor


def _pg_env(conn: BaseDatabaseWrapper) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore from Django's settings (the password through the environment)."""
    s = conn.settings_dict
    args = ["--dbname", s["NAME"]]
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    env = dict(os.environ)
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return args, env


def _program(name: str) -> str:
    """The full path of a PostgreSQL client program (Debian: postgresql-client), or a clear error."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"Program {name} tidak ditemukan: pasang paket postgresql-client (versi server atau lebih baru)."
        )
    return path


def _tables(conn: BaseDatabaseWrapper) -> list[str]:
    with conn.cursor() as cursor:
        return sorted(conn.introspection.table_names(cursor))


def _row_counts(conn: BaseDatabaseWrapper, tables: list[str]) -> dict[str, int]:
    qn = conn.ops.quote_name
    counts = {}
    with conn.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {qn(table)}")  # noqa: S608 - names from the catalogue
            counts[table] = int(cursor.fetchone()[0])
    return counts


def table_fingerprints(alias: str = "default") -> dict[str, tuple[int, str]]:
    """Every table's row count and a SHA-256 of its rows in a fixed order: two databases with equal fingerprints
    hold the same data. Used by the restore drill and the tests (it reads every row, so it is not run on a backup)."""
    conn = connections[alias]
    qn = conn.ops.quote_name
    result = {}
    for table in _tables(conn):
        with conn.cursor() as cursor:
            columns = [c.name for c in conn.introspection.get_table_description(cursor, table)]
            order = ", ".join(str(i + 1) for i in range(len(columns)))
            cursor.execute(f"SELECT * FROM {qn(table)} ORDER BY {order}")  # noqa: S608 - names from the catalogue
            digest = hashlib.sha256()
            count = 0
            while rows := cursor.fetchmany(2000):
                for row in rows:
                    digest.update(repr(tuple(_plain(v) for v in row)).encode())
                count += len(rows)
        result[table] = (count, digest.hexdigest())
    return result


def _plain(value: Any) -> Any:
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _migrations(conn: BaseDatabaseWrapper) -> list[list[str]]:
    with conn.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [list(row) for row in cursor.fetchall()]


def _data_dir() -> Path:
    return Path(settings.DATA_DIR)


def _add_files(archive: tarfile.TarFile) -> int:
    count = 0
    for name in FILE_DIRS:
        root = _data_dir() / name
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                archive.add(path, arcname=f"files/{path.relative_to(_data_dir())}", recursive=False)
                count += 1
    return count


@contextmanager
def _pg_snapshot(conn: BaseDatabaseWrapper) -> Iterator[str]:
    """Hold a repeatable-read transaction open and export its snapshot for pg_dump to share."""
    with conn.cursor() as cursor:
        conn.set_autocommit(False)
        try:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            yield cursor.fetchone()[0]
        finally:
            conn.rollback()
            conn.set_autocommit(True)


def backup_create(output_dir: Path, *, key: bytes | None = None, alias: str = "default") -> BackupResult:
    """Write one backup file into `output_dir` and return what it holds."""
    started = time.monotonic()
    conn = connections[alias]
    engine = _engine(conn)
    if engine not in ("postgresql", "sqlite"):
        raise BackupError(f"Basis data {engine} tidak didukung untuk cadangan.")
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    final = output_dir / f"berdaya-{stamp}.tar.gz{'.enc' if key else ''}"
    work = Path(tempfile.mkdtemp(prefix=".berdaya-backup-", dir=output_dir))
    try:
        tables = _tables(conn)
        if engine == "postgresql":
            dump = work / "database.pgdump"
            args, env = _pg_env(conn)
            with _pg_snapshot(conn) as snapshot:
                counts = _row_counts(conn, tables)
                migrations = _migrations(conn)
                completed = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
                    [
                        _program("pg_dump"),
                        "--format=custom",
                        "--compress=6",
                        "--no-owner",
                        "--no-privileges",
                        f"--snapshot={snapshot}",
                        "--file",
                        str(dump),
                        *args,
                    ],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
            if completed.returncode:
                raise BackupError(f"pg_dump gagal: {completed.stderr.strip()}")
        else:
            dump = work / "database.sqlite3"
            conn.ensure_connection()
            target = sqlite3.connect(dump)
            try:
                conn.connection.backup(target)
            finally:
                target.close()
            copy = sqlite3.connect(dump)
            try:
                counts = {}
                for table in tables:
                    counts[table] = copy.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
                migrations = [list(r) for r in copy.execute("SELECT app, name FROM django_migrations ORDER BY 1, 2")]
            finally:
                copy.close()
        plain = work / "backup.tar.gz"
        with tarfile.open(plain, "w:gz", compresslevel=6) as archive:
            archive.add(dump, arcname=dump.name)
            files = _add_files(archive)
            manifest = {
                "format": FORMAT,
                "berdaya": _version(),
                "engine": engine,
                "database": dump.name,
                "created_at": timezone.now().isoformat(),
                "tables": counts,
                "files": files,
                "migrations": migrations,
            }
            data = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime = len(data), int(time.time())
            archive.addfile(info, io.BytesIO(data))
        partial = output_dir / f".{final.name}.partial"
        if key:
            with plain.open("rb") as source, partial.open("wb") as target_file:
                crypto.encrypt_stream(source, target_file, key)
                target_file.flush()
                os.fsync(target_file.fileno())
        else:
            shutil.move(plain, partial)
        # The backup holds every person's data: readable by the service user only, encrypted or not.
        os.chmod(partial, 0o600)
        os.replace(partial, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupResult(
        path=final,
        size=final.stat().st_size,
        encrypted=bool(key),
        tables=len(counts),
        rows=sum(counts.values()),
        files=files,
        seconds=round(time.monotonic() - started, 3),
    )


def _is_empty(conn: BaseDatabaseWrapper) -> bool:
    return not [t for t in _tables(conn) if t != "django_migrations"]


def _open_archive(path: Path, key: bytes | None, work: Path) -> Path:
    if not path.is_file():
        raise BackupError(f"Berkas cadangan {path} tidak ada.")
    if crypto.is_encrypted(path):
        if key is None:
            raise BackupError("Cadangan ini terenkripsi: berikan --key-file (atau BERDAYA_BACKUP_KEY_FILE).")
        plain = work / "backup.tar.gz"
        try:
            with path.open("rb") as source, plain.open("wb") as target:
                crypto.decrypt_stream(source, target, key)
        except crypto.BackupKeyError as exc:
            raise BackupError(str(exc)) from exc
        return plain
    try:
        with gzip.open(path) as probe:
            probe.read(1)
    except OSError as exc:
        raise BackupError(f"{path} bukan berkas cadangan Berdaya (bukan arsip tar.gz).") from exc
    return path


def backup_read_manifest(path: Path, *, key: bytes | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="berdaya-manifest-") as tmp:
        archive_path = _open_archive(path, key, Path(tmp))
        return _manifest(archive_path)


def _manifest(archive_path: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            member = archive.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            manifest: dict[str, Any] = json.load(member)
    except (KeyError, tarfile.TarError, ValueError) as exc:
        raise BackupError("Arsip ini tidak memuat manifest cadangan Berdaya yang sah.") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Format cadangan {manifest.get('format')!r} tidak dikenal (versi ini membaca {FORMAT}).")
    return manifest


def backup_restore(
    path: Path, *, key: bytes | None = None, replace: bool = False, alias: str = "default"
) -> RestoreResult:
    """Restore a backup into this deployment's database and data directory.

    Refuses a database that already holds tables unless `replace` is given (then PostgreSQL objects are dropped and
    recreated inside the same single transaction; the SQLite file is swapped in one rename)."""
    started = time.monotonic()
    conn = connections[alias]
    engine = _engine(conn)
    if not replace and not _is_empty(conn):
        raise BackupError(
            "Basis data tujuan tidak kosong. Pulihkan ke basis data kosong, atau tambahkan --replace untuk "
            "menimpanya seluruhnya."
        )
    work = Path(tempfile.mkdtemp(prefix="berdaya-restore-"))
    try:
        archive_path = _open_archive(path, key, work)
        manifest = _manifest(archive_path)
        if manifest["engine"] != engine:
            raise BackupError(
                f"Cadangan ini dari {manifest['engine']}, sedangkan basis data tujuan {engine}: pulihkan ke jenis "
                "basis data yang sama."
            )
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(work / "x", filter="data")
        extracted = work / "x"
        dump = extracted / manifest["database"]
        if engine == "postgresql":
            args, env = _pg_env(conn)
            connections.close_all()
            command = [
                _program("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
            ]
            if replace:
                command += ["--clean", "--if-exists"]
            completed = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
                [*command, *args, str(dump)], env=env, capture_output=True, text=True, check=False
            )
            if completed.returncode:
                raise BackupError(f"pg_restore gagal, basis data tidak diubah: {completed.stderr.strip()}")
        else:
            target = Path(conn.settings_dict["NAME"])
            connections.close_all()
            staged = target.with_name(f".{target.name}.restoring")
            shutil.copyfile(dump, staged)
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            os.replace(staged, target)
        files = _restore_files(extracted / "files")
        connections.close_all()
        counts = _row_counts(conn, list(manifest["tables"]))
        mismatches = {
            table: (expected, counts.get(table, -1))
            for table, expected in manifest["tables"].items()
            if counts.get(table) != expected
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return RestoreResult(
        tables=len(counts),
        rows=sum(counts.values()),
        files=files,
        seconds=round(time.monotonic() - started, 3),
        mismatches=mismatches,
    )


def _restore_files(source: Path) -> int:
    """Put each backed-up folder in place by rename (the old one is kept beside it until the new one is in)."""
    count = 0
    for name in FILE_DIRS:
        incoming = source / name
        if not incoming.is_dir():
            continue
        count += sum(1 for p in incoming.rglob("*") if p.is_file())
        target = _data_dir() / name
        staged = _data_dir() / f".{name}.restoring"
        shutil.rmtree(staged, ignore_errors=True)
        shutil.copytree(incoming, staged)
        old = _data_dir() / f".{name}.before-restore"
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            os.replace(target, old)
        os.replace(staged, target)
        shutil.rmtree(old, ignore_errors=True)
    return count


__all__ = [
    "BackupError",
    "BackupResult",
    "RestoreResult",
    "backup_create",
    "backup_read_manifest",
    "backup_restore",
    "table_fingerprints",
]
