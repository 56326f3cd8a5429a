"""`berdaya demo_privacy --seed 1 [--if-empty]`: demo data-subject requests in three states (after `berdaya demo`)."""

from __future__ import annotations

from django.core.management.base import CommandError, CommandParser

from berdaya.demo.commands import DemoCommand
from berdaya.demo.privacy import DemoPrivacyError, demo_has_run, demo_privacy
from berdaya.privacy import choices as c


class Command(DemoCommand):
    help = (
        "Buat permintaan subjek data demo (UU PDP): satu selesai, satu sedang diproses, satu lewat tenggat 3×24 jam. "
        "Contoh: berdaya demo_privacy --seed 1 --if-empty"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="benih acak: benih sama, data sama (bawaan 1)")
        parser.add_argument(
            "--if-empty", action="store_true", help="jangan buat apa pun bila sudah ada permintaan subjek data"
        )

    def handle(self, *args, seed: int, if_empty: bool, **options):
        if if_empty and demo_has_run():
            self.stdout.write("Sudah ada permintaan subjek data: data demo PDP tidak dibuat.")
            return
        try:
            result = demo_privacy(seed=seed)
        except DemoPrivacyError as exc:
            raise CommandError(str(exc)) from exc
        states = ", ".join(
            f"{result.by_status[code]} {label.lower()}"
            for code, label in c.RequestStatus.choices
            if result.by_status[code]
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.requests} permintaan subjek data demo ({states}); {result.overdue} lewat tenggat 3×24 jam."
            )
        )
