"""`berdaya markets_weekly [--week YYYY-MM-DD] [--send]`: the weekly routine: bulletins (regency and each district
with prices), price-move alerts, and optionally queue the bulletins to subscribers. The scheduler runs the same
routine every Monday (markets.weekly, berdaya scheduler)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from berdaya.accounts.models import User
from berdaya.markets import services


class Command(BaseCommand):
    help = "Buat buletin harga mingguan dan peringatan perubahan harga; --send memasukkannya ke kotak keluar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--week", help="Senin minggu buletin (bawaan: minggu lalu)")
        parser.add_argument("--send", action="store_true")

    def handle(self, *args, week: str | None, send: bool, **options):
        actor = (
            User.objects.filter(role=User.Role.ADMIN).order_by("id").first()
            or User.objects.filter(is_superuser=True).first()
        )
        if actor is None:
            raise CommandError("Belum ada pengguna admin.")
        start = dt.date.fromisoformat(week) if week else None
        result = services.weekly_routine(actor=actor, week_start=start, send=send)
        self.stdout.write(self.style.SUCCESS(f"{result['bulletins']} buletin, {result['alerts']} peringatan harga."))
