"""The two files of a report: a PDF (WeasyPrint, from a template, the charts and maps inline as SVG) and an XLSX
(the same tables, one sheet per section, written with XlsxWriter through core.spreadsheet, formula-safe)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from berdaya.core.spreadsheet import xlsx_bytes

from .content import Content

SHEETS = {
    "summary": "Angka utama",
    "groups": "Kelompok rentan",
    "sex_disability": "Jenis kelamin & disabilitas",
    "districts": "Kecamatan",
    "enrolments": "Pendaftaran",
    "money": "Bantuan & anggaran",
    "indicators": "Indikator",
    "cases": "Kasus migran",
    "prices": "Harga",
    "impact": "Dampak",
}


def report_html(content: Content) -> str:
    return render_to_string("reports/report_pdf.html", {"content": content})


def report_document(content: Content) -> Any:
    """The rendered WeasyPrint document (its pages can be counted and read back in tests)."""
    from weasyprint import HTML

    return HTML(string=report_html(content)).render()


def report_pdf(content: Content) -> bytes:
    return report_document(content).write_pdf()


def _when(value: Any) -> str:
    """A moment as the report's reader reads it: in the deployment's time zone (TIME_ZONE, WIB for Merangin), as the
    web page and the PDF's template write it; the database holds it in UTC."""
    if not value:
        return "–"
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATETIME_FORMAT")


def report_xlsx(content: Content) -> bytes:
    about = [
        [_("Judul"), content.title],
        [_("Periode"), content.period],
        [_("Cakupan"), content.scope_note],
        [_("Data per"), _when(content.data_as_of)],
        [_("Dibuat"), _when(content.generated_at)],
    ]
    if content.subtitle:
        about.insert(1, [_("Penyelenggara"), content.subtitle])
    sheets: list[tuple[str, list[str], list[list[Any]]]] = [(_("Keterangan"), [_("Butir"), _("Isi")], about)]
    for index, section in enumerate(content.sections, start=1):
        name = f"{index}. {SHEETS.get(section.key, section.key)}"[:31]
        rows = list(section.rows)
        if section.note:
            rows = [*rows, [], [section.note]]
        sheets.append((name, section.header, rows))
    return xlsx_bytes(sheets)
