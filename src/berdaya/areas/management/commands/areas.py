from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from berdaya.areas.boundaries import BoundaryFileError
from berdaya.areas.services import ATTRIBUTION, UnknownRegency, VillagesNotLoaded, areas_load, boundaries_load
from berdaya.core.conf import conf


class Command(BaseCommand):
    help = (
        "Muat wilayah resmi (provinsi, kabupaten, kecamatan, desa). Contoh: berdaya areas load --regency 15.02; "
        "dengan batas wilayah: berdaya areas load --regency 15.01 --boundaries kerinci.geojson"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="muat atau perbarui wilayah (idempoten)")
        load.add_argument(
            "--regency",
            action="append",
            dest="regencies",
            help="kode kabupaten/kota yang desanya dimuat (bisa diulang); bawaan: BERDAYA_REGENCY atau 15.02",
        )
        load.add_argument(
            "--boundaries",
            type=Path,
            default=None,
            help="berkas GeoJSON batas kecamatan dan/atau desa dengan kode Kemendagri (untuk satu --regency); "
            "titik tengah desa dihitung dari batasnya",
        )

    def handle(self, *args, action: str, regencies: list[str] | None = None, boundaries: Path | None, **options):
        codes = regencies or [conf().default_regency]
        if boundaries is not None and len(codes) != 1:
            raise CommandError("--boundaries berlaku untuk satu kabupaten/kota: sebutkan tepat satu --regency.")
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
        if boundaries is not None:
            try:
                loaded = boundaries_load(path=boundaries, regency_code=codes[0])
            except (BoundaryFileError, VillagesNotLoaded) as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                self.style.SUCCESS(
                    f"Batas wilayah dimuat: {loaded.districts} kecamatan, {loaded.villages} desa/kelurahan; "
                    f"titik tengah {loaded.centres} desa/kelurahan."
                )
            )
            if loaded.missing:
                self.stdout.write(
                    self.style.WARNING(
                        f"{loaded.missing} desa/kelurahan tidak punya batas di berkas ini: tanpa peta dan jarak."
                    )
                )
            if loaded.skipped:
                self.stdout.write(f"{loaded.skipped} fitur dilewati (tanpa kode Kemendagri atau bukan poligon).")
        self.stdout.write(ATTRIBUTION)
