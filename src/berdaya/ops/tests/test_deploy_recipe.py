"""The production recipe in deploy/ matches the code: every service runs a command that exists, the environment file
names only settings Berdaya reads, and those settings pass `check --deploy`."""

from __future__ import annotations

import configparser
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands

DEPLOY = Path(__file__).resolve().parents[4] / "deploy"
SETTINGS = Path(__file__).resolve().parents[2] / "settings.py"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "systemd" / name)
    return parser


@pytest.mark.parametrize(
    "unit, command",
    [
        ("berdaya-worker.service", "worker"),
        ("berdaya-scheduler.service", "scheduler"),
        ("berdaya-backup.service", "backup"),
    ],
)
def test_each_service_runs_a_berdaya_command_that_exists(unit, command):
    parsed = _unit(unit)
    argv = shlex.split(parsed["Service"]["ExecStart"])
    assert argv[0].endswith("/bin/berdaya") and argv[1] == command
    assert command in get_commands()
    assert parsed["Service"]["EnvironmentFile"] == "/etc/berdaya/berdaya.env"
    assert parsed["Service"]["User"] == "berdaya"


def test_the_web_service_runs_gunicorn_with_the_redacting_log_configuration():
    argv = shlex.split(_unit("berdaya-web.service")["Service"]["ExecStart"])
    assert argv[0].endswith("/bin/gunicorn")
    assert argv[argv.index("-c") + 1] == "python:berdaya.gunicorn_conf"
    assert "berdaya.wsgi:application" in argv
    assert argv[argv.index("--bind") + 1].startswith("127.0.0.1:")  # only nginx reaches it


def test_the_backup_timer_fires_nightly_and_catches_up_after_a_power_cut():
    timer = _unit("berdaya-backup.timer")["Timer"]
    assert timer["OnCalendar"].startswith("*-*-* ")
    assert timer["Persistent"] == "true"


def _example_env() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "berdaya.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split("=", 1)
            values[key] = value
    return values


def test_the_environment_file_names_only_settings_berdaya_reads():
    known = SETTINGS.read_text() + "".join(
        p.read_text() for p in (Path(__file__).resolve().parents[2]).rglob("*.py") if "tests" not in p.parts
    )
    for key in _example_env():
        assert f'"{key}"' in known, f"{key} in deploy/berdaya.env.example is read nowhere"


def test_the_example_environment_passes_the_deploy_check(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BERDAYA_", "DATABASE_URL"))}
    env.update(_example_env())
    env.update(
        SECRET_KEY="deploy-recipe-" + "k" * 50,
        BERDAYA_DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        BERDAYA_BACKUP_DIR=str(tmp_path / "backups"),
        DJANGO_SETTINGS_MODULE="berdaya.settings",
    )
    done = subprocess.run(
        [sys.executable, "-m", "berdaya.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
