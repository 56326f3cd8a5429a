"""Kill a real background job with SIGKILL at random moments and look at what it left (issue 21.6).

A test builds its data, then `kill_at_random_points` runs the job in a subprocess against the test database, kills
it after a random delay (between the job's start and its measured duration, plus a margin), starts the worker
command as a restarted worker would (it ends jobs whose worker is gone), and hands each outcome to the test. SQLite's
test database lives in memory, so each subprocess gets a fresh file copy of it; PostgreSQL's is shared (use a
transactional test).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection

_SRC = str(Path(__file__).resolve().parents[2])

# `run <job id> <ready file>`: mark ready, run the job (killed somewhere inside). `recover <probe>`: the worker's
# start-up recovery, then print the probe's JSON.
SCRIPT = r"""
import json, sys
import django

django.setup()
if sys.argv[1] == "run":
    from berdaya.jobs.services import job_run

    open(sys.argv[3], "w").close()
    job_run(int(sys.argv[2]))
else:
    from django.core.management import call_command
    from django.utils.module_loading import import_string

    call_command("worker", "--batch")
    print(json.dumps(import_string(sys.argv[2])()))
"""


@dataclass
class Outcome:
    delay: float
    finished_before_kill: bool
    state: dict[str, Any]


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "berdaya.settings",
        "PYTHONPATH": _SRC,
        "DATABASE_URL": database_url,
        "BERDAYA_DATA_DIR": str(tmp_path / "data"),
        "TMPDIR": str(tmp_path / "tmp"),
    }


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


def _run(tmp_path: Path, url: str, job_id: int, *, kill_after: float | None) -> tuple[bool, float]:
    ready = tmp_path / f"ready-{job_id}"
    ready.unlink(missing_ok=True)
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", SCRIPT, "run", str(job_id), str(ready)],
        env=_env(tmp_path, url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"the job did not start: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
        time.sleep(0.01)
    started = time.monotonic()
    if kill_after is None:
        proc.wait(timeout=300)
        return True, time.monotonic() - started
    time.sleep(kill_after)
    finished = proc.poll() is not None
    if not finished:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return finished, kill_after


def _recover(tmp_path: Path, url: str, probe: str) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", SCRIPT, "recover", probe],
        env=_env(tmp_path, url),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(tmp_path: Path, make_job: Callable[[], int], probe: str) -> tuple[float, dict[str, Any]]:
    """Run one job to its end (no kill): its duration after start-up and the probe's state afterwards."""
    job_id = make_job()
    url = database_url(tmp_path, "measure.sqlite3")
    _finished, seconds = _run(tmp_path, url, job_id, kill_after=None)
    return seconds, _recover(tmp_path, url, probe)


def kill_at_random_points(
    tmp_path: Path, make_job: Callable[[], int], probe: str, *, tries: int = 10, seed: int = 21
) -> list[Outcome]:
    """`tries` times: a new job from make_job() (in the test's database), run in a subprocess, SIGKILLed after a
    random delay within its measured duration, then the worker's recovery; returns each outcome's probe state."""
    duration, _state = measure(tmp_path, make_job, probe)
    rng = random.Random(seed)  # reproducible kill points
    outcomes = []
    for i in range(tries):
        job_id = make_job()
        url = database_url(tmp_path, f"try-{i}.sqlite3")
        delay = rng.uniform(0, duration * 1.1)
        finished, _ = _run(tmp_path, url, job_id, kill_after=delay)
        outcomes.append(Outcome(delay=delay, finished_before_kill=finished, state=_recover(tmp_path, url, probe)))
    return outcomes
