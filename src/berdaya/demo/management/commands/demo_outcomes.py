"""`berdaya demo_outcomes --seed 1 [--if-empty]`: demo outcome surveys of participants and comparable
non-participants, with a modest simulated effect (after `berdaya demo` and `berdaya demo_programmes`)."""

from __future__ import annotations

from django.core.management.base import CommandError, CommandParser

from berdaya.demo.commands import DemoCommand
from berdaya.demo.outcomes import demo_has_run, demo_outcomes


class Command(DemoCommand):
    help = (
        "Buat survei hasil demo (data awal dan tindak lanjut) untuk peserta program dan warga serupa yang bukan "
        "peserta, dengan dampak simulasi yang sedang. Contoh: berdaya demo_outcomes --seed 1 --if-empty"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="benih acak: benih sama, data sama (bawaan 1)")
        parser.add_argument("--if-empty", action="store_true", help="jangan buat apa pun bila sudah ada survei hasil")

    def handle(self, *args, seed: int, if_empty: bool, **options):
        if if_empty and demo_has_run():
            self.stdout.write("Sudah ada survei hasil: data demo survei hasil tidak dibuat.")
            return
        try:
            result = demo_outcomes(seed=seed)
        except ValueError as exc:
            raise CommandError("Belum ada pengguna petugas/admin. Jalankan dulu: berdaya demo") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.surveys} survei hasil untuk {result.participants} peserta dari {result.programmes} program "
                f"dan {result.comparisons} warga pembanding; {result.graduated} peserta tercatat graduasi."
            )
        )
