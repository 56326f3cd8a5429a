"""CPU per API request, in process: this process's CPU plus its PostgreSQL backend's, per bench/api.py scenario.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/berdaya_bench_api python bench/api_cpu.py --people 1000000 --reuse

Where bench/api.py measures latency under 20 concurrent clients (which a shared machine blurs), this measures what
one request costs in CPU: Django's test client with the production profile, `--requests` requests per scenario,
`time.process_time()` for this process and /proc/<pg_backend_pid()>/stat for its PostgreSQL backend (Linux,
PostgreSQL on the same machine; parallel query workers are other processes and are not counted). Registry and
tokens as bench/api.py prepares them (`--reuse` keeps an earlier run's registry). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import _http  # noqa: E402
import api as api_bench  # noqa: E402
from _setup import django_for_bench, pg_backend_cpu  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100, help="per scenario")
    parser.add_argument("--only", default="", help="comma-separated scenario names (default: all)")
    parser.add_argument("--reuse", action="store_true", help="keep the registry of an earlier run (PostgreSQL)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("bench/api_cpu.py reads the PostgreSQL backend's CPU: set DATABASE_URL=postgres://...")
    os.environ.update({k: v for k, v in _http.server_env().items() if k != "PYTHONPATH"})
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    django_for_bench("api_cpu")  # DATABASE_URL is set: the database as it is, migrated
    registry, info = api_bench.prepare(args.people, reuse=args.reuse)

    from django.test import Client

    client = Client()
    backend_cpu = pg_backend_cpu

    result: dict[str, Any] = {"bench": "api_cpu", "people": args.people, "requests": args.requests, **info}
    scenarios: dict[str, Any] = {}
    for scenario in api_bench.SCENARIOS:
        if args.only and scenario.name not in args.only.split(","):
            continue
        path = scenario.path(registry) if callable(scenario.path) else scenario.path
        headers = {"HTTP_AUTHORIZATION": f"Bearer {registry.tokens[scenario.role]}"} if scenario.role else {}

        def once(scenario: api_bench.Scenario = scenario, path: str = path, headers: dict[str, str] = headers) -> int:
            if scenario.method == "GET":
                return int(client.get(path, **headers).status_code)
            body = scenario.body(registry) if callable(scenario.body) else scenario.body
            response = client.post(path, data=json.dumps(body), content_type="application/json", **headers)
            return int(response.status_code)

        statuses = {once() for _ in range(3)}  # warm: the first request of a scenario builds its caches
        pg0, py0, wall0 = backend_cpu(), time.process_time(), time.perf_counter()
        for _ in range(args.requests):
            statuses.add(once())
        pg1, py1, wall1 = backend_cpu(), time.process_time(), time.perf_counter()
        scenarios[scenario.name] = {
            "django_cpu_ms": round((py1 - py0) / args.requests * 1000, 2),
            "pg_cpu_ms": round((pg1 - pg0) / args.requests * 1000, 2),
            "wall_ms": round((wall1 - wall0) / args.requests * 1000, 2),
            "errors": int(statuses != {scenario.expect}),
        }
    result["scenarios"] = scenarios
    print(json.dumps(result))


if __name__ == "__main__":
    main()
