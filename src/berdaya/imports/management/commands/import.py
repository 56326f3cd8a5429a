"""berdaya import households FILE [--mapping NAME] [--dry-run] [--mode valid-only|all-or-nothing] [--user NAME]"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO, cast

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import F, Q

from berdaya.core.spreadsheet import ImportFileError, file_checksum, read_headers
from berdaya.imports.access import mappings_visible_to
from berdaya.imports.columns import auto_mapping
from berdaya.imports.models import ImportRun
from berdaya.imports.pipeline import MODE_ALL_OR_NOTHING, MODE_VALID_ONLY
from berdaya.imports.services import import_execute
from berdaya.jobs.progress import JobCancelled, TerminalProgress


class Command(BaseCommand):
    help = "Impor rumah tangga dan anggotanya dari CSV/XLSX, dengan bilah kemajuan. Satu transaksi per file."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["households"])
        parser.add_argument("file")
        parser.add_argument("--mapping", help="nama pemetaan kolom tersimpan")
        parser.add_argument("--dry-run", action="store_true", help="periksa saja, jangan simpan")
        parser.add_argument("--mode", choices=[MODE_VALID_ONLY, MODE_ALL_OR_NOTHING], default=MODE_VALID_ONLY)
        parser.add_argument("--user", help="nama pengguna yang mengimpor (bawaan: admin pertama)")
        parser.add_argument("--json", action="store_true", help="cetak hasil sebagai JSON")

    def handle(self, *args, kind, file, mapping, dry_run, mode, user, json: bool = False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"File tidak ditemukan: {path}")
        actor = self._actor(user)
        try:
            headers = read_headers(path).headers
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        values: dict = {}
        if mapping:
            # The same mappings the upload page offers this user (their organisation's first, then the shared ones),
            # with the value translations saved beside the columns (e.g. the DTKS codes).
            saved = (
                mappings_visible_to(actor)
                .filter(name=mapping)
                .order_by(F("organisation_id").asc(nulls_last=True))
                .first()
            )
            if saved is None:
                raise CommandError(f"Pemetaan “{mapping}” tidak ada.")
            columns, values = saved.columns, saved.values or {}
        else:
            columns = auto_mapping(headers)
        run = ImportRun.objects.create(
            original_name=path.name[:255],  # as an upload names it: no server path in the registry's history
            size=path.stat().st_size,
            checksum=file_checksum(path),
            mapping=columns,
            mapping_name=mapping or "",
            value_map=values,
            mode=mode,
            created_by=actor,
        )
        # The stream under Django's OutputWrapper, which would end each redraw of the bar with a newline.
        progress = TerminalProgress(cast("TextIO", self.stderr._out))
        try:
            result = import_execute(run=run, dry_run=dry_run, mode=mode, progress=progress, source=path)
        except JobCancelled as exc:
            raise CommandError(str(exc)) from exc
        except ImportFileError as exc:
            run.status = ImportRun.Status.FAILED
            run.save(update_fields=["status"])
            raise CommandError(str(exc)) from exc
        finally:
            progress.close()
        data = result.as_dict()
        if json:
            self.stdout.write(_json(data))
            return
        verb = "Uji coba" if dry_run else ("Ditolak" if result.rejected else "Diimpor")
        self.stdout.write(
            f"{verb}: {data['total']:,} baris · baru {data['new']:,} · diperbarui {data['updated']:,} · "
            f"tidak berubah {data['unchanged']:,} · tidak sah {data['invalid']:,} · {data['seconds']} d "
            f"(impor #{run.pk})"
        )
        for err in data["first_errors"][:20]:
            self.stdout.write(f"  Baris {err['row']}, {err['column']}: {err['message']}")
        if run.errors_file:
            self.stdout.write(f"File kesalahan: {run.errors_file.path}")

    def _actor(self, username):
        User = get_user_model()
        if username:
            try:
                return User.objects.get(username=username)
            except User.DoesNotExist as exc:
                raise CommandError(f"Pengguna “{username}” tidak ada.") from exc
        actor = (
            User.objects.filter(Q(is_superuser=True) | Q(role=User.Role.ADMIN), is_active=True).order_by("pk").first()
        )
        if actor is None:
            raise CommandError("Tidak ada admin: sebutkan --user NAMA.")
        return actor


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False)
