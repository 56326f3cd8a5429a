"""Aggregate pages benchmark: the dashboard, its filtered variants and every other page of counts over a registry
of N people with enrolments, assistance, migration episodes and disability profiles, 20 concurrent signed-in users,
against gunicorn started on 127.0.0.1 with the production profile (deploy/systemd/berdaya-web.service's 3 workers).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/berdaya_bench python bench/dashboard.py --people 1000000
    DATABASE_URL=... python bench/dashboard.py --people 1000000 --reuse       # keep the world built by a previous run
    python bench/dashboard.py --people 20000 --seconds 5                      # SQLite (a fresh file in /tmp)

The world is bench/_world.py's (built in the database, no Python loop over people). Before the server starts, the
regency-wide aggregate snapshots are refreshed once, as the scheduled job `core.aggregates` does every 10 minutes
in production (core.snapshots; its duration is reported as `refresh_s`), and the monitoring app's analytics tables are
rebuilt as its hourly job does (`analytics_rebuild_s`). Each page is requested by --clients users
at once for --seconds; the baseline is the registry list `/registri/` (one page of people, measured the same way in
the same run). A page answering 404 (an app not merged yet) is skipped with a note. Prints one JSON line: per page
p50/p95/p99 (ms), requests per second and errors (anything but 200), the load average before and after.

Add pages to PAGES (name, path, role): the indicators of the monitoring app are listed under the addresses it may
take; the first that answers is measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _http
from _setup import django_for_bench
from _world import add_world_arguments, build_world


@dataclass
class Page:
    name: str
    path: str | list[str]  # several: the first that does not answer 404
    role: str = "officer"


YEAR = dt.date.today().year
PAGES: list[Page] = [
    Page("dashboard", "/"),
    Page("dashboard_district", "/?district=15.02.01"),
    Page("dashboard_group", "/?group=disability"),
    Page("dashboard_period", f"/?year={YEAR}"),
    Page("dashboard_viewer", "/", role="viewer"),
    Page("breakdown", "/pemantauan/rincian/?measure=people&by=sex&by=age_band&by=disability&by=district"),
    Page("map_districts", "/pemantauan/peta/?measure=reached"),
    Page("registry_summary", "/ringkasan/"),
    Page("regency_profile", "/sasaran/kabupaten/"),
    Page("coverage_gaps", "/mitra/kesenjangan/"),
    Page("coverage_gaps_villages", "/mitra/kesenjangan/?level=village&order=share"),
    Page("inclusion", "/inklusi/"),
    Page("migrants", "/migran/"),
    Page("migrants_outreach", "/migran/penjangkauan/"),
    Page("matrix_4w", "/mitra/4w/"),
    Page("matrix_4w_people", "/mitra/4w/?measure=people"),
    Page("indicators", "/pemantauan/indikator/"),
    Page("transparency", "/transparansi/"),
    Page("transparency_district", "/transparansi/15.02.01/"),
    Page("regency_profile_viewer", "/sasaran/kabupaten/", role="viewer"),
]
BASELINE = Page("baseline_registry_list", "/registri/")


def measure(browser: _http.Browser, path: str, clients: int, seconds: float) -> dict[str, Any]:
    def get() -> str | None:
        status = browser.request("GET", path).status
        return None if status == 200 else str(status)

    return {"path": path, **_http.closed_loop(clients, seconds, get)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_world_arguments(parser)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0, help="per page")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (production unit: 3)")
    parser.add_argument("--only", default="", help="comma-separated page names (default: all)")
    parser.add_argument("--live", action="store_true", help="no snapshots: every page computed live (the before)")
    args = parser.parse_args()
    django_for_bench("dashboard", keep=args.reuse)
    from django.db import connections

    from berdaya.core import snapshots

    result: dict[str, Any] = {
        "bench": "dashboard",
        "db": "postgresql" if os.environ["DATABASE_URL"].startswith("postgres") else "sqlite",
        "people": args.people,
        "clients": args.clients,
        "workers": args.workers,
        "seconds_per_page": args.seconds,
        "cores": os.cpu_count(),
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    t0 = time.perf_counter()
    world = build_world(args.people, reuse=args.reuse)
    result["world_s"] = round(time.perf_counter() - t0, 1)
    result["world"] = {k: v for k, v in world.items() if k not in {"users", "password"}}
    max_age = "0" if args.live else "1800"
    if not args.live and not args.skip_refresh:
        t0 = time.perf_counter()
        result["refresh_each_s"] = snapshots.refresh_all()
        result["refresh_s"] = round(time.perf_counter() - t0, 1)
        # The monitoring app's analytics tables (the dashboard, breakdowns, maps, indicators), rebuilt as its hourly
        # job `monitoring.refresh` does.
        from berdaya.monitoring import refresh as analytics

        t0 = time.perf_counter()
        analytics.rebuild()
        result["analytics_rebuild_s"] = round(time.perf_counter() - t0, 1)
    connections.close_all()
    env = _http.server_env({"BERDAYA_AGGREGATE_MAX_AGE": max_age})
    _http.collectstatic(env)
    port = _http.free_port()
    server = _http.start_server(port, args.workers, env)
    notes: list[str] = []
    try:
        browsers = {
            role: _http.login(port, world["users"][role], world["password"])
            for role in sorted({p.role for p in [*PAGES, BASELINE]})
        }
        chosen = [p for p in PAGES if not args.only or p.name in args.only.split(",")]
        # Warm every worker (imports, connections, the snapshot rows in the database's cache) once.
        for page in [BASELINE, *chosen]:
            for path in [page.path] if isinstance(page.path, str) else page.path:
                for _ in range(args.workers):
                    browsers[page.role].request("GET", path, timeout=600)
        result["baseline"] = measure(browsers["officer"], str(BASELINE.path), args.clients, args.seconds)
        pages: dict[str, Any] = {}
        for page in chosen:
            candidates = [page.path] if isinstance(page.path, str) else page.path
            path = next((p for p in candidates if browsers[page.role].request("GET", p).status != 404), None)
            if path is None:
                notes.append(f"{page.name}: {', '.join(candidates)} answer 404 (not in this build), skipped")
                continue
            pages[page.name] = measure(browsers[page.role], path, args.clients, args.seconds)
        result["pages"] = pages
        result["worst_p95_ms"] = max((v["p95_ms"] for v in pages.values()), default=0.0)
        result["errors"] = sum(v["errors"] for v in pages.values()) + result["baseline"]["errors"]
        result["server_rss_mb"] = _http.server_rss_mb(server)
    finally:
        _http.stop_server(server)
    result["notes"] = notes
    result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
