from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from berdaya.core.access import REGENCY_WIDE
from berdaya.targeting.services import welfare_compute


class Command(BaseCommand):
    help = "Hitung skor kesejahteraan dan desil semua rumah tangga (berdaya welfare compute)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        compute = sub.add_parser("compute", help="hitung ulang skor dan desil (berbasis himpunan, satu kali jalan)")
        compute.add_argument("--user", default="", help="nama pengguna yang menjalankan (petugas/admin)")

    def handle(self, *args, action: str, user: str = "", **options):
        User = get_user_model()
        # The service checks its actor like any other caller: the shell runs as a named user, or as the first
        # officer or admin (the audit row says who).
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"Pengguna tidak dikenal: {user}")
        else:
            actor = User.objects.filter(role__in=REGENCY_WIDE, is_active=True).order_by("id").first()
            if actor is None:
                raise CommandError("Tidak ada petugas atau admin: buat pengguna dulu atau pakai --user.")
        result = welfare_compute(actor=actor)
        self.stdout.write(
            self.style.SUCCESS(
                f"Skor kesejahteraan dihitung untuk {result['households']} rumah tangga (bobot versi {result['version']})."
            )
        )
