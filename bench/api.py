"""API benchmark: list and detail endpoints over a synthetic registry of N people, 20 concurrent clients, against
gunicorn started on 127.0.0.1 with the production profile.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/berdaya_bench_api python bench/api.py --people 1000000
    python bench/api.py --people 20000 --clients 20 --seconds 20          # SQLite (a fresh file in /tmp)

The registry is built in the database as bench/targeting.py builds it (INSERT ... SELECT, no Python loop); a tenth
of the households are registered by a partner organisation, and a facilitator is assigned two villages. Each
scenario is one request (method, path, body, whose token) repeated by every client for --seconds; the baseline is
the health endpoint `/sehat/` (the same server, Django and database round trip, no API work) under the same load,
measured in the same run. Prints one JSON line: per scenario p50/p95/p99 (ms), requests per second and errors
(anything but the expected status).

Hook for the SPDCI interfaces: add a Scenario to SCENARIOS (or call `add_scenario`) with method "POST", the DCI path
and a JSON body; `body` may be a function of the registry (`Registry`) to pick identifiers that exist.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import _http  # noqa: E402
from _setup import django_for_bench  # noqa: E402


@dataclass
class Registry:
    """What the scenarios may refer to: tokens by role, ids and filters that exist."""

    tokens: dict[str, str] = field(default_factory=dict)
    person_id: int = 0
    partner_person_id: int = 0
    village: str = ""
    facilitator_village: str = ""
    nik: str = ""


@dataclass
class Scenario:
    name: str
    path: str | Callable[[Registry], str]
    role: str = "officer"
    method: str = "GET"
    body: dict[str, Any] | Callable[[Registry], dict[str, Any]] | None = None
    expect: int = 200
    # The body is made again for every request (an SPDCI message id is used once).
    per_request: bool = False


SCENARIOS: list[Scenario] = [
    Scenario("people_list", "/api/v1/people/"),
    Scenario("people_list_village", lambda r: f"/api/v1/people/?village={r.village}"),
    Scenario("people_search_nik", lambda r: f"/api/v1/people/?q={r.nik}"),
    Scenario("person_detail", lambda r: f"/api/v1/people/{r.person_id}/"),
    Scenario("households_list", "/api/v1/households/"),
    Scenario("people_list_partner", "/api/v1/people/", role="partner"),
    Scenario("person_detail_partner", lambda r: f"/api/v1/people/{r.partner_person_id}/", role="partner"),
    Scenario("people_list_facilitator", "/api/v1/people/", role="facilitator"),
    Scenario("programmes_list", "/api/v1/programmes/"),
    Scenario("public_prices", "/api/v1/public/prices/", role=""),
]


def dci_search(query_type: str, query: Any, *, page_size: int = 10, sender_uri: str = "") -> dict[str, Any]:
    """An SPDCI search message with fresh ids and timestamps (berdaya.dci, docs/dci.md)."""
    import uuid
    from datetime import UTC, datetime

    now = datetime.now(UTC).isoformat()
    header = {
        "version": "1.0.0",
        "message_id": uuid.uuid4().hex,
        "message_ts": now,
        "action": "search",
        "sender_id": "bench",
        "receiver_id": "berdaya",
        "total_count": 1,
    }
    if sender_uri:
        header["sender_uri"] = sender_uri
    item = {
        "reference_id": "r1",
        "timestamp": now,
        "search_criteria": {
            "query_type": query_type,
            "query": query,
            "pagination": {"page_size": page_size, "page_number": 1},
        },
    }
    return {"header": header, "message": {"transaction_id": uuid.uuid4().hex[:20], "search_request": [item]}}


def _village_expression(r: Registry) -> dict[str, Any]:
    return {"type": "expression", "value": {"expression": {"query": {"village_code": {"$eq": r.village}}}}}


SCENARIOS += [
    Scenario(
        "dci_sync_search_nik",
        "/dci/social/registry/sync/search",
        method="POST",
        body=lambda r: dci_search("idtype-value", {"type": "NIK", "value": r.nik}),
        per_request=True,
    ),
    Scenario(
        "dci_sync_search_village_100",
        "/dci/social/registry/sync/search",
        method="POST",
        body=lambda r: dci_search("expression", _village_expression(r), page_size=100),
        per_request=True,
    ),
    Scenario(
        "dci_sync_search_nik_partner",
        "/dci/social/registry/sync/search",
        role="partner",
        method="POST",
        body=lambda r: dci_search("idtype-value", {"type": "NIK", "value": r.nik}),
        per_request=True,
    ),
]


def add_scenario(scenario: Scenario) -> None:
    """The hook for later endpoints (DCI sync search): one more scenario measured like the others."""
    SCENARIOS.append(scenario)


free_port = _http.free_port


def load_targeting_bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_targeting", ROOT / "bench" / "targeting.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prepare(people: int, callback_origin: str = "", *, reuse: bool = False) -> tuple[Registry, dict[str, Any]]:
    from berdaya.accounts.models import User
    from berdaya.api.models import ApiToken
    from berdaya.api.services import token_create
    from berdaya.areas.models import Village
    from berdaya.core.models import AuditEvent
    from berdaya.organisations.models import Organisation
    from berdaya.registry.models import Household, Person

    info: dict[str, Any] = {}
    t0 = time.perf_counter()
    organisation = Organisation.objects.filter(name="Mitra Bench").first()
    if reuse and organisation is not None and Person.objects.count() == people:
        # --reuse: the registry of an earlier run with the same --people is kept (profiling, repeated measurements).
        info["reused"] = True
        info["households"] = Household.objects.count()
    else:
        info["households"] = _build(people)
        info["build_s"] = round(time.perf_counter() - t0, 2)
    organisation = Organisation.objects.get(name="Mitra Bench")
    ApiToken.objects.all().delete()
    AuditEvent.objects.filter(detail__via="api").delete()
    users = {
        "officer": User.objects.update_or_create(username="bench-officer", defaults={"role": "officer"})[0],
        "partner": User.objects.update_or_create(
            username="bench-partner", defaults={"role": "partner", "organisation": organisation}
        )[0],
        "facilitator": User.objects.update_or_create(username="bench-facilitator", defaults={"role": "facilitator"})[0],
    }
    villages = list(Village.objects.order_by("code").values_list("code", flat=True)[:2])
    users["facilitator"].villages.set(villages)
    registry = Registry(village=villages[0], facilitator_village=villages[0])
    for role, user in users.items():
        registry.tokens[role] = token_create(actor=None, user=user, name=f"bench {role}").token
    if callback_origin:
        # The SPDCI callbacks of --dci-callbacks go to the bench's own receiver: its origin is allowed for this token.
        registry.tokens["dci"] = token_create(
            actor=None, user=users["officer"], name="bench dci", callback_origins=[callback_origin]
        ).token
    person = Person.objects.filter(nik__isnull=False).order_by("-pk").first()
    assert person is not None
    registry.person_id, registry.nik = person.pk, person.nik or ""
    partner_person = Person.objects.filter(household__registered_by_organisation=organisation).order_by("pk").first()
    registry.partner_person_id = partner_person.pk if partner_person else 0
    from django.db import connections

    connections.close_all()
    return registry, info


def _build(people: int) -> int:
    """The synthetic registry (bench/targeting.py's build), a tenth of it registered by the partner organisation."""
    from django.db import connection, transaction

    from berdaya.organisations.models import Organisation

    with transaction.atomic(), connection.cursor() as cursor:
        households = int(load_targeting_bench().build(cursor, connection.vendor, people))
        organisation, _created = Organisation.objects.get_or_create(name="Mitra Bench", defaults={"kind": "ngo"})
        # A tenth of the households registered by the partner: its staff's scope.
        cursor.execute(
            "UPDATE registry_household SET registered_by_organisation_id = %s WHERE id %% 10 = 0", [organisation.pk]
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return households


def start_server(port: int, workers: int) -> subprocess.Popen[bytes]:
    """gunicorn with the production profile (bench/_http.py, shared with the dashboard and load benchmarks)."""
    return _http.start_server(port, workers, _http.server_env())


def run_scenario(port: int, scenario: Scenario, registry: Registry, clients: int, seconds: float) -> dict[str, Any]:
    path = scenario.path(registry) if callable(scenario.path) else scenario.path
    body = scenario.body(registry) if callable(scenario.body) else scenario.body
    payload = json.dumps(body).encode() if body is not None else None
    headers = {"Accept": "application/json"}
    if scenario.role:
        headers["Authorization"] = f"Bearer {registry.tokens[scenario.role]}"
    if payload is not None:
        headers["Content-Type"] = "application/json"

    def call() -> str | None:
        data = payload
        if scenario.per_request and callable(scenario.body):
            data = json.dumps(scenario.body(registry)).encode()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request(scenario.method, path, body=data, headers=headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        return None if response.status == scenario.expect else str(response.status)

    return _http.closed_loop(clients, seconds, call)


def measure_callbacks(port: int, registry: Registry, receiver_port: int, count: int) -> dict[str, Any]:
    """Async SPDCI searches one after another, with `berdaya worker` running: seconds from the request to the
    on-search callback arriving at a receiver on 127.0.0.1 (the issue's bound: 5 s)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    arrived: dict[str, float] = {}
    cond = threading.Condition()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            with cond:
                arrived[body.get("message", {}).get("correlation_id", "")] = time.perf_counter()
                cond.notify_all()
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", receiver_port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "LOG_LEVEL": "WARNING"}
    worker = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).parent / "berdaya"), "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    times: list[float] = []
    missing = 0
    try:
        time.sleep(3)  # the worker starts
        url = f"http://127.0.0.1:{receiver_port}/registry/on-search"
        for _ in range(count):
            body = dci_search("idtype-value", {"type": "NIK", "value": registry.nik}, sender_uri=url)
            t0 = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request(
                "POST",
                "/dci/social/registry/search",
                body=json.dumps(body).encode(),
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {registry.tokens['dci']}"},
            )
            ack = json.loads(connection.getresponse().read())
            correlation = ack.get("message", {}).get("correlation_id", "")
            with cond:
                cond.wait_for(lambda c=correlation: c in arrived, timeout=30)
            if correlation in arrived:
                times.append(arrived[correlation] - t0)
            else:
                missing += 1
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        server.shutdown()
    ordered = sorted(times)
    return {
        "callbacks": len(ordered),
        "missing": missing,
        "p50_s": round(statistics.median(ordered), 2) if ordered else None,
        "p95_s": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2) if ordered else None,
        "max_s": round(ordered[-1], 2) if ordered else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15.0, help="per scenario")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--only", default="", help="comma-separated scenario names (default: all)")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the registry of an earlier run with the same --people (PostgreSQL)"
    )
    parser.add_argument(
        "--dci-callbacks", type=int, default=0, help="SPDCI async searches timed to their callback (starts a worker)"
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        args.reuse = False  # a fresh SQLite file each run
    django_for_bench("api")
    receiver_port = free_port()
    callback = f"http://127.0.0.1:{receiver_port}" if args.dci_callbacks else ""
    registry, info = prepare(args.people, callback, reuse=args.reuse)
    port = free_port()
    server = start_server(port, args.workers)
    result: dict[str, Any] = {
        "bench": "api",
        "db": "postgresql" if os.environ["DATABASE_URL"].startswith("postgres") else "sqlite",
        "people": args.people,
        "clients": args.clients,
        "workers": args.workers,
        "seconds_per_scenario": args.seconds,
        **info,
    }
    try:
        chosen = [s for s in SCENARIOS if not args.only or s.name in args.only.split(",")]
        # Warm every worker's connection and caches once, so the first scenario does not pay for them.
        run_scenario(port, Scenario("warm", "/sehat/", role=""), registry, args.clients, 2)
        result["baseline_health"] = run_scenario(
            port, Scenario("health", "/sehat/", role=""), registry, args.clients, args.seconds
        )
        result["scenarios"] = {s.name: run_scenario(port, s, registry, args.clients, args.seconds) for s in chosen}
        lists = [v for k, v in result["scenarios"].items() if "list" in k]
        result["worst_list_p95_ms"] = max((v["p95_ms"] for v in lists), default=0.0)
        result["errors"] = sum(v["errors"] for v in result["scenarios"].values())
        if args.dci_callbacks:
            result["dci_callbacks"] = measure_callbacks(port, registry, receiver_port, args.dci_callbacks)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
