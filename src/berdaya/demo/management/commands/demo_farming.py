"""`berdaya demo_farming --seed 1 [--if-empty]`: demo plots, harvests and sales for the demo smallholders."""

from __future__ import annotations

from django.core.management.base import CommandError, CommandParser

from berdaya.demo.commands import DemoCommand
from berdaya.demo.farming import demo_farming
from berdaya.farming.models import Plot
from berdaya.registry.models import Person


class Command(DemoCommand):
    help = (
        "Buat data petani demo: lahan, panen dan penjualan untuk petani kecil dari `berdaya demo`, sebagian sebelum "
        "dan sebagian sesudah pelatihan. Jalankan setelah demo_programmes dan demo_markets. "
        "Contoh: berdaya demo_farming --seed 1 --if-empty"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="benih acak: benih sama, data sama (bawaan 1)")
        parser.add_argument("--if-empty", action="store_true", help="jangan buat apa pun bila sudah ada lahan")
        parser.add_argument("--farmers", type=int, default=400, help="jumlah petani paling banyak (bawaan 400)")

    def handle(self, *args, seed: int, if_empty: bool, farmers: int, **options):
        if if_empty and Plot.objects.exists():
            self.stdout.write("Sudah ada data lahan: data demo petani tidak dibuat.")
            return
        if not Person.objects.exists():
            raise CommandError("Belum ada penduduk. Jalankan dulu: berdaya demo --households 2000 --seed 1")
        r = demo_farming(seed=seed, limit=farmers)
        self.stdout.write(
            self.style.SUCCESS(
                f"{r['farmers']} petani ({r['trained']} lulusan pelatihan), {r['plots']} lahan, {r['harvests']} panen, "
                f"{r['sales']} penjualan, {r['group_profiles']} profil kelompok tani dibuat."
            )
        )
