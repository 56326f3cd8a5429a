from django.core.management.base import BaseCommand

from berdaya.targeting.services import welfare_compute


class Command(BaseCommand):
    help = "Hitung skor kesejahteraan dan desil semua rumah tangga (berdaya welfare compute)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("compute", help="hitung ulang skor dan desil (berbasis himpunan, satu kali jalan)")

    def handle(self, *args, action: str, **options):
        result = welfare_compute()
        self.stdout.write(
            self.style.SUCCESS(
                f"Skor kesejahteraan dihitung untuk {result['households']} rumah tangga (bobot versi {result['version']})."
            )
        )
