"""The checks of one survey's values, written once: the web form, the ODK handler and the file import all call
`survey_errors` before anything is written, so a value is refused with the same Indonesian message wherever it
comes from. Checks that need the database (scope, enrolment, duplicates) are the services' and the importer's,
done set-wise for a file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from . import choices as c

EARLIEST = dt.date(2000, 1, 1)
MAX_RUPIAH = 10_000_000_000  # ten billion a month: anything above is a typing slip


def survey_errors(data: dict[str, Any], *, today: dt.date) -> dict[str, list[str]]:
    """Errors by field name (empty when the values may be saved). `data` holds typed values."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    round_ = data.get("round")
    if round_ not in c.Round.values:
        add("round", _("Pilih putaran survei: data awal, tindak lanjut, atau sewaktu-waktu."))
    month = data.get("round_month") or 0
    if round_ == c.Round.FOLLOW_UP:
        # A follow-up without a programme is a comparison person's, counted in months from their own baseline.
        if not 1 <= month <= 120:
            add("round_month", _("Tindak lanjut bulan ke berapa? Isi 1 sampai 120."))
    elif round_ == c.Round.BASELINE and month:
        add("round_month", _("Data awal (baseline) tidak memakai bulan ke-; kosongkan."))
    date = data.get("interview_date")
    if date is None:
        add("interview_date", _("Isi tanggal wawancara."))
    elif date > today:
        add("interview_date", _("Tanggal wawancara tidak boleh di masa depan."))
    elif date < EARLIEST:
        add("interview_date", _("Tanggal wawancara terlalu lama (sebelum tahun 2000)."))
    size = data.get("household_size")
    if size is None or not 1 <= size <= 30:
        add("household_size", _("Jumlah anggota rumah tangga harus 1 sampai 30."))
    for name in (*c.INCOME_FIELDS, "savings"):
        value = data.get(name) or 0
        if value < 0:
            add(name, _("Tidak boleh negatif."))
        elif value > MAX_RUPIAH:
            add(name, _("Terlalu besar untuk sebulan; periksa jumlah nol."))
    hours = data.get("hours_worked")
    if hours is not None:
        if not data.get("employed"):
            add("hours_worked", _("Jam kerja hanya diisi bila bekerja dalam seminggu terakhir."))
        elif not 0 <= hours <= 112:
            add("hours_worked", _("Jam kerja seminggu harus 0 sampai 112."))
    has_yield = data.get("yield_kg") is not None
    if (has_yield or data.get("area_ha") is not None or data.get("price_obtained") is not None) and data.get(
        "commodity"
    ) is None:
        add("commodity", _("Pilih komoditas utama untuk hasil panen dan harga jual."))
    if has_yield:
        if data["yield_kg"] < 0:
            add("yield_kg", _("Hasil panen tidak boleh negatif."))
        area = data.get("area_ha")
        if area is None or area <= Decimal("0"):
            add("area_ha", _("Isi luas yang dipanen (ha, lebih dari 0) untuk menghitung hasil per hektar."))
        elif area > 1000:
            add("area_ha", _("Luas panen lebih dari 1.000 ha; periksa angkanya."))
    price = data.get("price_obtained")
    if price is not None and price <= 0:
        add("price_obtained", _("Harga jual harus lebih dari 0."))
    wellbeing = data.get("wellbeing")
    if wellbeing is None or not c.WELLBEING_MIN <= wellbeing <= c.WELLBEING_MAX:
        add("wellbeing", _("Tangga kesejahteraan diisi 0 sampai 10."))
    return errors
