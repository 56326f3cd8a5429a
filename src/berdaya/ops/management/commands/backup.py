"""berdaya backup [--output DIR] [--key-file FILE] [--new-key FILE]"""

from __future__ import annotations

import os
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from berdaya.ops import crypto
from berdaya.ops.backup import BackupError, backup_create


def key_from(option: str | None) -> bytes | None:
    path = option or os.environ.get("BERDAYA_BACKUP_KEY_FILE")
    if not path:
        return None
    try:
        return crypto.read_key(Path(path))
    except crypto.BackupKeyError as exc:
        raise CommandError(str(exc)) from exc


class Command(BaseCommand):
    help = (
        "Buat cadangan basis data dan berkas unggahan dalam satu berkas terkompresi (terenkripsi bila ada kunci). "
        "Make a backup of the database and the uploaded files."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--output", default="", help="folder tujuan (bawaan: <BERDAYA_DATA_DIR>/backups atau BERDAYA_BACKUP_DIR)"
        )
        parser.add_argument("--key-file", default=None, help="berkas kunci enkripsi (bawaan: BERDAYA_BACKUP_KEY_FILE)")
        parser.add_argument("--new-key", default=None, metavar="FILE", help="buat berkas kunci baru lalu berhenti")

    def handle(self, *args: Any, output: str, key_file: str | None, new_key: str | None, **options: Any) -> None:
        if new_key:
            try:
                crypto.new_key(Path(new_key))
            except FileExistsError as exc:
                raise CommandError(f"{new_key} sudah ada: kunci lama tidak ditimpa.") from exc
            self.stdout.write(
                f"Kunci baru ditulis ke {new_key}. Simpan salinannya di tempat lain: tanpa kunci ini "
                "cadangan terenkripsi tidak dapat dipulihkan."
            )
            return
        folder = Path(output or os.environ.get("BERDAYA_BACKUP_DIR") or Path(settings.DATA_DIR) / "backups")
        try:
            result = backup_create(folder, key=key_from(key_file))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Cadangan ditulis: {result.path} ({result.size:,} bita; {result.tables} tabel, {result.rows:,} baris, "
            f"{result.files} berkas; {'terenkripsi' if result.encrypted else 'tidak terenkripsi'}; "
            f"{result.seconds} detik)."
        )
