"""A worker killed with SIGKILL in the middle of an import (issue #14.4).

Each case runs a real import job in a subprocess against the test database, stops it at one phase, kills it, then
starts the worker command as a restarted worker would be. After each kill the registry is exactly as before (row
counts and a checksum of every registry table), no temporary file of the import is left, the job shows failed and
the file is no longer "being processed". Killed after COMMIT, the import is recognised as imported.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from berdaya.imports.pipeline import import_households

from .helpers import household, write_csv

pytestmark = pytest.mark.django_db(transaction=True)

TABLES = (
    "registry_household",
    "registry_person",
    "registry_kknumber",
    "registry_lifeevent",
    "registry_historicalhousehold",
    "registry_historicalperson",
)

# Run in a child process: `run <phase> <file> <user id> <ready file>` imports the file as a job and stops (sleeps)
# at <phase> until killed; `state` starts the worker command (as after a restart) and prints what it finds; `cancel`
# presses "Batalkan" on the running import. Each child is forked from one server that set Django up once (SERVER):
# a new interpreter per child cost a Django start-up of seconds on a loaded machine, eleven times in the killed-import
# test. berdaya.testing.crash does the same for the targeting and merge crash tests.
SCRIPT = r"""
import hashlib, json, os, sys, time
import django

django.setup()
from django.core.files import File
from django.core.management import call_command
from django.db import connection

from berdaya.imports import bulk, pipeline, services
from berdaya.imports.models import ImportRun
from berdaya.jobs.models import Job
from berdaya.jobs.services import job_run

TABLES = %(tables)r


def pause(ready):
    open(ready, "w").close()
    time.sleep(600)


def stop_before(owner, name, ready):
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        pause(ready)
        return original(*args, **kwargs)

    setattr(owner, name, wrapper)


def stop_after(owner, name, ready, when=lambda result: True):
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        result = original(*args, **kwargs)
        if when(result):
            pause(ready)
        return result

    setattr(owner, name, wrapper)


SLOW_WRITE_SECONDS = 600  # far longer than a cancel may take, even on a loaded machine


def slow_write(ready):
    # A long statement inside the write transaction (as an index build of a large load): PostgreSQL runs it in the
    # server, SQLite as batches with a cancel check between them, as the transport's executemany loop does.
    original = bulk.write_updates

    def wrapper(self, cur, *args, **kwargs):
        open(ready, "w").close()
        if connection.vendor == "postgresql":
            cur.execute(f"SELECT pg_sleep({SLOW_WRITE_SECONDS})")
        else:
            for _i in range(SLOW_WRITE_SECONDS * 10):
                time.sleep(0.1)
                self.progress.check_cancelled()
        return original(self, cur, *args, **kwargs)

    bulk.write_updates = wrapper


if sys.argv[1] == "cancel":
    from django.test import Client
    from django.urls import reverse

    from django.contrib.auth import get_user_model

    # Logged in before the import starts writing: on SQLite a login (a session row) waits for the import's COMMIT.
    client = Client()
    client.force_login(get_user_model().objects.get(pk=int(sys.argv[2])))
    while not os.path.exists(sys.argv[3]):
        time.sleep(0.05)
    job = Job.objects.order_by("-pk").first()
    started = time.monotonic()
    client.post(reverse("jobs:cancel", args=[job.pk]))
    while not Job.objects.get(pk=job.pk).is_finished and time.monotonic() - started < 120:
        time.sleep(0.1)
    seconds = time.monotonic() - started
    page = client.get(reverse("jobs:progress", args=[job.pk])).content.decode()
    job.refresh_from_db()
    run = ImportRun.objects.get(job=job)
    print(json.dumps({"seconds": seconds, "job": [job.status, job.message], "run": run.status, "page": page}))
elif sys.argv[1] == "run":
    phase, path, user_id, ready = sys.argv[2:]
    {
        "slow-write": lambda: slow_write(ready),
        # The file's rows copied to a temporary rows.csv for DuckDB.
        "read": lambda: stop_after(pipeline, "prepare", ready, lambda source: source.temp is not None),
        "check": lambda: stop_before(pipeline.Import, "classify", ready),  # after the registry was compared
        "write": lambda: stop_before(bulk, "write_updates", ready),  # rows COPYed, in the transaction
        "commit": lambda: stop_after(services, "mark_imported", ready),  # everything written, before COMMIT
        "committed": lambda: stop_before(services, "write_error_file", ready),  # right after COMMIT
    }[phase]()
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=int(user_id))
    with open(path, "rb") as fh:
        run = services.import_run_create(actor=user, uploaded=File(fh, name="keluarga.csv"))
    job = Job.objects.create(
        kind="imports.households",
        handler="berdaya.imports.services.run_import_job",
        params={"run_id": run.pk, "dry_run": False, "mode": "valid-only"},
        created_by=user,
    )
    ImportRun.objects.filter(pk=run.pk).update(job=job, status=ImportRun.Status.IMPORTING)
    job_run(job.pk)
else:
    call_command("worker", "--batch")
    state = {}
    with connection.cursor() as cur:
        for table in TABLES:
            cur.execute(f"SELECT * FROM {table} ORDER BY 1")
            rows = cur.fetchall()
            state[table] = [len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()]
    job = Job.objects.order_by("-pk").first()
    run = ImportRun.objects.order_by("-pk").first()
    state["job"] = [job.status, job.message] if job else None
    state["run"] = run.status if run else None
    print(json.dumps(state))
"""


# The server: Django set up and the import modules loaded once; then one JSON request per line on stdin, one JSON
# answer per line on stdout.
#   {"argv": [...], "out": path}: fork a child that runs SCRIPT (sys.argv[1]) with those arguments, its stdout and
#       stderr in path and path.err, and answer {"pid": ...} at once: the test kills it, or waits for it.
#   {"wait": pid}: reap the child (a killed worker must be gone, not a zombie, when the next child recovers its job)
#       and answer {"code": its exit code}.
SERVER = r"""
import json, os, sys, traceback
import django

django.setup()
from django.db import connections

import berdaya.imports.services, berdaya.imports.pipeline, berdaya.jobs.services  # noqa: F401

script = compile(sys.argv[1], "<crash script>", "exec")
protocol = sys.stdout
for line in sys.stdin:
    req = json.loads(line)
    if "wait" in req:
        _pid, status = os.waitpid(req["wait"], 0)
        answer = {"code": os.waitstatus_to_exitcode(status)}
    else:
        connections.close_all()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.dup2(os.open(req["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 1)
                os.dup2(os.open(req["out"] + ".err", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)
                sys.argv = ["-c", *req["argv"]]
                exec(script, {"__name__": "__main__"})
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        answer = {"pid": pid}
    protocol.write(json.dumps(answer) + "\n")
    protocol.flush()
"""


def _ended(pid: int) -> bool:
    """The child has exited (a zombie until the server reaps it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


class _Children:
    """The server and the children it forked for one test."""

    def __init__(self, tmp_path: Path):
        self.dir = tmp_path / "children"
        self.dir.mkdir(exist_ok=True)
        self.running: set[int] = set()
        self.outputs: dict[int, Path] = {}
        self.server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", SERVER, _script()],
            env=_env(tmp_path),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def _ask(self, request: dict) -> dict:
        assert self.server.stdin and self.server.stdout
        self.server.stdin.write(json.dumps(request) + "\n")
        self.server.stdin.flush()
        line = self.server.stdout.readline()
        assert line, f"the server ended: {self.server.wait()}"
        return json.loads(line)

    def start(self, *argv: str) -> int:
        out = self.dir / f"child-{len(self.outputs)}"
        pid = self._ask({"argv": list(argv), "out": str(out)})["pid"]
        self.running.add(pid)
        self.outputs[pid] = out
        return pid

    def output(self, pid: int) -> tuple[str, str]:
        """The child's stdout and stderr."""
        out = self.outputs[pid]
        return out.read_text(), Path(f"{out}.err").read_text()

    def wait(self, pid: int, timeout: float) -> int:
        """The child's exit code; killed (SIGKILL) first if it has not ended within timeout seconds."""
        deadline = time.monotonic() + timeout
        while not _ended(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not _ended(pid):
            os.kill(pid, signal.SIGKILL)
        self.running.discard(pid)
        return self._ask({"wait": pid})["code"]

    def close(self) -> None:
        for pid in list(self.running):
            os.kill(pid, signal.SIGKILL)
            self.wait(pid, 30)
        assert self.server.stdin and self.server.stdout
        self.server.stdin.close()
        self.server.wait(timeout=30)
        self.server.stdout.close()


def _database_url(tmp_path: Path) -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        # The test database lives in memory: hand the subprocesses a copy in a file.
        target = tmp_path / "db.sqlite3"
        if not target.exists():
            import sqlite3

            connection.ensure_connection()
            out = sqlite3.connect(target)
            connection.connection.backup(out)
            out.close()
        return f"sqlite:///{target}"
    user = settings["USER"] or "postgres"
    return f"postgres://{user}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"


def _env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "tmp").mkdir(exist_ok=True)
    src = str(Path(__file__).resolve().parents[3])
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "berdaya.settings",
        "PYTHONPATH": src,
        "DATABASE_URL": _database_url(tmp_path),
        "BERDAYA_DATA_DIR": str(tmp_path / "data"),
        "TMPDIR": str(tmp_path / "tmp"),
    }


def _script() -> str:
    return SCRIPT % {"tables": TABLES}


def _start(children: _Children, tmp_path: Path, phase: str, path: Path, user_id: int) -> int:
    ready = tmp_path / f"ready-{phase}"
    pid = children.start("run", phase, str(path), str(user_id), str(ready))
    deadline = time.monotonic() + 90
    while not ready.exists():
        if _ended(pid):
            raise AssertionError(f"the import ended before {phase}: {children.output(pid)[1][-3000:]}")
        if time.monotonic() > deadline:
            children.wait(pid, 0)
            raise AssertionError(f"the import never reached {phase}")
        time.sleep(0.05)
    return pid


def _kill_at(children: _Children, tmp_path: Path, phase: str, path: Path, user_id: int) -> None:
    pid = _start(children, tmp_path, phase, path, user_id)
    if phase == "read":
        # The file's rows were copied to a private temporary CSV, as the issue describes.
        rows = list((tmp_path / "tmp").glob("berdaya-job-*/rows.csv"))
        assert rows and rows[0].stat().st_mode & 0o777 == 0o600
        assert rows[0].parent.stat().st_mode & 0o777 == 0o700
    os.kill(pid, signal.SIGKILL)
    assert children.wait(pid, 30) == -signal.SIGKILL


def _state(children: _Children) -> dict:
    pid = children.start("state")
    code = children.wait(pid, 120)
    out, err = children.output(pid)
    assert code == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def test_cancel_during_the_write_phase_rolls_back(officer, tmp_path):
    """Issue #14.3: the officer presses "Batalkan" while the import writes; the job ends "Dibatalkan" within
    seconds and nothing of it is saved."""
    import_households(path=write_csv(tmp_path / "a.csv", household("A", 10, 3)), actor=officer, dry_run=False)
    rows = household("A", 10, 3) + household("C", 30, 2, kk_number="1502011201150005")
    rows[1]["full_name"] = "Siti Nurhaliza"
    rows[4]["full_name"] = "Dewi Lestari"  # not A's member of the same birth date: no likely duplicate
    path = write_csv(tmp_path / "b.csv", rows)
    children = _Children(tmp_path)
    try:
        before = _state(children)
        canceller = children.start("cancel", str(officer.pk), str(tmp_path / "ready-slow-write"))
        worker = _start(children, tmp_path, "slow-write", path, officer.pk)
        code = children.wait(canceller, 180)
        out, err = children.output(canceller)
        assert code == 0, err[-3000:]
        cancelled = json.loads(out.strip().splitlines()[-1])
        assert children.wait(worker, 30) != -signal.SIGKILL, "the cancelled import ended by itself within 30 s"
        after = _state(children)
    finally:
        children.close()
    # The statement would have run for ten minutes: the cancel interrupted it (within seconds on a quiet machine; the
    # bound leaves room for a loaded one, where 23 s was seen).
    assert cancelled["seconds"] < 120
    assert cancelled["job"][0] == "cancelled" and "tidak ada perubahan yang disimpan" in cancelled["job"][1]
    assert cancelled["run"] == "cancelled" and "Dibatalkan" in cancelled["page"]
    assert {t: after[t] for t in TABLES} == {t: before[t] for t in TABLES}


def test_an_import_killed_at_any_phase_leaves_the_registry_as_it_was(officer, tmp_path):
    # A registry with people in it, so the killed import both adds and updates.
    import_households(path=write_csv(tmp_path / "a.csv", household("A", 10, 3)), actor=officer, dry_run=False)
    rows = household("A", 10, 3) + household("C", 30, 2, kk_number="1502011201150005")
    rows[1]["full_name"] = "Siti Nurhaliza"  # an update of a registered person
    rows[3]["full_name"] = "José Müller"  # Windows-1252: the file is rewritten into a temporary rows.csv
    rows[4]["full_name"] = "Dewi Lestari"  # not A's member of the same birth date: no likely duplicate
    path = write_csv(tmp_path / "b.csv", rows, encoding="cp1252")
    children = _Children(tmp_path)
    try:
        before = _state(children)
        tables_before = {t: before[t] for t in TABLES}
        assert before["registry_person"][0] == 3

        for phase in ("read", "check", "write", "commit"):
            _kill_at(children, tmp_path, phase, path, officer.pk)
            after = _state(children)
            assert {t: after[t] for t in TABLES} == tables_before, phase
            assert after["job"] == ["failed", "Pekerja berhenti; tidak ada perubahan yang disimpan."], phase
            assert after["run"] == "failed", phase  # no longer "sedang diproses": it may be imported again
            assert not list((tmp_path / "tmp").iterdir()), phase

        _kill_at(children, tmp_path, "committed", path, officer.pk)
        after = _state(children)
    finally:
        children.close()
    assert after["run"] == "imported" and after["job"][0] == "succeeded"
    assert after["registry_person"][0] == 5 and after["registry_household"][0] == 2
    assert not list((tmp_path / "tmp").iterdir())


def test_the_cleanup_spares_the_files_of_a_live_worker(tmp_path, monkeypatch):
    import tempfile

    from berdaya.jobs.services import cleanup_temp, job_tempdir

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    mine = job_tempdir("import")
    dead = tmp_path / "berdaya-job-999999999-import-x"
    dead.mkdir()
    (dead / "rows.csv").write_text("3201...")
    assert cleanup_temp() == [dead]
    assert mine.exists() and not dead.exists() and mine.stat().st_mode & 0o777 == 0o700
