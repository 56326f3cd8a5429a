"""berdaya dtsen_deciles FILE --source "DTSEN 2025": import official DTSEN deciles from a CSV or XLSX file.

The whole file is checked first; any bad row refuses it and nothing is written (musdes.dtsen)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from berdaya.core.access import REGENCY_WIDE
from berdaya.musdes import dtsen


class Command(BaseCommand):
    help = "Impor desil resmi DTSEN dari berkas CSV/XLSX (kolom desil dan no_kk atau nik)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="berkas CSV atau XLSX")
        parser.add_argument("--source", default="DTSEN", help="sumber desil, mis. “DTSEN 2025”")
        parser.add_argument("--user", default="", help="nama pengguna petugas/admin yang mengimpor")

    def handle(self, *args, **options):
        User = get_user_model()
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"Pengguna tidak dikenal: {options['user']}")
        else:
            actor = User.objects.filter(role__in=REGENCY_WIDE, is_active=True).order_by("id").first()
            if actor is None:
                raise CommandError("Tidak ada petugas atau admin: buat pengguna dulu atau pakai --user.")
        try:
            result = dtsen.import_deciles(actor=actor, path=options["path"], source=options["source"])
        except FileNotFoundError as exc:
            raise CommandError(f"Berkas tidak ditemukan: {options['path']}") from exc
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{result.rows} baris dibaca, {result.written} rumah tangga diperbarui, "
            f"{result.unmatched} tidak cocok dengan registri."
        )
