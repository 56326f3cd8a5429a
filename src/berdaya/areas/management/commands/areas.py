from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from berdaya.areas.services import ATTRIBUTION, UnknownRegency, areas_load


class Command(BaseCommand):
    help = "Muat wilayah resmi (provinsi, kabupaten, kecamatan, desa). Contoh: berdaya areas load --regency 15.02"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="muat atau perbarui wilayah (idempoten)")
        load.add_argument(
            "--regency",
            action="append",
            dest="regencies",
            help="kode kabupaten/kota yang desanya dimuat (bisa diulang); bawaan: BERDAYA_REGENCY atau 15.02",
        )

    def handle(self, *args, action: str, regencies: list[str] | None = None, **options):
        codes = regencies or [settings.BERDAYA["DEFAULT_REGENCY"]]
        try:
            result = areas_load(regency_codes=codes)
        except UnknownRegency as exc:
            raise CommandError(f"Kode kabupaten/kota tidak dikenal: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Wilayah dimuat: {result.provinces} provinsi, {result.regencies} kabupaten/kota, "
                f"{result.districts} kecamatan, {result.villages} desa/kelurahan ({', '.join(codes)})."
            )
        )
        self.stdout.write(ATTRIBUTION)
