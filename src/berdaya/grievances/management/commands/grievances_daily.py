from django.core.management.base import BaseCommand

from berdaya.core.dates import parse_iso_date
from berdaya.grievances import services


class Command(BaseCommand):
    help = (
        "Pemeriksaan harian pengaduan: eskalasi ke supervisor yang lewat tenggat, dan tutup tindak lanjut yang tidak "
        "ditanggapi pelapor 10 hari kerja."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tanggal", help="hari pemeriksaan (YYYY-MM-DD); bawaan: hari ini")

    def handle(self, *args, **options):
        today = parse_iso_date(options["tanggal"]) if options.get("tanggal") else None
        escalated = services.grievances_escalate_breached(today=today)
        closed = services.grievances_close_unanswered(today=today)
        self.stdout.write(f"dieskalasi: {escalated}, ditutup tanpa tanggapan: {closed}")
