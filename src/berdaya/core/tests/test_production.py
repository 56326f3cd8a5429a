"""The production profile serves pages: collectstatic succeeds and a real WSGI server (gunicorn) answers.

Runs the commands an installer runs (docs/panduan/instalasi.md), in subprocesses with the production environment, so
the manifest storage, whitenoise and the secure settings are the ones production uses.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BERDAYA_", "DATABASE_URL"))}
    env.update(
        BERDAYA_PROFILE="production",
        SECRET_KEY="production-test-" + "k" * 50,
        BERDAYA_DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite:///{data_dir / 'berdaya.sqlite3'}",
        ALLOWED_HOSTS="127.0.0.1",
        # TLS ends at the reverse proxy in production; the test talks plain http to the WSGI server behind it.
        SECURE_SSL_REDIRECT="false",
        DJANGO_SETTINGS_MODULE="berdaya.settings",
    )
    return env


def _berdaya(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own interpreter and command)
        [sys.executable, "-m", "berdaya.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310 (local test server)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def production_server(tmp_path_factory, migrated_sqlite):
    pytest.importorskip("gunicorn")
    data_dir = tmp_path_factory.mktemp("production")
    env = _env(data_dir)
    # The schema migrated once for the run (conftest.migrated_sqlite); `migrate` below then checks it is complete.
    shutil.copyfile(migrated_sqlite, data_dir / "berdaya.sqlite3")
    collected = _berdaya(env, "collectstatic", "--noinput")
    assert collected.returncode == 0, collected.stderr[-2000:]
    migrated = _berdaya(env, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    port = _free_port()
    log = (data_dir / "gunicorn.log").open("w")
    server = subprocess.Popen(  # noqa: S603
        [
            *(sys.executable, "-m", "gunicorn", "-c", "python:berdaya.gunicorn_conf", "berdaya.wsgi:application"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "1"),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"{base}/sehat/")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    tail = (data_dir / "gunicorn.log").read_text()[-2000:]
                    raise AssertionError(f"gunicorn did not start: {tail}") from None
                time.sleep(0.3)
        yield base, data_dir
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def test_it_collects_every_static_file_into_the_manifest(production_server):
    _base, data_dir = production_server
    static = data_dir / "static"
    assert (static / "staticfiles.json").exists()
    assert list(static.glob("vendor/bootstrap/bootstrap.bundle.min.*.js"))
    # What browsers load is pre-compressed; source maps (developers' tools only) are served as they are.
    assert list(static.glob("vendor/bootstrap/bootstrap.bundle.min.*.js.br"))
    maps = list(static.rglob("*.map"))
    assert maps
    assert not list(static.rglob("*.map.br")) and not list(static.rglob("*.map.gz"))


def test_it_serves_the_login_page_with_hashed_static_files(production_server):
    base, _data_dir = production_server
    status, headers, body = _get(f"{base}/masuk/")
    assert status == 200, body[-2000:]
    css = re.search(r'href="(/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]{12}\.css)"', body)
    assert css, "the page must link the hashed (cache-busted) stylesheet"
    assert headers.get("Strict-Transport-Security")
    status, headers, asset = _get(base + css.group(1))
    assert status == 200
    assert "immutable" in headers.get("Cache-Control", "")
    assert "sourceMappingURL" not in asset


def test_it_answers_the_health_check_without_naming_the_database(production_server):
    base, _data_dir = production_server
    status, _headers, body = _get(f"{base}/sehat/")
    assert status == 200
    assert "sqlite" not in body.lower()


def test_its_access_log_holds_no_identity_or_phone_number(production_server):
    base, data_dir = production_server
    nik, phone = "1502015403850012", "081234567890"
    _get(f"{base}/registri/?q={nik}")
    _get(f"{base}/masuk/?next=/registri/%3Fq%3D{phone}")
    _get(f"{base}/sehat/?q=1502+0154+0385+0012")
    deadline = time.monotonic() + 10
    while (log := (data_dir / "gunicorn.log").read_text()).count("GET /") < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "/registri/?q=[disamarkan]" in log
    assert nik not in log and phone not in log and "1502+0154" not in log


def test_a_worker_sets_its_loaded_application_apart_from_the_garbage_collector(tmp_path):
    """gunicorn_conf.post_worker_init, in a process that loaded the application as a gunicorn worker does: the views
    are imported, what is loaded is frozen (out of the collector's reach), and the young generation is larger."""
    script = (
        "import gc, sys\n"
        "import berdaya.wsgi\n"
        "from berdaya import gunicorn_conf\n"
        "assert 'berdaya.registry.views' not in sys.modules\n"
        "assert gc.get_freeze_count() == 0 and gc.get_threshold()[0] < 1000\n"
        "gunicorn_conf.post_worker_init(None)\n"
        "print('views' if 'berdaya.registry.views' in sys.modules else 'none', gc.get_freeze_count(),\n"
        "      *gc.get_threshold(), *gunicorn_conf.GC_THRESHOLD)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "berdaya.settings", "BERDAYA_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)  # noqa: S603
    assert done.returncode == 0, done.stderr[-2000:]
    loaded, frozen, *thresholds = done.stdout.split()
    assert loaded == "views"
    assert int(frozen) > 100_000  # Django and the apps
    assert thresholds[:3] == thresholds[3:] and int(thresholds[0]) >= 10_000
