"""What the web benchmarks share: the production server they start (gunicorn, the production profile, as
deploy/systemd/berdaya-web.service runs it) on 127.0.0.1, signed-in browser sessions (cookies and CSRF, as a
browser does), latency percentiles and the server's memory."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {
        **os.environ,
        "BERDAYA_PROFILE": "production",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-" + "k" * 50),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain http on the loopback: no redirect to https (a reverse proxy terminates TLS in production).
        "SECURE_SSL_REDIRECT": "false",
        "BERDAYA_API_RATE": "10000000/min",
        "BERDAYA_API_ANON_RATE": "10000000/min",
        "AXES_FAILURE_LIMIT": "1000",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),
        **(extra or {}),
    }


def collectstatic(env: dict[str, str]) -> None:
    """The production profile serves hashed static files (whitenoise's manifest): collected once, as a deploy does."""
    subprocess.run(  # noqa: S603
        [str(Path(sys.executable).parent / "berdaya"), "collectstatic", "--noinput", "-v0"], env=env, check=True
    )


def start_server(port: int, workers: int, env: dict[str, str], timeout: int = 120) -> subprocess.Popen[bytes]:
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "-c",
        "python:berdaya.gunicorn_conf",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
        "--access-logfile",
        "/dev/null",
        "berdaya.wsgi:application",
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/sehat/")
            if connection.getresponse().status < 500:
                return process
        except OSError:
            time.sleep(0.3)
        if process.poll() is not None:
            raise SystemExit(process.stderr.read().decode() if process.stderr else "gunicorn did not start")
    process.kill()
    raise SystemExit("gunicorn did not answer within 90 s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def server_rss_mb(process: subprocess.Popen[bytes]) -> float:
    """Resident memory of the gunicorn master and its workers (sum of RSS, /proc)."""
    pids = [process.pid]
    try:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        pids += [int(p) for p in children]
    except OSError:
        pass
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]


@dataclass
class Browser:
    """One signed-in user's cookies; safe to share between threads for reads (the cookies do not change)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict[str, Any] | None = None, *, timeout: float = 60) -> Response:
        headers = {"Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            data = raw.read()
            for name, value in raw.getheaders():
                if name.lower() == "set-cookie":
                    key, _sep, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            return Response(raw.status, data, {k.lower(): v for k, v in raw.getheaders()})
        finally:
            connection.close()

    def csrf(self, path: str) -> str:
        """GET a page with a form and return its CSRF token (also setting the csrftoken cookie)."""
        page = self.request("GET", path)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        return match.group(1).decode() if match else self.cookies.get("csrftoken", "")


def login(port: int, username: str, password: str) -> Browser:
    browser = Browser(port)
    token = browser.csrf("/masuk/")
    response = browser.request(
        "POST", "/masuk/", {"csrfmiddlewaretoken": token, "username": username, "password": password}
    )
    if response.status != 302 or "sessionid" not in browser.cookies:
        raise SystemExit(f"login of {username} failed: HTTP {response.status}")
    return browser


def percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1) if ordered else 0.0

    return {"p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99), "max_ms": pct(1.0)}


def closed_loop(clients: int, seconds: float, call: Callable[[], str | None]) -> dict[str, Any]:
    """`clients` threads each calling `call()` back to back for `seconds` (a closed loop, no think time); `call`
    returns what went wrong (a status, an exception's name) or None. Requests, rate, percentiles and errors."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        mine: list[float] = []
        bad: list[str] = []
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            try:
                wrong = call()
            except OSError as exc:
                wrong = type(exc).__name__
            mine.append(time.perf_counter() - t0)
            if wrong is not None:
                bad.append(wrong)
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / wall, 1),
        **percentiles(latencies),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else 0.0,
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
    }
