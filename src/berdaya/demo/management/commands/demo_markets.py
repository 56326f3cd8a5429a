"""`berdaya demo_markets --seed 1 [--if-empty]`: demo price points, weekly prices, buyers and subscribers."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from berdaya.accounts.models import User
from berdaya.core.access import REGENCY_WIDE
from berdaya.demo.commands import DemoCommand
from berdaya.demo.markets import demo_markets
from berdaya.markets import services
from berdaya.markets.models import PriceObservation


class Command(DemoCommand):
    help = (
        "Buat data harga demo: titik harga, harga mingguan 104 minggu (karet, TBS, kopi, kayu manis, padi, beras, "
        "cabai), pembeli dan penawarannya, serta penerima buletin. Contoh: berdaya demo_markets --seed 1 --if-empty"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="benih acak: benih sama, data sama (bawaan 1)")
        parser.add_argument("--if-empty", action="store_true", help="jangan buat apa pun bila sudah ada harga")

    def handle(self, *args, seed: int, if_empty: bool, **options):
        if if_empty and PriceObservation.objects.exists():
            self.stdout.write("Sudah ada data harga: data demo harga tidak dibuat.")
            return
        result = demo_markets(seed=seed)
        if not result["points"]:
            raise CommandError("Desa/kelurahan kabupaten ini belum dimuat. Jalankan dulu: berdaya areas load")
        self._bulletin()
        self.stdout.write(
            self.style.SUCCESS(
                f"{result['points']} titik harga, {result['observations']} pengamatan harga, {result['offers']} "
                f"penawaran pembeli, {result['subscribers']} penerima buletin dibuat."
            )
        )

    def _bulletin(self) -> None:
        actor = (
            User.objects.filter(role__in=REGENCY_WIDE).order_by("id").first()
            or User.objects.filter(is_superuser=True).first()
        )
        if actor is None:
            return
        today = timezone.localdate()
        last_week = today - dt.timedelta(days=today.weekday() + 7)
        try:
            bulletin = services.bulletin_generate(actor=actor, week_start=last_week)
        except Exception as exc:  # a demo without a complete week still succeeds
            self.stdout.write(f"Buletin demo tidak dibuat: {exc}")
            return
        services.alerts_compute(week_start=last_week)
        self.stdout.write(
            f"Buletin minggu {bulletin.week_start:%d-%m-%Y} dibuat ({len(bulletin.sms_parts)} bagian SMS)."
        )
