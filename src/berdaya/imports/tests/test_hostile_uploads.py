"""Uploads built to exhaust the server (issue #13.2): a tiny workbook declaring a huge range, a binary file named
.csv, and millions of garbage rows under a valid header."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from berdaya.imports import checks
from berdaya.imports.columns import TEMPLATE_HEADERS
from berdaya.imports.models import ImportRun
from berdaya.imports.pipeline import import_households
from berdaya.markets.models import PriceObservation

pytestmark = pytest.mark.django_db

PEAK_BOUND = 4 << 20

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def crafted_xlsx(last_cell: str, *, dimension: str | None = None) -> bytes:
    """A workbook of a few hundred bytes: a header cell in A1 and one cell at `last_cell`, the sheet declaring the
    range up to it (or `dimension`, a lie)."""
    row = "".join(ch for ch in last_cell if ch.isdigit())
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        f'2006/main"><dimension ref="{dimension or "A1:" + last_cell}"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>tanggal</t></is></c></row>'
        f'<row r="{row}"><c r="{last_cell}" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


def _upload_import(client, name: str, content: bytes):
    return client.post(reverse("imports:index"), {"file": SimpleUploadedFile(name, content)})


def _upload_prices(client, name: str, content: bytes):
    return client.post(reverse("markets:observation_upload"), {"file": SimpleUploadedFile(name, content)})


@pytest.mark.parametrize("last_cell", ["XFD1048576", "AZ2000000"])
def test_a_tiny_workbook_with_a_huge_range_is_refused_on_both_upload_pages(
    client, officer, partner, settings, tmp_path, last_cell
):
    settings.MEDIA_ROOT = tmp_path / "media"
    content = crafted_xlsx(last_cell)
    assert len(content) < 2000
    tracemalloc.start()
    try:
        client.force_login(officer)
        page = _upload_import(client, "keluarga.xlsx", content).content.decode()
        client.force_login(partner)  # any role that may upload prices
        prices = _upload_prices(client, "harga.xlsx", content).content.decode()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "menyatakan rentang sampai sel" in page and last_cell in page
    assert "menyatakan rentang sampai sel" in prices and last_cell in prices
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED and not PriceObservation.objects.exists()
    assert peak < 30 << 20


READ_UNDER_LIMIT = r"""
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
import django
django.setup()
from berdaya.core.spreadsheet import FileInfo, ImportFileError, read_rows
info = FileInfo()
try:
    rows = sum(1 for _row in read_rows(sys.argv[1], info))
except ImportFileError as exc:
    print("refused:", exc)
else:
    print("rows:", rows, "columns:", len(info.headers))
"""


@pytest.mark.parametrize(
    ("last_cell", "dimension", "outcome"),
    [
        ("XFD1048576", None, "refused: "),
        ("AZ2000000", None, "refused: "),
        # The sheet lies about its range: the cell far away is still never built into a dense table.
        ("XFD1048576", "A1:A1", "rows: 0 columns: 1"),
    ],
)
def test_reading_a_crafted_workbook_stays_within_a_memory_limit(tmp_path, last_cell, dimension, outcome):
    path = tmp_path / "crafted.xlsx"
    path.write_bytes(crafted_xlsx(last_cell, dimension=dimension))
    src = str(Path(__file__).resolve().parents[3])
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", READ_UNDER_LIMIT, str(path)],
        env={**os.environ, "PYTHONPATH": src, "DJANGO_SETTINGS_MODULE": "berdaya.settings"},
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert done.stdout.decode().strip().startswith(outcome)


def test_a_binary_file_named_csv_gets_a_clear_message(client, officer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    content = bytes(range(256)) * 64 + b"\x00\x01\x02" * 1000  # a program or image, no lines of text
    client.force_login(officer)
    response = _upload_import(client, "data.csv", content)
    assert response.status_code == 200 and "bukan file CSV (teks) atau XLSX" in response.content.decode()
    prices = _upload_prices(client, "harga.csv", content)
    assert prices.status_code == 200 and "bukan file CSV (teks) atau XLSX" in prices.content.decode()


def _garbage_check(path: Path, officer) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = import_households(path=path, actor=officer, dry_run=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak


def test_garbage_rows_under_a_valid_header_keep_memory_flat(officer, tmp_path, monkeypatch):
    """The caps are lowered so that a quick test shows what millions of rows would do at the real ones."""
    monkeypatch.setattr(checks, "ERRORS_KEPT", 100)
    monkeypatch.setattr(checks, "DISTINCT_BATCH", 200)
    rows = 1500
    path = tmp_path / "sampah.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(",".join(TEMPLATE_HEADERS) + "\n")
        for i in range(rows):
            fh.write(",".join(f"sampah {i} {j}" for j in range(len(TEMPLATE_HEADERS))) + "\n")
    result, peak = _garbage_check(path, officer)
    print("peak", peak)
    assert result.invalid == rows and len(result.errors) == 100 and result.errors_more == rows - 100
    assert result.as_dict()["errors_more"] == rows - 100
    # Every garbage row has about 35 messages: keeping them all, or converting every distinct value at once,
    # takes several times this bound at this size (about 19 MB).
    assert peak < PEAK_BOUND, peak
