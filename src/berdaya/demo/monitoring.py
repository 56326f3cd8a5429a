"""Demo indicators of the regency's monitoring framework (definitions and targets only: their values are computed),
and the analytics tables built from the demo records, so the dashboard, maps and indicators are not empty."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from berdaya.accounts.models import User
from berdaya.monitoring import refresh
from berdaya.monitoring.models import Indicator, IndicatorTarget
from berdaya.monitoring.services import snapshot_take

# (code, name, measure, unit, disaggregations, target this year, definition)
INDICATORS = [
    (
        "ikk-terjangkau",
        "Penduduk rentan terjangkau program",
        "reached",
        "orang",
        ["sex", "age_band", "disability"],
        400,
        "Jumlah penduduk yang terdaftar, aktif, atau lulus di program, atau menerima bantuan tersalur, tahun ini.",
    ),
    (
        "ikk-lulus",
        "Peserta pelatihan yang lulus",
        "completed",
        "orang",
        ["sex", "disability"],
        150,
        "Pendaftaran berstatus lulus yang berakhir tahun ini.",
    ),
    (
        "ikk-bantuan",
        "Nilai bantuan tersalur",
        "disbursed",
        "Rp",
        ["district"],
        250_000_000,
        "Nilai bantuan berstatus disalurkan atau diterima tahun ini.",
    ),
    (
        "ikk-disabilitas",
        "Persentase kelompok rentan yang terjangkau",
        "reached_share",
        "%",
        ["group"],
        20,
        "Penduduk rentan terjangkau dibagi penduduk rentan terdaftar.",
    ),
]


def build(*, stdout=None) -> None:
    admin = User.objects.filter(is_active=True, role=User.Role.ADMIN).order_by("pk").first()
    admin = admin or User.objects.filter(is_superuser=True).order_by("pk").first()
    done = refresh.rebuild()
    if stdout is not None:
        stdout.write(f"Data analitik dasbor dibangun: {done.rows} baris ({done.seconds} detik).")
    if admin is None or Indicator.objects.exists():
        return
    year = timezone.localdate().year
    for code, name, measure, unit, dims, target, definition in INDICATORS:
        indicator = Indicator.objects.create(
            code=code,
            name=name,
            measure=measure,
            unit=unit,
            disaggregations=dims,
            definition=definition,
            source="Berdaya (registri dan program)",
            created_by=admin,
        )
        IndicatorTarget.objects.create(indicator=indicator, year=year, target=Decimal(target))
        snapshot_take(actor=None, indicator=indicator, check=False)
