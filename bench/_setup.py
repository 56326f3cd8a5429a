"""The start every single-process benchmark shares: DATABASE_URL (a fresh SQLite file in the temporary directory
when unset), Django set up, the schema migrated."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def django_for_bench(name: str, *, keep: bool = False) -> None:
    """Set Django up for the benchmark `name` (the SQLite file is berdaya_bench_<name>.sqlite3, made anew unless
    `keep`) and migrate."""
    if not os.environ.get("DATABASE_URL"):
        path = Path(tempfile.gettempdir()) / f"berdaya_bench_{name}.sqlite3"
        if not keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("BERDAYA_DATA_DIR", str(Path(tempfile.gettempdir()) / "berdaya_bench_data"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "berdaya.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def pg_backend_cpu() -> float:
    """CPU seconds used so far by this process's PostgreSQL backend (Linux, PostgreSQL on the same machine; parallel
    query workers are other processes and are not counted)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
