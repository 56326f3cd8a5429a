"""The dependency audit fails on a known vulnerability of a locked version, uses its cache without network, and
never fails for lack of network."""

from __future__ import annotations

import json

from berdaya.ops import supplychain


def _lock(tmp_path, body="django==5.2.1\nrequests==2.31.0\n"):
    lock = tmp_path / "requirements.lock"
    lock.write_text(body)
    return lock


def _report(version="2.31.0"):
    return {
        "dependencies": [
            {"name": "Django", "version": "5.2.1", "vulns": []},
            {
                "name": "requests",
                "version": version,
                "vulns": [{"id": "GHSA-9wx4-h78v-vm56", "aliases": ["CVE-2024-35195"], "fix_versions": ["2.32.0"]}],
            },
        ]
    }


def test_a_known_vulnerability_fails_and_the_answer_is_cached(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(supplychain, "run_pip_audit", lambda locks, timeout: _report())
    code = supplychain.main([str(_lock(tmp_path)), "--cache", str(tmp_path / "c"), "--ignore", str(tmp_path / "i")])
    assert code == 1
    assert "requests 2.31.0: GHSA-9wx4-h78v-vm56 (perbaikan: 2.32.0)" in capsys.readouterr().out
    assert json.loads((tmp_path / "c" / "report.json").read_text())["report"] == _report()


def test_an_ignored_advisory_with_its_reason_passes(tmp_path, monkeypatch):
    monkeypatch.setattr(supplychain, "run_pip_audit", lambda locks, timeout: _report())
    (tmp_path / "i").write_text("CVE-2024-35195  only used against our own test server\n")
    assert (
        supplychain.main([str(_lock(tmp_path)), "--cache", str(tmp_path / "c"), "--ignore", str(tmp_path / "i")]) == 0
    )


def test_without_network_the_cached_answer_decides_for_the_versions_locked_now(tmp_path, monkeypatch, capsys):
    cache = tmp_path / "c"
    cache.mkdir()
    (cache / "report.json").write_text(json.dumps({"checked_at": "2026-12-01T01:00:00+00:00", "report": _report()}))
    monkeypatch.setattr(supplychain, "run_pip_audit", lambda locks, timeout: None)
    args = ["--cache", str(cache), "--ignore", str(tmp_path / "i")]
    assert supplychain.main([str(_lock(tmp_path)), *args]) == 1
    assert "2026-12-01" in capsys.readouterr().out
    # After an upgrade in the lock file the cached advisory no longer applies.
    assert supplychain.main([str(_lock(tmp_path, "django==5.2.1\nrequests==2.32.3\n")), *args]) == 0


def test_without_network_or_cache_it_warns_and_passes(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(supplychain, "run_pip_audit", lambda locks, timeout: None)
    assert (
        supplychain.main([str(_lock(tmp_path)), "--cache", str(tmp_path / "none"), "--ignore", str(tmp_path / "i")])
        == 0
    )
    assert "dilewati" in capsys.readouterr().out


def test_the_lock_files_are_read_with_normalised_names():
    assert supplychain.normalise("Django_Tasks.DB") == "django-tasks-db"
