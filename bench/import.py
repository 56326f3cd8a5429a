"""Benchmark of the household import (issue 6).

    .venv/bin/python bench/import.py --people 1000000                      # SQLite (var/bench-import.sqlite3)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/berdaya_bench .venv/bin/python bench/import.py

Generates a CSV of N people (about N/3.7 households) in a child process, then in this process measures:
  floor        a raw COPY (PostgreSQL) / executemany (SQLite) of the same file into a bare text table;
  berdaya      the validated import (berdaya.imports.pipeline: DuckDB checks, bulk write), one transaction, with
               history rows;
  bulk_create  a straightforward Django import: csv.DictReader + Household/Person bulk_create in batches.
  readers      while the berdaya import runs, another process requests the registry list page (/registri/) as an
               officer every 200 ms; its latencies (p50, p95, max) say whether registry pages keep answering.
Prints one JSON line (`cpu_s`: the CPU of the berdaya import, this process's and its PostgreSQL backend's). Peak RSS
is read after the berdaya import (resource.getrusage, so it is the peak so far).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def generate(path: Path, people: int, seed: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "berdaya.settings")
    import django

    django.setup()  # the file's columns are read from the models
    from berdaya.imports.sample import generate_households_csv

    villages = [line.split(",")[0] for line in (ROOT / "bench" / ".villages").read_text().splitlines() if line]
    generate_households_csv(path, people=people, villages=villages, seed=seed)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_django(db_url: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "berdaya.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from berdaya.areas.models import Village

    if not Village.objects.filter(code__startswith="15.02").exists():
        call_command("areas", "load", verbosity=0)


def clear_registry() -> None:
    from django.db import connection

    tables = [
        "registry_historicalperson",
        "registry_historicalhousehold",
        "registry_lifeevent",
        "registry_kknumber",
        "registry_groupmembership",
        "registry_consentrecord",
        "registry_person",
        "registry_household",
    ]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            for t in tables:
                cur.execute(f"DELETE FROM {t}")
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("VACUUM")
        else:
            # Each measurement starts from written-out buffers: otherwise the checkpoint owed to the previous one's
            # gigabyte of WAL lands inside the next one's timing.
            cur.execute("CHECKPOINT")
    os.sync()


def floor(path: Path) -> float:
    from django.db import connection

    with open(path, encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    cols = ", ".join(f"c{i} text" for i in range(len(header)))
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_bare")
        cur.execute(f"CREATE TABLE bench_bare ({cols})")
    from django.db import transaction

    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with (
                open(path, "rb") as fh,
                cur.cursor.copy("COPY bench_bare FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            ):
                for block in iter(lambda: fh.read(1 << 20), b""):
                    copy.write(block)
        else:
            marks = ", ".join("?" * len(header))
            with open(path, encoding="utf-8", newline="") as fh:
                reader = csv.reader(fh)
                next(reader)
                batch = []
                for row in reader:
                    batch.append(row)
                    if len(batch) >= 50_000:
                        cur.cursor.executemany(f"INSERT INTO bench_bare VALUES ({marks})", batch)
                        batch.clear()
                cur.cursor.executemany(f"INSERT INTO bench_bare VALUES ({marks})", batch)
    seconds = time.monotonic() - started
    with connection.cursor() as cur:
        cur.execute("DROP TABLE bench_bare")
    return seconds


def berdaya_import(path: Path, actor) -> tuple[float, dict]:
    from berdaya.imports.pipeline import import_households

    started, cpu = time.monotonic(), _cpu()
    result = import_households(path=path, actor=actor, dry_run=False, mode="valid-only", label="bench")
    seconds, used = time.monotonic() - started, _cpu()
    cpu_s = {k: round(used[k] - cpu[k], 2) for k in cpu}
    return seconds, {**result.as_dict(), "phases": result.timings, "cpu_s": cpu_s}


def _cpu() -> dict[str, float]:
    """CPU seconds used so far by this process (all its threads: DuckDB's too) and, on PostgreSQL on this machine,
    by its backend (Linux /proc; parallel workers of an index build are other processes, not counted). On a shared
    machine these move far less with the load than the wall time does."""
    from django.db import connection

    used = {"process": time.process_time()}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        stat = Path(f"/proc/{pid}/stat")
        if stat.exists():
            fields = stat.read_text().rsplit(")", 1)[1].split()
            used["postgres_backend"] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def reader(stop: Path) -> None:
    """Child process: GET the registry list every 200 ms until `stop` exists; print the latencies (ms) as JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "berdaya.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(username="bench-reader", defaults={"role": "officer"})
    client = Client()
    client.force_login(user)
    client.get("/registri/")  # warm up: templates, first connection
    print("ready", flush=True)
    latencies = []
    while not stop.exists():
        started = time.monotonic()
        response = client.get("/registri/")
        latencies.append(round((time.monotonic() - started) * 1000, 1))
        if response.status_code != 200:
            latencies[-1] = -response.status_code
        time.sleep(max(0.0, 0.2 - (time.monotonic() - started)))
    print(json.dumps(latencies), flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def berdaya_import_with_readers(path: Path, actor) -> tuple[float, dict, dict]:
    """The berdaya import while a reader process requests the registry list every 200 ms."""
    stop = ROOT / "var" / "bench-reader.stop"
    stop.unlink(missing_ok=True)
    child = subprocess.Popen(  # noqa: S603
        [sys.executable, __file__, "--reader", str(stop)], stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    try:
        seconds, result = berdaya_import(path, actor)
    finally:
        stop.touch()
        latencies = json.loads(child.stdout.readline() or "[]")
        child.wait()
        stop.unlink(missing_ok=True)
    ok = [v for v in latencies if v >= 0]
    readers = {
        "requests": len(latencies),
        "failed": len(latencies) - len(ok),
        "p50_ms": percentile(ok, 0.5),
        "p95_ms": percentile(ok, 0.95),
        "max_ms": max(ok, default=0.0),
    }
    return seconds, result, readers


def bulk_create_import(path: Path, limit: int) -> tuple[float, int]:
    """What a user would write: read rows, build model instances, bulk_create. No validation."""
    from berdaya.imports.columns import COLUMNS
    from berdaya.registry.models import Household, Person

    header_to_key = {col.header: col.key for col in COLUMNS}
    sex = {"L": "M", "P": "F"}
    rel = {"Kepala keluarga": "head", "Istri/suami": "spouse", "Anak": "child"}
    started = time.monotonic()
    count = 0
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        current_key, hh, people, batch_hh, batch_people = None, None, [], [], []

        def flush():
            Household.objects.bulk_create(batch_hh, batch_size=2000)
            for h, members in zip(batch_hh, batch_people, strict=True):
                for p in members:
                    p.household_id = h.pk
            Person.objects.bulk_create([p for m in batch_people for p in m], batch_size=2000)
            batch_hh.clear()
            batch_people.clear()

        for raw in reader:
            row = {header_to_key[k]: v for k, v in raw.items()}
            if row["hh_key"] != current_key:
                if hh is not None:
                    batch_hh.append(hh)
                    batch_people.append(people)
                    if len(batch_hh) >= 2000:
                        flush()
                current_key = row["hh_key"]
                hh = Household(
                    kk_number=row["kk_number"],
                    village_id=row["village_id"],
                    address=row["address"],
                    rt=row["rt"],
                    rw=row["rw"],
                    floor_area_m2=int(row["floor_area_m2"] or 0),
                    land_operated_ha=Decimal(row["land_operated_ha"].replace(",", ".")),
                )
                people = []
            d, m, y = row["birth_date"].split("/")
            people.append(
                Person(
                    nik=row["nik"] or None,
                    nik_missing_reason="unknown" if not row["nik"] else "",
                    full_name=row["full_name"],
                    sex=sex[row["sex"]],
                    birth_place=row["birth_place"],
                    birth_date=dt.date(int(y), int(m), int(d)),
                    relationship=rel.get(row["relationship"], "other"),
                    phone=row["phone"],
                )
            )
            count += 1
            if count >= limit:
                break
        if hh is not None:
            batch_hh.append(hh)
            batch_people.append(people)
        flush()
    return time.monotonic() - started, count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--baseline-people", type=int, default=0, help="rows for bulk_create (0 = all)")
    parser.add_argument("--csv", type=Path, default=None, help="reuse an existing generated file")
    parser.add_argument("--skip-baseline", action="store_true", help="measure no bulk_create import")
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--reader", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.generate, args.people, args.seed)
        return
    if args.reader:
        reader(args.reader)
        return

    db_url = os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'var' / 'bench-import.sqlite3'}"
    (ROOT / "var").mkdir(exist_ok=True)
    setup_django(db_url)
    from django.contrib.auth import get_user_model
    from django.db import connection

    from berdaya.areas.models import Village

    (ROOT / "bench" / ".villages").write_text(
        "\n".join(Village.objects.filter(code__startswith="15.02").values_list("code", flat=True))
    )
    path = args.csv or ROOT / "var" / f"bench-import-{args.people}.csv"
    if not path.exists():
        t = time.monotonic()
        subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--generate", str(path), "--people", str(args.people), "--seed", str(args.seed)],
            check=True,
        )
        print(f"generated {path} in {time.monotonic() - t:.1f}s", file=sys.stderr)
    (ROOT / "bench" / ".villages").unlink(missing_ok=True)
    actor, _ = get_user_model().objects.get_or_create(
        username="bench-import", defaults={"role": "admin", "is_superuser": True, "is_staff": True}
    )

    load_before = [round(x, 2) for x in os.getloadavg()]
    clear_registry()
    floor_s = floor(path)
    print(f"floor {floor_s:.1f}s", file=sys.stderr)
    clear_registry()
    ours_s, result, readers = berdaya_import_with_readers(path, actor)
    peak = rss_mb()
    print(f"registry list during the import: {readers}", file=sys.stderr)
    print(f"berdaya {ours_s:.1f}s {result['new']} new {result['invalid']} invalid", file=sys.stderr)
    from berdaya.registry.models import Person

    history_rows = Person.history.count()
    clear_registry()
    limit = 0 if args.skip_baseline else (args.baseline_people or args.people)
    bulk_s, bulk_rows = bulk_create_import(path, limit) if limit else (0.0, 0)
    print(f"bulk_create {bulk_s:.1f}s for {bulk_rows}", file=sys.stderr)
    clear_registry()
    rows = result["total"]
    bulk_rate = bulk_rows / bulk_s if bulk_s else 0.0
    print(
        json.dumps(
            {
                "bench": "import",
                "database": connection.vendor,
                "people": rows,
                "households": result["households_new"],
                "imported": result["new"],
                "invalid": result["invalid"],
                "history_rows": history_rows,
                "seconds": round(ours_s, 2),
                "rows_per_s": round(rows / ours_s),
                "floor_seconds": round(floor_s, 2),
                "ratio_vs_floor": round(ours_s / floor_s, 2),
                "bulk_create_rows": bulk_rows,
                "bulk_create_seconds": round(bulk_s, 2),
                "bulk_create_rows_per_s": round(bulk_rate),
                "speedup_vs_bulk_create": round((rows / ours_s) / bulk_rate, 2) if bulk_rate else None,
                "registry_list_during_import": readers,
                "peak_rss_mb": round(peak),
                "phases_s": result["phases"],
                "cpu_s": result["cpu_s"],
                "load_avg_1_5_15": [round(x, 2) for x in os.getloadavg()],
                "load_avg_before": load_before,
            }
        )
    )


if __name__ == "__main__":
    main()
