"""`berdaya markets_weekly [--week YYYY-MM-DD] [--send]`: the weekly routine: bulletins (regency and each district
with prices), price-move alerts, and optionally queue the bulletins to subscribers."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from berdaya.accounts.models import User
from berdaya.areas.models import District
from berdaya.core.dates import monday_of
from berdaya.markets import selectors, services


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
        today = timezone.localdate()
        start = dt.date.fromisoformat(week) if week else monday_of(today) - dt.timedelta(weeks=1)
        districts = District.objects.filter(
            pk__in=selectors.counted().filter(week=selectors.iso_week(start)).values("district")
        )
        made = 0
        for district in [None, *districts]:
            try:
                bulletin = services.bulletin_generate(actor=actor, week_start=start, district=district)
            except ValidationError:
                continue
            made += 1
            if send:
                services.bulletin_send(actor=actor, bulletin=bulletin)
        alerts = services.alerts_compute(week_start=start)
        self.stdout.write(self.style.SUCCESS(f"{made} buletin, {len(alerts)} peringatan harga."))
