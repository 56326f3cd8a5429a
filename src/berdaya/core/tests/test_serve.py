"""`berdaya serve` runs the web server, a task worker and the scheduler; stopping it must stop them all."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _env(data_dir: Path) -> dict[str, str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "BERDAYA_PROFILE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}
    }
    environment["BERDAYA_DATA_DIR"] = str(data_dir)
    return environment


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _descendants(pid: int) -> set[int]:
    """Every living process below pid, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_sigterm_stops_the_server_and_its_worker(tmp_path, migrated_sqlite):
    env = _env(tmp_path)
    # The worker reads the queue's table and the jobs it recovers at start: a copy of the schema migrated once for the
    # run (conftest.migrated_sqlite), where three `migrate` subprocesses took some twenty seconds.
    shutil.copyfile(migrated_sqlite, tmp_path / "berdaya.sqlite3")
    port = _free_port()
    serve = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "berdaya.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started: set[int] = set()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("berdaya serve did not answer within 30 s")
        time.sleep(1.5)  # the worker imports Django after the server is up
        started = _descendants(serve.pid)
        assert started, "serve started no worker"
        commands = set()
        for pid in started:
            with contextlib.suppress(OSError):
                commands.add(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode())
        assert any(" worker" in c for c in commands), commands
        assert any(" scheduler" in c for c in commands), commands
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=20)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(pid) for pid in started):
            time.sleep(0.2)
        assert not [pid for pid in started if _alive(pid)], "worker processes outlived berdaya serve"
    finally:
        # Orphans are re-parented, so kill what was seen running rather than what is below serve now.
        for pid in [*started, *_descendants(serve.pid), serve.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_the_development_server_closes_each_requests_connection(settings):
    """runserver serves each request on its own thread: a connection kept alive between requests would stay open on
    the finished thread (on PostgreSQL, dozens idle after a few thousand requests, then "too many clients")."""
    import threading

    from django.db import connections

    from berdaya.core.management.commands.serve import close_connections_after_each_request

    kept = connections.settings["default"]["CONN_MAX_AGE"]
    try:
        close_connections_after_each_request()
        seen = []
        thread = threading.Thread(target=lambda: seen.append(connections["default"].settings_dict["CONN_MAX_AGE"]))
        thread.start()
        thread.join()
        assert seen == [0]  # a request thread's connection is made so, and closed at the request's end
    finally:
        connections.settings["default"]["CONN_MAX_AGE"] = kept
