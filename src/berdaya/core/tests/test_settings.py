"""Settings come from the environment, fail loudly on bad values, and the production profile passes --deploy."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from berdaya import settings as s


def _run(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DEBUG", "BERDAYA_PROFILE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "berdaya.cli", *args], env=environment, capture_output=True, text=True, check=False
    )


def test_it_passes_the_deploy_check_in_the_production_profile():
    result = _run(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        BERDAYA_PROFILE="production",
        SECRET_KEY="k" * 20 + "-produksi-" + "z" * 40,
        ALLOWED_HOSTS="berdaya.example.go.id",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_shares_its_cache_between_worker_processes(tmp_path):
    """Rate limits and cached public pages must hold across gunicorn's workers: a file cache, not each process's
    memory; what one process writes, another reads."""
    env = {
        "BERDAYA_PROFILE": "production",
        "SECRET_KEY": "k" * 20 + "-produksi-" + "z" * 40,
        "ALLOWED_HOSTS": "berdaya.example.go.id",
        "BERDAYA_DATA_DIR": str(tmp_path),
    }
    write = _run("shell", "-c", "from django.core.cache import cache; cache.set('batas:1.2.3.4', 5, 60)", **env)
    assert write.returncode == 0, write.stderr
    read = _run("shell", "-c", "from django.core.cache import cache; print(cache.get('batas:1.2.3.4'))", **env)
    assert read.stdout.strip().splitlines()[-1] == "5", read.stderr
    assert list((tmp_path / "cache").iterdir())


def test_it_refuses_to_start_production_without_a_secret_key():
    result = _run("check", BERDAYA_PROFILE="production", ALLOWED_HOSTS="berdaya.example.go.id")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_fails_loudly_on_a_bad_boolean(monkeypatch):
    monkeypatch.setenv("BERDAYA_TEST_FLAG", "mungkin")
    with pytest.raises(ImproperlyConfigured, match="BERDAYA_TEST_FLAG"):
        s.env_bool("BERDAYA_TEST_FLAG", False)


def test_it_fails_loudly_on_a_bad_number(monkeypatch):
    monkeypatch.setenv("BERDAYA_TEST_NUM", "dua")
    with pytest.raises(ImproperlyConfigured):
        s.env_int("BERDAYA_TEST_NUM", 1)
    with pytest.raises(ImproperlyConfigured):
        s.env_float("BERDAYA_TEST_NUM", 1.0)


def test_it_reads_lists_and_defaults(monkeypatch):
    monkeypatch.setenv("BERDAYA_TEST_LIST", "a.go.id, b.go.id,,")
    assert s.env_list("BERDAYA_TEST_LIST", []) == ["a.go.id", "b.go.id"]
    monkeypatch.delenv("BERDAYA_TEST_LIST")
    assert s.env_list("BERDAYA_TEST_LIST", ["x"]) == ["x"]


def test_it_hashes_passwords_with_argon2(django_user_model, db):
    user = django_user_model.objects.create_user(username="u", password="kata-sandi-panjang-1")
    assert user.password.startswith("argon2")


def test_postgresql_prepares_the_compiled_statements_unless_turned_off_for_a_pooler():
    show = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'].get('prepare_threshold'))"
    url = "postgres://berdaya@db.example/berdaya"
    assert _run("shell", "-c", show, DATABASE_URL=url).stdout.split()[-1] == "5"
    off = _run("shell", "-c", show, DATABASE_URL=url, BERDAYA_PREPARED_STATEMENTS="0")
    assert off.stdout.split()[-1] == "None", off.stderr
