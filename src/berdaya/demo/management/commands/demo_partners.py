"""`berdaya demo_partners --seed 1 [--if-empty]`: demo partners, agreements, commitments and deliveries (after
`berdaya demo` and `berdaya demo_programmes`)."""

from __future__ import annotations

from django.core.management.base import CommandError, CommandParser

from berdaya.demo.commands import DemoCommand
from berdaya.demo.partners import demo_has_run, demo_partners


class Command(DemoCommand):
    help = (
        "Buat mitra demo (sekitar 15 organisasi berbagai jenis), perjanjian kerja sama (sebagian segera berakhir), "
        "komitmen yang sebagian sudah direalisasikan. Contoh: berdaya demo_partners --seed 1 --if-empty"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="benih acak: benih sama, data sama (bawaan 1)")
        parser.add_argument("--if-empty", action="store_true", help="jangan buat apa pun bila sudah ada perjanjian")

    def handle(self, *args, seed: int, if_empty: bool, **options):
        if if_empty and demo_has_run():
            self.stdout.write("Sudah ada perjanjian kerja sama: data demo mitra tidak dibuat.")
            return
        try:
            result = demo_partners(seed=seed)
        except ValueError as exc:
            raise CommandError("Belum ada pengguna petugas/admin. Jalankan dulu: berdaya demo") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.organisations} organisasi ({result.created} baru), {result.agreements} perjanjian, "
                f"{result.commitments} komitmen, {result.contributions} catatan realisasi dibuat. "
                f"{result.uncovered_districts} kecamatan berpenduduk belum dicakup program mana pun."
            )
        )
