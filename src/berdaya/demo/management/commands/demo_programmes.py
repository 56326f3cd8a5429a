"""`berdaya demo_programmes --seed 1 [--if-empty]`: demo programmes over the demo people (after `berdaya demo`)."""

from __future__ import annotations

from django.core.management.base import CommandError, CommandParser

from berdaya.demo.commands import DemoCommand
from berdaya.demo.programmes import demo_programmes
from berdaya.programmes.models import Programme
from berdaya.registry.models import Person


class Command(DemoCommand):
    help = (
        "Buat program demo (pelatihan, sekolah lapang, hibah modal, bantuan barang, akses pasar, pelindungan PMI) "
        "beserta sesi, peserta, kehadiran, sertifikat dan bantuan, atas penduduk yang sudah ada. "
        "Contoh: berdaya demo_programmes --seed 1 --if-empty"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="benih acak: benih sama, data sama (bawaan 1)")
        parser.add_argument("--if-empty", action="store_true", help="jangan buat apa pun bila sudah ada program")

    def handle(self, *args, seed: int, if_empty: bool, **options):
        if if_empty and Programme.objects.exists():
            self.stdout.write("Sudah ada program: data demo program tidak dibuat.")
            return
        if not Person.objects.exists():
            raise CommandError("Belum ada penduduk. Jalankan dulu: berdaya demo --households 2000 --seed 1")
        try:
            result = demo_programmes(seed=seed)
        except ValueError as exc:
            raise CommandError("Belum ada pengguna petugas/admin. Jalankan dulu: berdaya demo") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.programmes} program, {result.sessions} sesi, {result.enrolments} pendaftaran peserta, "
                f"{result.attendance} catatan kehadiran, {result.certificates} sertifikat, {result.assistance} "
                f"bantuan, {result.needs} kebutuhan penduduk dibuat."
            )
        )
