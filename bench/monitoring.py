"""Monitoring benchmark: the analytics tables' rebuild and the dashboard's figures over a synthetic registry of N people.

    python bench/monitoring.py --people 100000                        # SQLite (a fresh file in /tmp)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/berdaya_bench_m python bench/monitoring.py

The registry is bench/targeting.py's (generated inside the database), with one programme enrolling every 20th person.
Measured in the same process: the floor (one CREATE TABLE ... AS SELECT over person ⋈ household), the rebuild
(monitoring.refresh.rebuild), and every figure of the dashboard (its tiles and panels, computed from the analytics
tables for an officer, uncached) --repeat times. Prints one JSON line: medians and every measurement.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from _setup import django_for_bench  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    django_for_bench("monitoring")
    import datetime as dt

    from django.db import connection, transaction

    from berdaya.accounts.models import User
    from berdaya.monitoring import dashboard, refresh
    from berdaya.monitoring import measures as m
    from berdaya.organisations.models import Organisation
    from berdaya.programmes.models import Enrolment, Programme
    from targeting import build  # bench/targeting.py: the synthetic registry

    vendor = connection.vendor
    result: dict = {"db": vendor, "people": args.people}
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        result["households"] = build(cursor, vendor, args.people)
    result["build_s"] = round(time.perf_counter() - t0, 2)
    officer, _created = User.objects.get_or_create(username="bench-officer", defaults={"role": "officer"})
    organiser, _created = Organisation.objects.get_or_create(name="Bench organiser", defaults={"kind": "ngo"})
    today = dt.date.today()
    programme = Programme.objects.create(
        name="Bench programme",
        kind="skills_training",
        organiser=organiser,
        start_date=dt.date(today.year, 1, 1),
        end_date=dt.date(today.year, 12, 31),
        budget=1_000_000_000,
        capacity=args.people,
        created_by=officer,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO programmes_enrolment (programme_id, person_id, status, source, reason, "
            "capacity_override_reason, enrolled_on, created_by_id, created_at, updated_at) "
            "SELECT %s, id, 'active', 'manual', '', '', %s, %s, %s, %s FROM registry_person WHERE id %% 20 = 0",
            [programme.pk, today, officer.pk, today, today],
        )
        cursor.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")
    result["enrolments"] = Enrolment.objects.count()

    def floor() -> float:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_floor")
            t0 = time.perf_counter()
            cursor.execute(
                "CREATE TABLE bench_floor AS SELECT p.id, p.household_id, p.sex, p.birth_date, h.village_id "
                "FROM registry_person p JOIN registry_household h ON h.id = p.household_id WHERE p.status = 'active'"
            )
            seconds = time.perf_counter() - t0
            cursor.execute("DROP TABLE bench_floor")
        return seconds

    def figures() -> float:
        filters = m.Filters(year=today.year)
        t0 = time.perf_counter()
        dashboard.tiles(officer, filters)
        for make in dashboard.PANELS.values():
            make(officer, filters)
        return time.perf_counter() - t0

    floors, rebuilds, pages = [], [], []
    for _ in range(max(1, args.repeat)):
        floors.append(floor())
        t0 = time.perf_counter()
        done = refresh.rebuild()
        rebuilds.append(time.perf_counter() - t0)
        pages.append(figures())
    result.update(
        {
            "cube_rows": done.rows,
            "floor_s": round(statistics.median(floors), 3),
            "rebuild_s": round(statistics.median(rebuilds), 3),
            "rebuild_all_s": [round(x, 3) for x in rebuilds],
            "ratio_to_floor": round(statistics.median(rebuilds) / statistics.median(floors), 1),
            "dashboard_figures_s": round(statistics.median(pages), 3),
            "dashboard_figures_all_s": [round(x, 3) for x in pages],
        }
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
