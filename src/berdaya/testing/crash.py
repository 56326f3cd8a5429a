"""Kill real work with SIGKILL at random moments and look at what it left (issue 21.6).

One helper process sets Django up once and forks a child for every try (a fresh interpreter per try cost a
Django start-up of 1-2 s each, twice per try). The child opens its own database connection, runs the work and is
killed with SIGKILL; for a job, a second child then does what a restarted worker does first (it ends jobs whose
worker is gone) and reports a probe's state.

Two ways to pick the moment:
- `kill_at_random_points` (jobs): after a random delay within the job's measured duration, so kills also land in
  work between SQL statements (DuckDB, Python).
- `kill_at_random_statements` (a short service call such as a merge): the child kills itself just before its k-th
  SQL statement, k drawn at random from each tenth of the statements the call makes, so the kills cover the whole
  transaction whatever the machine's speed (a merge lasts less than the jitter of a timer).

SQLite's test database lives in memory, so each child gets a fresh file copy of it (`database_url`) and the test may
read the file back (`load_sqlite`); PostgreSQL's is shared (use a transactional test).
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection

_SRC = str(Path(__file__).resolve().parents[2])

# The helper: reads one JSON request per line on stdin, forks a child for it, answers one JSON line on stdout.
#   {"op": "call", "db": ..., "target": "mod.func", "kwargs": {...}, "kill_at": k|null}: run target(**kwargs); with
#       kill_at, SIGKILL itself before its k-th SQL statement. Answers {"killed", "statements", "result"}.
#   {"op": "job", "db": ..., "job_id": n, "kill_after": s|null}: run the job, SIGKILLed `kill_after` seconds after it
#       started. Answers {"killed", "seconds"}.
#   {"op": "recover", "db": ..., "probe": "mod.func"}: the worker's start-up recovery, then the probe's JSON.
SERVER = r"""
import json, os, select, signal, sys, time, traceback
import django

django.setup()
from django.db import connections
from django.utils.module_loading import import_string

protocol = os.fdopen(os.dup(1), "w")
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # children's prints must not reach the protocol


def child(req, w):
    if req.get("db"):
        connections["default"].settings_dict["NAME"] = req["db"]
    out = {}
    if req["op"] == "call":
        count = [0]

        def wrapper(execute, sql, params, many, context):
            count[0] += 1
            if count[0] == req.get("kill_at"):
                os.kill(os.getpid(), signal.SIGKILL)
            return execute(sql, params, many, context)

        with connections["default"].execute_wrapper(wrapper):
            out["result"] = import_string(req["target"])(**req["kwargs"])
        out["statements"] = count[0]
    elif req["op"] == "job":
        from berdaya.jobs.services import job_run

        os.write(w, b"R")
        job_run(req["job_id"])
    else:
        from django.core.management import call_command

        call_command("worker", "--batch")
        out["probe"] = import_string(req["probe"])()
    os.write(w, json.dumps(out, default=str).encode())


def serve(req):
    connections.close_all()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        code = 0
        try:
            child(req, w)
        except BaseException:
            os.write(w, json.dumps({"error": traceback.format_exc()[-3000:]}).encode())
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    answer = {}
    status = None
    if req["op"] == "job":
        ready = select.select([r], [], [], 120)[0] and os.read(r, 1) == b"R"
        if not ready:
            os.kill(pid, signal.SIGKILL)
        started = time.monotonic()
        if ready and req.get("kill_after") is not None:
            time.sleep(req["kill_after"])
            done, status = os.waitpid(pid, os.WNOHANG)
            if done == 0:
                status = None
                os.kill(pid, signal.SIGKILL)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.close(r)
    if status is None:
        _pid, status = os.waitpid(pid, 0)
    if req["op"] == "job":
        answer["seconds"] = time.monotonic() - started
    answer["killed"] = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    answer.update(json.loads(data) if data else {})
    return answer


for line in sys.stdin:
    protocol.write(json.dumps(serve(json.loads(line))) + "\n")
    protocol.flush()
"""


@dataclass
class Outcome:
    point: float  # seconds after the start, or the statement before which the work was killed
    finished_before_kill: bool
    state: dict[str, Any]


def database_url(tmp_path: Path, name: str = "db.sqlite3") -> str:
    """The test database for a subprocess: a fresh file copy of SQLite's in-memory one, or PostgreSQL's own."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        target = tmp_path / name
        target.unlink(missing_ok=True)
        connection.ensure_connection()
        out = sqlite3.connect(target)
        connection.connection.backup(out)
        out.close()
        return f"sqlite:///{target}"
    user = settings["USER"] or "postgres"
    return f"postgres://{user}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"


def load_sqlite(url: str) -> None:
    """SQLite: make the test's in-memory database what a child left in its file copy (PostgreSQL: nothing to do)."""
    if connection.vendor != "sqlite":
        return
    connection.ensure_connection()
    source = sqlite3.connect(url.removeprefix("sqlite:///"))
    source.backup(connection.connection)
    source.close()


class Forker:
    """The helper process (SERVER): Django set up once, a forked child per request."""

    def __init__(self, tmp_path: Path) -> None:
        (tmp_path / "tmp").mkdir(exist_ok=True)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "berdaya.settings",
            "PYTHONPATH": _SRC,
            "DATABASE_URL": database_url(tmp_path, "forker.sqlite3"),
            "BERDAYA_DATA_DIR": str(tmp_path / "data"),
            "TMPDIR": str(tmp_path / "tmp"),
        }
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter
            [sys.executable, "-c", SERVER],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def ask(self, url: str, **request: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        request["db"] = url.removeprefix("sqlite:///") if url.startswith("sqlite:") else ""
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(
                f"the helper process died: {self.proc.stderr.read()[-3000:] if self.proc.stderr else ''}"
            )
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise AssertionError(f"the work failed (not killed): {answer['error']}")
        return answer

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


@contextmanager
def forker(tmp_path: Path) -> Iterator[Forker]:
    helper = Forker(tmp_path)
    try:
        yield helper
    finally:
        helper.close()


def measure(helper: Forker, tmp_path: Path, make_job: Callable[[], int], probe: str) -> tuple[float, dict[str, Any]]:
    """Run one job to its end (no kill): its duration after start-up and the probe's state afterwards."""
    job_id = make_job()
    url = database_url(tmp_path, "measure.sqlite3")
    seconds = helper.ask(url, op="job", job_id=job_id, kill_after=None)["seconds"]
    return seconds, helper.ask(url, op="recover", probe=probe)["probe"]


def kill_at_random_points(
    tmp_path: Path, make_job: Callable[[], int], probe: str, *, tries: int = 10, seed: int = 21
) -> list[Outcome]:
    """`tries` times: a new job from make_job() (in the test's database), run in a child, SIGKILLed after a random
    delay within its measured duration, then the worker's recovery; returns each outcome's probe state."""
    with forker(tmp_path) as helper:
        duration, _state = measure(helper, tmp_path, make_job, probe)
        rng = random.Random(seed)  # reproducible kill points
        outcomes = []
        for i in range(tries):
            job_id = make_job()
            url = database_url(tmp_path, f"try-{i}.sqlite3")
            delay = rng.uniform(0, duration * 1.1)
            killed = helper.ask(url, op="job", job_id=job_id, kill_after=delay)["killed"]
            state = helper.ask(url, op="recover", probe=probe)["probe"]
            outcomes.append(Outcome(point=delay, finished_before_kill=not killed, state=state))
    return outcomes


def kill_at_random_statements(
    tmp_path: Path,
    case: dict[str, Any],
    target: str,
    check: Callable[[Outcome], None],
    *,
    tries: int = 10,
    seed: int = 21,
) -> list[Outcome]:
    """`tries` times: a child runs `target` (a dotted path) with the keyword arguments `case` on the test's database
    as it is and is SIGKILLed before a random one of its SQL statements; then check(outcome) runs in the test with
    the database as the child left it (outcome.state: the target's return value when it finished) and puts it back
    as it was before the call (it is given to the next try: the data is built once). One run to the end first
    counts the statements (and is checked the same way)."""
    rng = random.Random(seed)
    with forker(tmp_path) as helper:
        url = database_url(tmp_path, "measure.sqlite3")
        whole = helper.ask(url, op="call", target=target, kwargs=case, kill_at=None)
        load_sqlite(url)
        check(Outcome(point=0, finished_before_kill=True, state=whole["result"]))
        statements = int(whole["statements"])
        assert statements > 0
        outcomes = []
        for i in range(tries):
            # One point in each of `tries` equal slices of the statements, so the kills cover the whole call.
            low = 1 + statements * i // tries
            point = rng.randint(low, max(low, statements * (i + 1) // tries))
            url = database_url(tmp_path, f"try-{i}.sqlite3")
            answer = helper.ask(url, op="call", target=target, kwargs=case, kill_at=point)
            load_sqlite(url)
            outcome = Outcome(point=point, finished_before_kill=not answer["killed"], state=answer.get("result") or {})
            check(outcome)
            outcomes.append(outcome)
    return outcomes
