"""`berdaya demo_targeting --seed 1 [--if-empty]`: demo eligibility rules and targeting runs for the demo
programmes (after `berdaya demo`, `demo_programmes`, `demo_migration` and `berdaya welfare compute`)."""

from __future__ import annotations

from django.core.management.base import CommandError, CommandParser

from berdaya.demo.commands import DemoCommand
from berdaya.demo.targeting import DemoTargetingError, demo_targeting
from berdaya.targeting.models import RuleSet


def _n(value: int | None) -> str:
    return f"{value or 0:,}".replace(",", ".")


class Command(DemoCommand):
    help = (
        "Buat aturan kelayakan demo untuk program demo (petani kecil, alat bantu disabilitas, purna PMI), jalankan "
        "penetapan sasaran: satu daftar menunggu tinjauan, satu disetujui menjadi usulan peserta. "
        "Contoh: berdaya demo_targeting --seed 1 --if-empty"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="benih acak: benih sama, data sama (bawaan 1)")
        parser.add_argument("--if-empty", action="store_true", help="jangan buat apa pun bila sudah ada aturan")

    def handle(self, *args, seed: int, if_empty: bool, **options):
        if if_empty and RuleSet.objects.exists():
            self.stdout.write("Sudah ada aturan kelayakan: data demo penetapan sasaran tidak dibuat.")
            return
        try:
            result = demo_targeting(seed=seed)
        except DemoTargetingError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{result.rulesets} aturan kelayakan demo dibuat."))
        for run in result.runs:
            line = (
                f"  Proses #{run['run']} · {run['programme']}: {_n(run['eligible'])} memenuhi syarat, "
                f"{_n(run['selected'])} terpilih, {_n(run['near_miss'])} hampir memenuhi"
            )
            if run["proposed"] is None:
                line += f"; {run['excluded']} dikecualikan petugas, menunggu persetujuan."
            else:
                line += f"; disetujui, {_n(run['proposed'])} usulan peserta program."
            self.stdout.write(line)
