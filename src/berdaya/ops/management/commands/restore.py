"""berdaya restore FILE [--key-file FILE] [--replace]"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from berdaya.ops.backup import BackupError, backup_restore

from .backup import key_from


class Command(BaseCommand):
    help = "Pulihkan cadangan Berdaya ke basis data dan folder data ini. Restore a Berdaya backup."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="berkas cadangan (.tar.gz atau .tar.gz.enc)")
        parser.add_argument("--key-file", default=None, help="berkas kunci (bawaan: BERDAYA_BACKUP_KEY_FILE)")
        parser.add_argument(
            "--replace", action="store_true", help="timpa basis data yang sudah berisi (bawaan: hanya ke yang kosong)"
        )

    def handle(self, *args: Any, file: str, key_file: str | None, replace: bool, **options: Any) -> None:
        try:
            result = backup_restore(Path(file), key=key_from(key_file), replace=replace)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if result.mismatches:
            lines = [f"  {t}: cadangan {a:,}, hasil {b:,}" for t, (a, b) in sorted(result.mismatches.items())]
            raise CommandError("Jumlah baris hasil pemulihan berbeda dari cadangan:\n" + "\n".join(lines))
        self.stdout.write(
            f"Dipulihkan: {result.tables} tabel, {result.rows:,} baris, {result.files} berkas, {result.seconds} detik. "
            "Jumlah baris setiap tabel sama dengan cadangan."
        )
