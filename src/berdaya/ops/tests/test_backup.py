"""Backups restore exactly: a deployment with data and uploaded files is backed up, restored into an empty database
and data folder, and every table's row count and checksum and every file match. Runs the commands an administrator
runs (docs/operations.md), in subprocesses, on a SQLite file of their own and, when the suite runs on PostgreSQL, on
fresh PostgreSQL databases beside the test database."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from berdaya.ops import crypto

SEED = """
import django, os
django.setup()
from django.core.files.base import ContentFile
from berdaya.testing import factories as f
hh = f.household()
f.person(hh=hh, name="Siti Aminah")
from django.core.files.storage import default_storage
default_storage.save("imports/2026/12/daftar.csv", ContentFile(b"nik,nama\\n1502015403850012,Siti Aminah\\n"))
os.makedirs(os.path.join(os.environ["BERDAYA_DATA_DIR"], "private", "case-documents"), exist_ok=True)
open(os.path.join(os.environ["BERDAYA_DATA_DIR"], "private", "case-documents", "surat.pdf"), "wb").write(b"%PDF-1.4 x")
"""

FINGERPRINT = """
import django, json, hashlib, os
django.setup()
from pathlib import Path
from berdaya.ops.backup import table_fingerprints, FILE_DIRS
root = Path(os.environ["BERDAYA_DATA_DIR"])
files = {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
         for d in FILE_DIRS for p in sorted((root / d).rglob("*")) if p.is_file()}
print(json.dumps({"tables": table_fingerprints(), "files": files}))
"""


def _env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BERDAYA_", "DATABASE_URL"))}
    env.update(BERDAYA_DATA_DIR=str(data_dir), DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="berdaya.settings")
    return env


def _run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=600
    )
    if check:
        assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return done


def _berdaya(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return _run(env, "-m", "berdaya.cli", *args, check=check)


def _fingerprint(env: dict[str, str]) -> dict:
    return json.loads(_run(env, "-c", FINGERPRINT).stdout.strip().splitlines()[-1])


def _copy_postgresql(source_url: str, target_url: str) -> bool:
    """Copy a migrated PostgreSQL database (the suite's test database, migrated once for the run, holding no test's
    rows outside a test's transaction) into an empty one with pg_dump | psql: seconds instead of the minute and a half
    that migrating from nothing takes. False (nothing copied) when the source holds people, so the caller migrates."""
    import psycopg

    with psycopg.connect(source_url) as check:
        if check.execute("SELECT COUNT(*) FROM registry_person").fetchone()[0]:
            return False
    dump = subprocess.run(  # noqa: S603
        ["pg_dump", "--no-owner", "--no-privileges", "--dbname", source_url],  # noqa: S607
        capture_output=True,
        check=True,
        timeout=300,
    )
    subprocess.run(  # noqa: S603
        ["psql", "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "--dbname", target_url],  # noqa: S607
        input=dump.stdout,
        capture_output=True,
        check=True,
        timeout=300,
    )
    return True


@pytest.fixture(scope="module")
def seeded_sqlite(tmp_path_factory, migrated_sqlite) -> Path:
    """A SQLite deployment to back up, made once for the module's SQLite drills (each starts from a copy): the schema
    migrated once for the run (conftest.migrated_sqlite), the areas loaded and SEED written by the commands an
    administrator runs. Holds `berdaya.sqlite3` and the data folder `data`."""
    root = tmp_path_factory.mktemp("seeded")
    shutil.copyfile(migrated_sqlite, root / "berdaya.sqlite3")
    env = _env(root / "data", f"sqlite:///{root / 'berdaya.sqlite3'}")
    _berdaya(env, "areas", "load")
    _run(env, "-c", SEED)
    return root


def _copy_sqlite(seeded: Path, source_url: str, data_dir: Path) -> None:
    """The seeded deployment copied: its database through SQLite's backup (whatever its WAL holds) and its files."""
    import sqlite3
    from contextlib import closing

    with (
        closing(sqlite3.connect(seeded / "berdaya.sqlite3")) as origin,
        closing(sqlite3.connect(source_url.removeprefix("sqlite:///"))) as copy,
    ):
        origin.backup(copy)
    shutil.copytree(seeded / "data", data_dir)


def _drill(
    tmp_path: Path,
    source_url: str,
    target_url: str,
    *,
    encrypted: bool,
    migrated: Path | str | None = None,
    seeded: Path | None = None,
) -> None:
    """`migrated`: a database with every migration applied to start the source from (a SQLite file, or the URL of a
    PostgreSQL database to copy), instead of migrating the source from nothing. `seeded`: a SQLite deployment with the
    areas and SEED in it already (the `seeded_sqlite` fixture) to start the source from."""
    source = _env(tmp_path / "source", source_url)
    if seeded is not None:
        _copy_sqlite(seeded, source_url, tmp_path / "source")
    else:
        if isinstance(migrated, Path) and source_url.startswith("sqlite:///"):
            # A copy of the schema migrated once for the run (conftest.migrated_sqlite), not a migration from nothing.
            shutil.copyfile(migrated, source_url.removeprefix("sqlite:///"))
        elif isinstance(migrated, str) and _copy_postgresql(migrated, source_url):
            pass
        else:
            _berdaya(source, "migrate", "--noinput", "-v", "0")
        _berdaya(source, "areas", "load")
        _run(source, "-c", SEED)
    before = _fingerprint(source)
    assert before["tables"]["registry_person"][0] == 1
    assert "media/imports/2026/12/daftar.csv" in before["files"]

    args = ["backup", "--output", str(tmp_path / "backups")]
    if encrypted:
        key = tmp_path / "backup.key"
        _berdaya(source, "backup", "--new-key", str(key))
        args += ["--key-file", str(key)]
    out = _berdaya(source, *args).stdout
    [archive] = (tmp_path / "backups").glob("berdaya-*")
    assert str(archive) in out
    assert not list((tmp_path / "backups").glob(".*")), "no temporary file is left beside the backup"
    assert archive.stat().st_mode & 0o777 == 0o600, "a backup is readable by its owner only"
    if encrypted:
        assert crypto.is_encrypted(archive)
        assert b"Siti Aminah" not in archive.read_bytes()

    target = _env(tmp_path / "target", target_url)
    restore = ["restore", str(archive)] + (["--key-file", str(tmp_path / "backup.key")] if encrypted else [])
    _berdaya(target, *restore)
    after = _fingerprint(target)
    assert after == before

    # A second restore onto the now full database is refused unless asked to replace it, and leaves it as it was.
    refused = _berdaya(target, *restore, check=False)
    assert refused.returncode != 0
    assert "tidak kosong" in refused.stderr
    assert _fingerprint(target) == before


def test_a_sqlite_backup_restores_every_row_and_file(tmp_path, seeded_sqlite):
    _drill(
        tmp_path,
        f"sqlite:///{tmp_path / 'source.sqlite3'}",
        f"sqlite:///{tmp_path / 'target.sqlite3'}",
        encrypted=False,
        seeded=seeded_sqlite,
    )


def test_an_encrypted_sqlite_backup_needs_its_key_and_refuses_a_wrong_one(tmp_path, seeded_sqlite):
    _drill(
        tmp_path,
        f"sqlite:///{tmp_path / 'source.sqlite3'}",
        f"sqlite:///{tmp_path / 'target.sqlite3'}",
        encrypted=True,
        seeded=seeded_sqlite,
    )
    [archive] = (tmp_path / "backups").glob("berdaya-*")
    other = _env(tmp_path / "other", f"sqlite:///{tmp_path / 'other.sqlite3'}")
    missing = _berdaya(other, "restore", str(archive), check=False)
    assert missing.returncode != 0 and "terenkripsi" in missing.stderr
    wrong_key = tmp_path / "wrong.key"
    crypto.new_key(wrong_key)
    wrong = _berdaya(other, "restore", str(archive), "--key-file", str(wrong_key), check=False)
    assert wrong.returncode != 0 and "Kunci salah" in wrong.stderr
    import sqlite3

    with sqlite3.connect(tmp_path / "other.sqlite3") as untouched:
        assert untouched.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0


def test_a_truncated_or_foreign_file_is_refused(tmp_path):
    key = tmp_path / "k"
    crypto.new_key(key)
    sealed = tmp_path / "x.enc"
    import io

    with sealed.open("wb") as target:
        crypto.encrypt_stream(io.BytesIO(os.urandom(3 * crypto.CHUNK + 17)), target, crypto.read_key(key))
    data = sealed.read_bytes()
    (tmp_path / "cut.enc").write_bytes(data[: len(data) - crypto.CHUNK])
    with pytest.raises(crypto.BackupKeyError), (tmp_path / "cut.enc").open("rb") as source:
        crypto.decrypt_stream(source, io.BytesIO(), crypto.read_key(key))
    env = _env(tmp_path / "d", f"sqlite:///{tmp_path / 'd.sqlite3'}")
    (tmp_path / "junk.tar.gz").write_text("bukan cadangan")
    junk = _berdaya(env, "restore", str(tmp_path / "junk.tar.gz"), check=False)
    assert junk.returncode != 0 and "bukan berkas cadangan" in junk.stderr


def test_an_existing_key_file_is_never_overwritten(tmp_path):
    key = tmp_path / "k"
    crypto.new_key(key)
    first = key.read_text()
    env = _env(tmp_path / "d", f"sqlite:///{tmp_path / 'd.sqlite3'}")
    again = _berdaya(env, "backup", "--new-key", str(key), check=False)
    assert again.returncode != 0
    assert key.read_text() == first
    assert oct(key.stat().st_mode & 0o777) == "0o600"


@pytest.mark.django_db
def test_a_postgresql_backup_restores_every_row_and_file(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL suite")
    import psycopg

    s = connection.settings_dict
    base = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    names = [f"berdaya_backup_{uuid.uuid4().hex[:8]}_{side}" for side in ("source", "target")]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        # The source starts as a copy of this suite's test database (migrated at the start of the run); the target
        # stays empty, as a restore onto a new server finds it.
        _drill(tmp_path, f"{base}/{names[0]}", f"{base}/{names[1]}", encrypted=True, migrated=f"{base}/{s['NAME']}")
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
