"""`berdaya demo_musdes --seed 1 [--if-empty]`: demo village consultations of the targeting list in review (after
`berdaya demo_targeting`)."""

from __future__ import annotations

from django.core.management.base import CommandError, CommandParser

from berdaya.demo.commands import DemoCommand
from berdaya.demo.musdes import DemoMusdesError, demo_has_run, demo_musdes


class Command(DemoCommand):
    help = (
        "Buat musyawarah desa demo atas daftar penetapan sasaran yang sedang ditinjau: satu sudah diadakan dan "
        "diterapkan (peserta, keputusan, berita acara), satu direncanakan. Contoh: berdaya demo_musdes --seed 1 "
        "--if-empty"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="benih acak: benih sama, data sama (bawaan 1)")
        parser.add_argument("--if-empty", action="store_true", help="jangan buat apa pun bila sudah ada musyawarah")

    def handle(self, *args, seed: int, if_empty: bool, **options):
        if if_empty and demo_has_run():
            self.stdout.write("Sudah ada musyawarah desa: data demo musdes tidak dibuat.")
            return
        try:
            result = demo_musdes(seed=seed)
        except DemoMusdesError as exc:
            raise CommandError(str(exc)) from exc
        if not result.meetings:
            self.stdout.write("Belum ada daftar penetapan sasaran yang ditinjau: musyawarah desa demo tidak dibuat.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.meetings} musyawarah desa demo; di {result.village} hasilnya diterapkan: "
                f"{result.agreed} disepakati, {result.removed} dicoret, {result.added} ditambahkan."
            )
        )
