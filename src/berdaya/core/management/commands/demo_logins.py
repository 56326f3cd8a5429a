"""`berdaya demo_logins`: every demo login, its password and what the role sees; `make run` prints it last."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def demo_login_rows() -> list[tuple[str, str, str, str]]:
    """The rows each app's demo module offers through demo_logins_table(): core knows no domain app by name."""
    rows: list[tuple[str, str, str, str]] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("berdaya."):
            continue
        try:
            module = import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        table = getattr(module, "demo_logins_table", None)
        if table is not None:
            rows.extend(table())
    return rows


class Command(BaseCommand):
    help = "Tampilkan semua login demo: nama pengguna, peran, kata sandi dan apa yang dapat dilihat."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="", help="alamat Berdaya yang dicetak di bawah daftar")

    def handle(self, *args, url: str, **options):
        if settings.PRODUCTION:
            raise CommandError("Login demo tidak ada pada profil production.")
        rows = demo_login_rows()
        if not rows:
            self.stdout.write("Belum ada pengguna demo: jalankan dulu `berdaya demo`.")
            return
        header = ("Nama pengguna", "Peran", "Kata sandi", "Yang dapat dilihat")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
        self.stdout.write("")
        self.stdout.write("Login demo (kata sandi awal; ganti bila dipakai di luar komputer Anda sendiri):")
        for row in [header, *rows]:
            self.stdout.write("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
        if url:
            self.stdout.write("")
            self.stdout.write(self.style.SUCCESS(f"Berdaya berjalan di {url}  (Ctrl+C untuk berhenti)"))
