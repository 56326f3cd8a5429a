"""`berdaya demo_logins`: every demo login, its password and what the role sees; `make run` prints it last."""

from __future__ import annotations

from berdaya.demo.commands import DemoCommand
from berdaya.demo.logins import demo_login_rows


class Command(DemoCommand):
    help = "Tampilkan semua login demo: nama pengguna, peran, kata sandi dan apa yang dapat dilihat."
    production_refusal = "Login demo tidak ada pada profil production."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="", help="alamat Berdaya yang dicetak di bawah daftar")

    def handle(self, *args, url: str, **options):
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
