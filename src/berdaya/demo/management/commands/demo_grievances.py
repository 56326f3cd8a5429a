"""`berdaya demo_grievances --seed 1 [--if-empty]`: demo grievances in every stage and channel (after
`berdaya demo_targeting` and `demo_musdes`: one objection is about the list in review)."""

from __future__ import annotations

from django.core.management.base import CommandError, CommandParser

from berdaya.demo.commands import DemoCommand
from berdaya.demo.grievances import DemoGrievancesError, demo_grievances, demo_has_run
from berdaya.grievances import choices as c


class Command(DemoCommand):
    help = (
        "Buat pengaduan demo lewat semua saluran (loket, formulir web, pendamping, SMS, WhatsApp) di semua tahap, "
        "sebagian tanpa nama, satu lewat tenggat, satu keberatan yang diterapkan ke daftar penetapan sasaran. "
        "Contoh: berdaya demo_grievances --seed 1 --if-empty"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="benih acak: benih sama, data sama (bawaan 1)")
        parser.add_argument("--if-empty", action="store_true", help="jangan buat apa pun bila sudah ada pengaduan")

    def handle(self, *args, seed: int, if_empty: bool, **options):
        if if_empty and demo_has_run():
            self.stdout.write("Sudah ada pengaduan: data demo pengaduan tidak dibuat.")
            return
        try:
            result = demo_grievances(seed=seed)
        except DemoGrievancesError as exc:
            raise CommandError(str(exc)) from exc
        stages = ", ".join(f"{result.by_stage[code]} {label.lower()}" for code, label in c.Stage.choices)
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.grievances} pengaduan demo ({stages}); {result.anonymous} tanpa nama, "
                f"{result.applied} keberatan diterapkan ke daftar penetapan sasaran."
            )
        )
