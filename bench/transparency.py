"""Public transparency page benchmark: a synthetic registry of N people (bench/targeting.py's builder), 40
programmes with a fifth of the people enrolled and a tenth receiving assistance, then the page's aggregates for a
district and for a village, uncached.

    python bench/transparency.py --people 1000000                   # SQLite (a fresh file in /tmp)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/berdaya_bench_tr python bench/transparency.py

Prints one JSON line: the median time of the programme section (selectors.programme_rows + suppression) for a
district and for a village, and the floor measured in the same process: one plain COUNT over the same enrolments
joined to people and households of that district (the least any per-district aggregate has to read). The cached page
costs one cache read; these are the times of a cache miss.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

PROGRAMMES = 40


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        path = Path(tempfile.gettempdir()) / "berdaya_bench_transparency.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "berdaya.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection, transaction

    from berdaya.accounts.models import User
    from berdaya.organisations.models import Organisation
    from berdaya.programmes.models import Programme
    from berdaya.transparency import selectors
    from berdaya.transparency.sections import PublicArea
    from targeting import build  # bench/targeting.py

    call_command("migrate", verbosity=0)
    vendor = connection.vendor
    result: dict = {"db": vendor, "people": args.people, "programmes": PROGRAMMES}
    year = dt.date.today().year
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("programmes_assistance", "programmes_enrolment"):
            cursor.execute(f"DELETE FROM {table}")
        build(cursor, vendor, args.people)
        officer, _ = User.objects.get_or_create(username="bench-officer", defaults={"role": "officer"})
        org, _ = Organisation.objects.get_or_create(name="Dinas Bench", defaults={"kind": "government"})
        Programme.objects.filter(name__startswith="Bench ").delete()
        ids = [
            Programme.objects.create(
                name=f"Bench {i}",
                kind="skills_training",
                organiser=org,
                start_date=dt.date(year, 1, 1),
                end_date=dt.date(year, 12, 31),
                capacity=100_000,
                status="running",
                created_by=officer,
            ).pk
            for i in range(PROGRAMMES)
        ]
        first = min(ids)
        cursor.execute(
            "INSERT INTO programmes_enrolment (programme_id, person_id, status, source, reason, "
            "capacity_override_reason, enrolled_on, ended_on, created_by_id, created_at, updated_at) "
            f"SELECT {first} + p.id %% {PROGRAMMES}, p.id, 'active', 'manual', '', '', %s, NULL, %s, "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM registry_person p WHERE p.id %% 5 = 0",
            [dt.date(year, 2, 1), officer.pk],
        )
        cursor.execute(
            "INSERT INTO programmes_assistance (programme_id, person_id, kind, description, amount, quantity, unit, "
            "date, status, double_dip_override_reason, cancel_reason, note, created_by_id, created_at) "
            f"SELECT {first} + p.id %% {PROGRAMMES}, p.id, 'cash_grant', '', 500000, NULL, '', %s, 'disbursed', '', "
            "'', '', %s, CURRENT_TIMESTAMP FROM registry_person p WHERE p.id %% 10 = 0",
            [dt.date(year, 3, 1), officer.pk],
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")
    result["build_s"] = round(time.perf_counter() - t0, 2)

    district = PublicArea(code="15.02.01", name="Kecamatan 1", year=year)
    village = PublicArea(code="15.02.01.2001", name="Desa 1-1", year=year)

    def floor() -> float:
        with connection.cursor() as cursor:
            t0 = time.perf_counter()
            cursor.execute(
                "SELECT COUNT(*) FROM programmes_enrolment e JOIN registry_person p ON p.id = e.person_id "
                "JOIN registry_household h ON h.id = p.household_id JOIN areas_village v ON v.code = h.village_id "
                "WHERE v.district_id = %s",
                [district.code],
            )
            cursor.fetchone()
            return time.perf_counter() - t0

    def section(area: PublicArea) -> float:
        t0 = time.perf_counter()
        rows = selectors.programme_rows(area)
        selectors.protect_programmes(rows)
        return time.perf_counter() - t0

    floors, districts, villages = [], [], []
    for _ in range(max(1, args.repeat)):
        floors.append(floor())
        districts.append(section(district))
        villages.append(section(village))
    rows = selectors.programme_rows(district)
    result.update(
        {
            "district_rows": len(rows),
            "district_people": sum(r["people"] for r in rows),
            "floor_s": round(statistics.median(floors), 4),
            "district_s": round(statistics.median(districts), 4),
            "village_s": round(statistics.median(villages), 4),
            "district_vs_floor": round(statistics.median(districts) / max(statistics.median(floors), 1e-9), 2),
        }
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
