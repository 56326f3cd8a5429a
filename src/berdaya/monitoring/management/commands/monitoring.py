"""`berdaya monitoring refresh` rebuilds the dashboard's analytics tables now; `berdaya monitoring snapshot` takes
this month's snapshot of every active indicator (the scheduled jobs do both by themselves)."""

from django.core.management.base import BaseCommand

from berdaya.monitoring import refresh
from berdaya.monitoring.models import Indicator
from berdaya.monitoring.services import snapshot_take


class Command(BaseCommand):
    help = "Data analitik dasbor: refresh (bangun ulang tabel agregat) atau snapshot (potret indikator bulan ini)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["refresh", "snapshot"])

    def handle(self, *args, action: str, **options):
        if action == "refresh":
            done = refresh.rebuild()
            self.stdout.write(f"Data analitik dibangun ulang: {done.rows} baris dalam {done.seconds} detik.")
            return
        count = 0
        for indicator in Indicator.objects.filter(is_active=True):
            snapshot_take(actor=None, indicator=indicator, check=False)
            count += 1
        self.stdout.write(f"{count} potret indikator disimpan.")
