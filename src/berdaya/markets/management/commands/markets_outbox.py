"""`berdaya markets_outbox [--background]`: send the queued SMS/WhatsApp messages that are due, with retries."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from berdaya.jobs.services import job_start
from berdaya.markets.services import outbox_process


class Command(BaseCommand):
    help = "Kirim pesan kotak keluar (buletin dan peringatan harga) yang sudah waktunya; gagal dicoba ulang."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--background", action="store_true", help="jalankan sebagai tugas latar (berdaya.jobs)")

    def handle(self, *args, background: bool, **options):
        if background:
            job = job_start(
                actor=None,
                kind="markets.outbox",
                handler="berdaya.markets.services.outbox_job",
                title="Kirim kotak keluar",
            )
            self.stdout.write(f"Tugas #{job.pk} dijadwalkan.")
            return
        counts = outbox_process()
        self.stdout.write(
            self.style.SUCCESS(
                f"{counts['sent']} terkirim, {counts['retry']} dicoba ulang nanti, {counts['failed']} gagal permanen."
            )
        )
