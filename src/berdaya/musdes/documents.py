"""The files the village consultation produces: the notice-board list as PDF (WeasyPrint, from a template) and the
proposal file for SIKS-NG (CSV or XLSX, columns from the editable ExportColumn layout). Every file is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.audit import audit
from berdaya.core.spreadsheet import csv_stream, xlsx_bytes

from . import access, selectors
from .models import Meeting


def notice_html(*, actor: User, meeting: Meeting) -> str:
    """The notice board list as HTML (the PDF's source)."""
    access.ensure_can_prepare(actor, meeting)
    rows = selectors.notice_rows(actor=actor, meeting=meeting)
    return render_to_string(
        "musdes/notice.html",
        {"meeting": meeting, "rows": rows, "village": meeting.village, "printed": timezone.localdate()},
    )


def notice_document(*, actor: User, meeting: Meeting) -> Any:
    """The rendered WeasyPrint document (its pages can be read back: the tests check the text)."""
    from weasyprint import HTML

    return HTML(string=notice_html(actor=actor, meeting=meeting)).render()


def notice_pdf(*, actor: User, meeting: Meeting) -> bytes:
    pdf = notice_document(actor=actor, meeting=meeting).write_pdf()
    audit(actor=actor, action="export", obj=meeting, event="musdes.notice_pdf", format="pdf")
    return pdf


def document_text(document: Any) -> str:
    """The text laid out on a WeasyPrint document's pages, in reading order (for checks, not for display)."""
    parts: list[str] = []

    def walk(box: Any) -> None:
        text = getattr(box, "text", None)
        if isinstance(text, str):
            parts.append(text)
        for child in getattr(box, "children", ()) or ():
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return " ".join(parts)


def proposal_file(*, actor: User, village_code: str, month: dt.date, fmt: str) -> tuple[str, str, Any]:
    """(file name, content type, content) of the SIKS-NG proposal for a village and month: the outcome of its
    applied meetings, a row per person, plus (XLSX) a sheet with the minutes of each meeting."""
    meetings = selectors.proposal_meetings(actor=actor, village_code=village_code, month=month)
    columns = selectors.export_columns()
    header = [col.header for col in columns]
    count = selectors.proposal_rows_count(actor=actor, meetings=meetings)
    audit(
        actor=actor,
        action="export",
        object_type="musdes.meetingdecision",
        event="musdes.siksng",
        village=village_code,
        month=month.strftime("%Y-%m"),
        format=fmt,
        rows=count,
        meetings=list(meetings.values_list("pk", flat=True)),
    )
    name = f"usulan-siksng-{village_code.replace('.', '')}-{month:%Y-%m}"
    rows = selectors.proposal_rows(actor=actor, meetings=meetings, columns=columns)
    text_columns = [col.header for col in columns if col.source in {"nik", "kk_number", "village_code"}]
    if fmt == "xlsx":
        minutes = [
            [
                m.pk,
                m.village_id,
                m.village.name,
                m.date,
                m.place,
                m.minutes_number,
                m.men,
                m.women,
                m.men_disability,
                m.women_disability,
                m.objection_until,
                "; ".join(d.title for d in m.documents.all()),
            ]
            for m in meetings.select_related("village").prefetch_related("documents")
        ]
        minutes_header = [
            _("id musdes"),
            _("kode desa"),
            _("desa"),
            _("tanggal"),
            _("tempat"),
            _("nomor berita acara"),
            _("peserta laki-laki"),
            _("peserta perempuan"),
            _("laki-laki penyandang disabilitas"),
            _("perempuan penyandang disabilitas"),
            _("batas masa sanggah"),
            _("dokumen berita acara"),
        ]
        content = xlsx_bytes(
            [(_("Usulan"), header, rows), (_("Berita acara"), minutes_header, minutes)], text_columns=text_columns
        )
        return f"{name}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", content
    return f"{name}.csv", "text/csv; charset=utf-8", csv_stream(header, rows)
