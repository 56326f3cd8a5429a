"""CPU per request of bench/load.py's actions, in process: this process's CPU plus its PostgreSQL backend's.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/berdaya_bench python bench/load_cpu.py --people 1000000 --reuse

Where bench/load.py measures latency of 50 closed-loop users (which a shared machine blurs), this measures what one
request of each of its actions costs in CPU, the figure the closed loop's latency follows (latency ≈ users × mean
CPU per request / cores): Django's test client with the production profile, bench/load.py's own actions and
random draws (the same people, households, villages, registrations and rosters), `--requests` requests per action
after three warming ones, `time.process_time()` for this process and /proc/<pg_backend_pid()>/stat for its
PostgreSQL backend (Linux, PostgreSQL on the same machine; parallel query workers are other processes and are not
counted). The world is bench/_world.py's (`--reuse` keeps one of the same size). The mean is weighted by the
actions' shares of the mix. The garbage collector is set as a gunicorn worker sets it (berdaya.gunicorn_conf;
`--default-gc` keeps Python's defaults), and its time is reported per action (`gc_ms`, part of the CPU). Prints one
JSON line.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import _http  # noqa: E402
import load  # noqa: E402
from _setup import django_for_bench, pg_backend_cpu  # noqa: E402
from _world import add_world_arguments, build_world  # noqa: E402


class ClientBrowser:
    """bench/load.py's browser (`request(method, path, form)` → `.status`, `.cookies`) over Django's test client."""

    def __init__(self, client: Any) -> None:
        self.client = client

    @property
    def cookies(self) -> dict[str, str]:
        return {k: v.value for k, v in self.client.cookies.items()}

    def request(self, method: str, path: str, form: dict[str, Any] | None = None, **_kw: Any) -> _http.Response:
        if method == "GET":
            response = self.client.get(path, HTTP_ACCEPT="text/html")
        else:
            response = self.client.post(path, form or {}, HTTP_ACCEPT="text/html")
        return _http.Response(response.status_code, b"", {})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_world_arguments(parser)
    parser.add_argument("--requests", type=int, default=50, help="per action")
    parser.add_argument("--only", default="", help="comma-separated action names (default: all)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print each action's cProfile to stderr (PROFILE_SORT, default cumulative; PROFILE_FILTER, a regex of "
        "the functions shown; PROFILE_LINES, default 60; PROFILE_TIMER=cpu times this process's CPU, not the clock)",
    )
    parser.add_argument(
        "--default-gc",
        action="store_true",
        help="keep Python's default garbage collector settings instead of a gunicorn worker's "
        "(berdaya.gunicorn_conf.post_worker_init), to measure what those settings save",
    )
    parser.add_argument(
        "--queries",
        action="store_true",
        help="count each action's SQL queries per request (one more request, after the measured ones); "
        "QUERIES_SQL=1 prints that request's statements to stderr",
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("bench/load_cpu.py reads the PostgreSQL backend's CPU: set DATABASE_URL=postgres://...")
    os.environ.update(_http.server_env({"BERDAYA_AGGREGATE_MAX_AGE": "1800"}))
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    django_for_bench("load_cpu", keep=args.reuse)
    _http.collectstatic(_http.server_env())  # the production profile's hashed static files, as bench/load.py
    from django.test import Client

    from berdaya.accounts.models import User
    from berdaya.core import snapshots

    result: dict[str, Any] = {
        "bench": "load_cpu",
        "people": args.people,
        "requests": args.requests,
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    world = build_world(args.people, reuse=args.reuse)
    if not args.skip_refresh:
        snapshots.refresh_all()
    officer = Client()
    officer.force_login(User.objects.get(username=world["users"]["officer"]))
    ctx = load.prepare(0, world, args.people, officer=ClientBrowser(officer), anonymous=ClientBrowser(Client()))
    api = Client()

    def client_api(ctx: load.Context, method: str, path: str, body: Any | None = None) -> int:
        headers = {"HTTP_ACCEPT": "application/json", "HTTP_AUTHORIZATION": f"Bearer {ctx.token}"}
        if method == "GET":
            return int(api.get(path, **headers).status_code)
        response = api.post(path, data=json.dumps(body), content_type="application/json", **headers)
        return int(response.status_code)

    load._api = client_api  # the actions call the module's _api: through the test client instead of a socket
    backend_cpu = pg_backend_cpu

    # The collector as a gunicorn worker sets it once the application is loaded (what it holds then is frozen); its
    # time per request is reported beside the CPU (`gc_ms`, inside `django_cpu_ms`).
    if not args.default_gc:
        from berdaya import gunicorn_conf

        gunicorn_conf.post_worker_init(None)
    result["gc"] = "default" if args.default_gc else "worker"
    collecting = {"since": 0.0, "total": 0.0}

    def on_collect(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            collecting["since"] = time.process_time()
        else:
            collecting["total"] += time.process_time() - collecting["since"]

    gc.callbacks.append(on_collect)
    actions: dict[str, Any] = {}
    rng = random.Random(args.seed)
    for name, weight, action, expect in load.ACTIONS:
        if args.only and name not in args.only.split(","):
            continue
        statuses = {int(action(ctx, rng)) for _ in range(3)}  # warm: the first request builds caches
        timer = time.process_time if os.environ.get("PROFILE_TIMER") == "cpu" else time.perf_counter
        profiler = cProfile.Profile(timer) if args.profile else None
        pg0, py0, wall0, gc0 = backend_cpu(), time.process_time(), time.perf_counter(), collecting["total"]
        if profiler:
            profiler.enable()
        for _ in range(args.requests):
            statuses.add(int(action(ctx, rng)))
        if profiler:
            profiler.disable()
        pg1, py1, wall1, gc1 = backend_cpu(), time.process_time(), time.perf_counter(), collecting["total"]
        if profiler:
            print(f"=== {name}", file=sys.stderr)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats(
                os.environ.get("PROFILE_SORT", "cumulative")
            ).print_stats(os.environ.get("PROFILE_FILTER", ""), int(os.environ.get("PROFILE_LINES", "60")))
        queries = None
        if args.queries:
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as captured:
                statuses.add(int(action(ctx, rng)))
            queries = len(captured.captured_queries)
            if os.environ.get("QUERIES_SQL"):
                print(f"=== {name}: {queries} queries", file=sys.stderr)
                for query in captured.captured_queries:
                    print(f"[{query['time']}] {query['sql'][:400]}", file=sys.stderr)
        django_ms = (py1 - py0) / args.requests * 1000
        pg_ms = (pg1 - pg0) / args.requests * 1000
        actions[name] = {
            "weight": weight,
            "django_cpu_ms": round(django_ms, 2),
            "pg_cpu_ms": round(pg_ms, 2),
            "gc_ms": round((gc1 - gc0) / args.requests * 1000, 2),
            "cpu_ms": round(django_ms + pg_ms, 2),
            "wall_ms": round((wall1 - wall0) / args.requests * 1000, 2),
            **({"queries": queries} if queries is not None else {}),
            "errors": len(statuses - {expect}),
            "statuses": sorted(statuses),
        }
    result["actions"] = actions
    total = sum(a["weight"] for a in actions.values())
    result["weighted_cpu_ms"] = round(sum(a["weight"] * a["cpu_ms"] for a in actions.values()) / total, 2)
    result["weighted_gc_ms"] = round(sum(a["weight"] * a["gc_ms"] for a in actions.values()) / total, 2)
    result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
