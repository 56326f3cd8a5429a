"""`berdaya demo --households 2000 --seed 1 [--if-empty]`: fill an empty database with the whole demo (people and
logins first, then every domain in `make run`'s order); `--people-only` stops after the people."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser

from berdaya.demo.commands import DemoCommand
from berdaya.demo.registry import DemoAreasMissing, demo_generate, demo_logins_exist
from berdaya.demo.steps import build_domains


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


class Command(DemoCommand):
    help = (
        "Buat data demo: rumah tangga, penduduk, kelompok dan pengguna demo di desa/kelurahan yang sudah dimuat, "
        "lalu program, mitra, pekerja migran, harga, petani, penetapan sasaran, musyawarah desa, pengaduan dan "
        "permintaan subjek data (seperti `make run`). "
        "Contoh: berdaya demo --households 2000 --seed 1 --if-empty"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households", type=int, default=2000, help="jumlah rumah tangga (bawaan 2000)")
        parser.add_argument("--seed", type=int, default=1, help="benih acak: benih sama, data sama (bawaan 1)")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="lewati tiap bagian yang sudah berisi data (penduduk bila sudah ada rumah tangga, program bila "
            "sudah ada program, dst.)",
        )
        parser.add_argument(
            "--people-only",
            action="store_true",
            help="hanya penduduk, kelompok dan pengguna demo (tanpa program, mitra, harga, dst.)",
        )
        parser.add_argument(
            "--ground-truth",
            type=Path,
            default=None,
            help="berkas CSV daftar duplikat yang disisipkan (bawaan: <BERDAYA_DATA_DIR>/demo_ground_truth.csv)",
        )
        parser.add_argument(
            "--no-logins",
            action="store_true",
            help="jangan cetak daftar login demo (`make run` mencetak semuanya di akhir: berdaya demo_logins)",
        )
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="jangan tulis baris riwayat 'dibuat' (lebih cepat untuk data sangat besar)",
        )

    def handle(self, *args, households: int, seed: int, if_empty: bool, ground_truth: Path | None, **options):
        if households < 1:
            raise CommandError("--households harus paling sedikit 1.")
        path = ground_truth or Path(settings.DATA_DIR) / "demo_ground_truth.csv"
        try:
            result = demo_generate(
                households=households,
                seed=seed,
                ground_truth=path,
                if_empty=if_empty,
                history=not options["no_history"],
            )
        except DemoAreasMissing as exc:
            raise CommandError(
                f"Belum ada desa/kelurahan untuk kabupaten {exc}. Jalankan dulu: berdaya areas load"
            ) from exc

        if result.skipped:
            self.stdout.write(f"Sudah ada {_n(result.existing)} rumah tangga: penduduk demo tidak dibuat (--if-empty).")
        else:
            seconds = f"{result.seconds:.1f}".replace(".", ",")
            self.stdout.write(
                self.style.SUCCESS(
                    f"Data demo dibuat dalam {seconds} detik: {_n(result.households)} rumah tangga, "
                    f"{_n(result.people)} penduduk, "
                    f"{_n(result.groups)} kelompok ({_n(result.memberships)} keanggotaan), "
                    f"{_n(result.duplicates)} duplikat sengaja disisipkan."
                )
            )
            self.stdout.write(f"Daftar duplikat (kunci jawaban uji pencocokan data): {result.ground_truth}")
            if result.existing:
                self.stdout.write(
                    self.style.WARNING(
                        f"Perhatian: sebelumnya sudah ada {_n(result.existing)} rumah tangga; data demo ditambahkan. "
                        "Dengan benih yang sama, nama-nama yang sama muncul lagi. Pakai --if-empty agar tidak terulang."
                    )
                )
        if options["people_only"]:
            pass
        elif result.skipped and not demo_logins_exist():
            # --if-empty on a database `berdaya demo` did not fill: add no demo programmes, prices... over its people.
            self.stdout.write(
                "Basis data ini tidak dibuat oleh `berdaya demo` (tanpa login demo): data demo lain tidak dibuat."
            )
        else:
            # Each step skips itself with --if-empty when its own data exists, so a demo made before a domain
            # existed gets that domain's data on the next `make run`.
            build_domains(seed=seed, if_empty=if_empty, stdout=self.stdout)
        if not options["no_logins"]:
            # The one table of demo logins (every domain's), the same that `make run` prints last.
            call_command("demo_logins", stdout=self.stdout)
