"""`python -m berdaya.ops.supplychain LOCKFILE...`: check the locked dependencies against known vulnerabilities.

Run by `make test` (`make audit`). pip-audit asks the PyPI advisory service about each pinned version. Its answer is
kept in a cache (var/pip-audit/ by default); without network the last answer is used instead, checked against the
lock files as they are now, and the check says how old it is. It never fails for lack of network: with no network and
no cache it warns and passes. It fails when a locked version has a known vulnerability, unless that advisory is
listed with a reason in `requirements-audit-ignore.txt` (one "ID  reason" per line).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)")


def pinned(lock_files: list[Path]) -> dict[str, str]:
    """name (normalised) -> version of every `name==version` line."""
    pins: dict[str, str] = {}
    for lock in lock_files:
        for line in lock.read_text().splitlines():
            match = PIN.match(line.strip())
            if match:
                pins[normalise(match.group(1))] = match.group(2)
    return pins


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def ignored(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    entries = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            ident, _sep, reason = line.partition(" ")
            entries[ident] = reason.strip()
    return entries


def run_pip_audit(lock_files: list[Path], timeout: int) -> dict | None:
    """pip-audit's JSON report, or None when it could not reach the advisory service."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        argv = [
            sys.executable,
            "-m",
            "pip_audit",
            "--no-deps",
            "--progress-spinner",
            "off",
            "--format",
            "json",
            "--output",
            str(out),
        ]
        for lock in lock_files:
            argv += ["-r", str(lock)]
        try:
            subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603
        except subprocess.TimeoutExpired:
            return None
        try:
            return json.loads(out.read_text())
        except (OSError, ValueError):
            return None


def findings(report: dict, pins: dict[str, str], skip: dict[str, str]) -> list[str]:
    """The advisories that apply to the versions pinned now (a cached report may predate a lock change)."""
    found = []
    for dep in report.get("dependencies", []):
        name = normalise(dep.get("name", ""))
        if pins.get(name) != dep.get("version"):
            continue
        for vuln in dep.get("vulns", []):
            ids = {vuln.get("id"), *vuln.get("aliases", [])}
            if ids & set(skip):
                continue
            fixed = ", ".join(vuln.get("fix_versions", [])) or "belum ada"
            found.append(f"{dep['name']} {dep['version']}: {vuln.get('id')} (perbaikan: {fixed})")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("locks", nargs="+", type=Path)
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("BERDAYA_AUDIT_CACHE", "var/pip-audit")))
    parser.add_argument("--ignore", type=Path, default=Path("requirements-audit-ignore.txt"))
    parser.add_argument("--timeout", type=int, default=180)
    args = parser.parse_args(argv)
    pins = pinned(args.locks)
    skip = ignored(args.ignore)
    cache = args.cache / "report.json"
    report = run_pip_audit(args.locks, args.timeout)
    if report is not None:
        args.cache.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"checked_at": dt.datetime.now(dt.UTC).isoformat(), "report": report}))
        source = "basis data kerentanan PyPI (daring)"
    elif cache.exists():
        cached = json.loads(cache.read_text())
        report = cached["report"]
        source = f"salinan basis data kerentanan dari {cached['checked_at'][:16]} (tidak ada jaringan)"
        missing = sorted(set(pins) - {normalise(d.get("name", "")) for d in report.get("dependencies", [])})
        if missing:
            print(f"audit: {len(missing)} paket belum pernah diperiksa (tidak ada jaringan): {', '.join(missing[:10])}")
    else:
        print("audit: PERINGATAN: layanan kerentanan tidak terjangkau dan belum ada salinannya; pemeriksaan dilewati.")
        return 0
    problems = findings(report, pins, skip)
    if problems:
        print(f"audit: {len(problems)} kerentanan diketahui pada paket yang dikunci ({source}):")
        for line in problems:
            print(f"  - {line}")
        print("Perbarui paketnya (make lock), atau catat alasannya di requirements-audit-ignore.txt.")
        return 1
    print(f"audit: {len(pins)} paket terkunci, tidak ada kerentanan yang diketahui ({source}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
