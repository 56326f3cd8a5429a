"""Spreadsheets in and out, safely: neutralise formulas in cells, stream CSV, write XLSX in constant memory; read the
CSV and XLSX files people upload (any encoding Indonesian offices produce, absurd workbooks refused) as a stream.

A cell that starts with = + - @ (or tab / carriage return) is run as a formula by Excel and LibreOffice
("CSV injection", e.g. =HYPERLINK(...) leaking data). An apostrophe before it makes it plain text. The same goes
for a formula after a separator (";=1+1"), because a spreadsheet may split the cell there.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from django.utils.translation import gettext as _

# (spreadsheet row number, values) of each data row, streamed; a generator, so a reader can be closed early.
RowStream = Generator[tuple[int, list[Any]], None, None]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A formula start at the beginning of the cell or right after a character that some spreadsheet splits cells on
# (spaces or double quotes between): Excel in an Indonesian (or any comma-decimal) locale splits CSV on ";", other
# tools on tabs or "|", and a reader that ignores quotes turns ";=1+1" into a cell "=1+1". The apostrophe goes right
# before the formula start, so no piece a naive split can produce starts a formula. An apostrophe already there
# stops the match, which makes neutralising idempotent (exported rows may pass through here twice).
_FORMULA_START = re.compile(r"(?:^|(?<=[,;\t|\r\n]))([ \"]*)(?=[=+\-@])")
# "+6281234567890": a plus and digits only is a phone number in E.164, not a formula.
PLUS_NUMBER = re.compile(r"\+[0-9]{1,15}")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would evaluate gets an apostrophe before each formula start, at the beginning of the
    cell or after a separator (";=1+1" becomes ";'=1+1"); numbers, dates and E.164 phone numbers pass unchanged.
    Applying it again changes nothing. CSV output also quotes every cell (csv_stream), so a separator inside a cell
    never splits it in a reader that honours quotes."""
    if not isinstance(value, str) or PLUS_NUMBER.fullmatch(value):
        return value
    if value.startswith(("\t", "\r")):
        value = "'" + value
    return _FORMULA_START.sub(r"\1'", value)


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float):
        return str(value)
    return str(safe_cell(str(value)))


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = True) -> Iterator[bytes]:
    """Yield a CSV file piece by piece (for StreamingHttpResponse). The BOM makes Excel read UTF-8 correctly."""
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)
    if bom:
        yield "\ufeff".encode()
    yield writer.writerow([_csv_text(h) for h in header]).encode()
    batch: list[str] = []
    for row in rows:
        batch.append(writer.writerow([_csv_text(v) for v in row]))
        if len(batch) >= 1000:
            yield "".join(batch).encode()
            batch.clear()
    if batch:
        yield "".join(batch).encode()


def write_xlsx(
    target: Any,
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]],
    *,
    text_columns: Iterable[str] = (),
) -> int:
    """Write one or more sheets with XlsxWriter in constant-memory mode. Returns the rows written to the first sheet.

    `target` is a path or a binary file object. Columns named in `text_columns` (NIK, KK) are formatted as text
    so that Excel does not turn them into numbers when a user types into them.
    """
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        target,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "in_memory": False},
    )
    bold = workbook.add_format({"bold": True, "bg_color": "#E8F1EC"})
    text = workbook.add_format({"num_format": "@"})
    date_fmt = workbook.add_format({"num_format": "dd/mm/yyyy"})
    text_columns = set(text_columns)
    first_count = 0
    for index, (name, header, rows) in enumerate(sheets):
        sheet = workbook.add_worksheet(name[:31])
        for col, title in enumerate(header):
            sheet.write_string(0, col, str(title), bold)
            sheet.set_column(col, col, max(12, min(len(str(title)) + 2, 40)), text if title in text_columns else None)
        sheet.freeze_panes(1, 0)
        count = 0
        for r, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, bool):
                    sheet.write_string(r, col, "ya" if value else "tidak")
                elif isinstance(value, dt.datetime):
                    sheet.write_string(r, col, value.isoformat(sep=" ", timespec="seconds"))
                elif isinstance(value, dt.date):
                    sheet.write_datetime(r, col, dt.datetime(value.year, value.month, value.day), date_fmt)
                elif isinstance(value, int | float | Decimal):
                    sheet.write_number(r, col, float(value))
                else:
                    # write_string never interprets the value; the apostrophe still protects a later CSV re-save.
                    sheet.write_string(r, col, safe_cell(str(value)))
            count += 1
        if index == 0:
            first_count = count
    workbook.close()
    return first_count


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]], **kwargs: Any) -> bytes:
    buffer = io.BytesIO()
    import xlsxwriter  # noqa: F401  (fail early with a clear ImportError)

    write_xlsx(buffer, sheets, **kwargs)
    return buffer.getvalue()


# --- reading uploaded spreadsheets safely -----------------------------------------------------------------------
# A workbook is a zip of XML: a 1.6 KB file can declare a cell at XFD1048576, and a reader that builds the sheet's
# range as one dense table (python-calamine does) then asks for 512 GB. Uploaded workbooks are inspected before
# anything reads them, and rows are streamed (openpyxl read-only) with the columns capped.
MAX_XLSX_COLUMNS = 500
MAX_XLSX_ROWS = 1_048_576  # Excel's own limit
MAX_XLSX_UNCOMPRESSED = 4 << 30
MAX_XLSX_RATIO = 200  # uncompressed / compressed; a real workbook is 5 to 30
MAX_SHARED_STRINGS = 512 << 20  # openpyxl keeps the shared strings in memory

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="\$?([A-Z]{1,3})\$?(\d{1,7})(?::\$?([A-Z]{1,3})\$?(\d{1,7}))?"')


class UnsafeSpreadsheet(ValueError):
    """The workbook is refused before reading: it is not a workbook, or it declares an absurd size."""


def column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def check_xlsx(path: Any, *, max_rows: int = MAX_XLSX_ROWS, max_columns: int = MAX_XLSX_COLUMNS) -> None:
    """Refuse a workbook whose sizes are absurd, from its zip directory and each sheet's <dimension>, without
    decompressing more than the start of each sheet."""
    import zipfile

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnsafeSpreadsheet(_("File XLSX tidak bisa dibaca: bukan buku kerja Excel yang utuh.")) from exc
    with archive:
        members = archive.infolist()
        unpacked = sum(m.file_size for m in members)
        packed = max(sum(m.compress_size for m in members), 1)
        if unpacked > MAX_XLSX_UNCOMPRESSED or unpacked / packed > MAX_XLSX_RATIO:
            raise UnsafeSpreadsheet(
                _(
                    "File XLSX ini mengembang menjadi %(mb)s MB saat dibuka (%(ratio)s kali ukurannya): terlalu "
                    "besar untuk dibaca. Simpan ulang datanya saja sebagai CSV atau XLSX baru."
                )
                % {"mb": f"{unpacked / (1 << 20):,.0f}", "ratio": f"{unpacked / packed:,.0f}"}
            )
        for member in members:
            name = member.filename.lower()
            if name.endswith("sharedstrings.xml") and member.file_size > MAX_SHARED_STRINGS:
                raise UnsafeSpreadsheet(_("Teks di file XLSX ini terlalu besar untuk dibaca."))
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            with archive.open(member) as fh:
                head = fh.read(64 << 10)
            match = _DIMENSION.search(head)
            if match is None:
                continue
            last_col, last_row = (match.group(3), match.group(4)) if match.group(3) else match.group(1, 2)
            rows, columns = int(last_row), column_number(last_col.decode())
            if rows > max_rows or columns > max_columns:
                raise UnsafeSpreadsheet(
                    _(
                        "Lembar di file XLSX ini menyatakan rentang sampai sel %(cell)s (%(rows)s baris, "
                        "%(cols)s kolom). Batasnya %(max_rows)s baris dan %(max_cols)s kolom: hapus baris dan kolom "
                        "kosong di ujung lembar, atau salin datanya ke buku kerja baru."
                    )
                    % {
                        "cell": f"{last_col.decode()}{rows}",
                        "rows": f"{rows:,}".replace(",", "."),
                        "cols": f"{columns:,}".replace(",", "."),
                        "max_rows": f"{max_rows:,}".replace(",", "."),
                        "max_cols": f"{max_columns:,}".replace(",", "."),
                    }
                )


def iter_xlsx_rows(
    path: Any, *, sheet_names: Iterable[str] = (), max_rows: int = MAX_XLSX_ROWS, max_columns: int = MAX_XLSX_COLUMNS
) -> RowStream:
    """Stream (row number, values) of the first sheet named in `sheet_names` (else the first sheet), after
    check_xlsx. Row 1 is capped at `max_columns`, later rows at the width of row 1; a sheet with more than
    `max_rows` rows or a wider row 1 raises UnsafeSpreadsheet, before the rows are read."""
    from openpyxl import load_workbook

    check_xlsx(path, max_rows=max_rows, max_columns=max_columns)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors for a broken workbook
        raise UnsafeSpreadsheet(_("File XLSX tidak bisa dibaca: %(err)s") % {"err": exc}) from exc
    try:
        wanted = {n.strip().lower() for n in sheet_names}
        name = next((n for n in book.sheetnames if n.strip().lower() in wanted), book.sheetnames[0])
        sheet = book[name]
        first = next(sheet.iter_rows(min_row=1, max_row=1, max_col=max_columns + 1, values_only=True), ())
        header = list(first)
        while header and header[-1] in (None, ""):
            header.pop()
        if len(header) > max_columns:
            raise UnsafeSpreadsheet(
                _("Baris judul punya lebih dari %(n)s kolom; batasnya %(n)s kolom.") % {"n": max_columns}
            )
        yield 1, header
        width = max(len(header), 1)
        # Rows missing from the sheet come back as one shared empty row: a sheet that jumps to row 1,048,576
        # costs time in proportion to its width, never memory.
        for row_no, values in enumerate(
            sheet.iter_rows(min_row=2, max_row=max_rows + 1, max_col=width, values_only=True), start=2
        ):
            if row_no > max_rows:
                raise UnsafeSpreadsheet(
                    _("File punya lebih dari %(n)s baris; batasnya %(n)s baris. Pecah file menjadi beberapa bagian.")
                    % {"n": f"{max_rows:,}".replace(",", ".")}
                )
            yield row_no, list(values)
    finally:
        book.close()


# --- reading uploaded files ---------------------------------------------------------------------------------------
# The files Indonesians actually produce: CSV in UTF-8 (with or without BOM) or Windows-1252, comma or semicolon
# separated (Excel in the Indonesian locale writes semicolons), and XLSX. Rows are streamed, never loaded whole, so a
# million-row file reads in constant memory. The household import and the price upload both read through here.

# A whole quoted paragraph in one cell is fine; a runaway quote that swallows the file is not.
csv.field_size_limit(1_000_000)
# More data rows than any registry file has (a regency has fewer than a million households); a bigger file is cut
# into parts rather than read for an hour.
MAX_ROWS = 5_000_000


class ImportFileError(Exception):
    """The file as a whole cannot be read (not a spreadsheet, no header, broken quoting)."""


@dataclass
class FileInfo:
    kind: str = "csv"  # csv or xlsx
    encoding: str = "utf-8"
    delimiter: str = ","
    fallback_lines: int = 0  # lines that were not UTF-8 and were read as Windows-1252
    headers: list[str] = field(default_factory=list)


def file_checksum(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_xlsx(path: str | Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) == b"PK\x03\x04"


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _decoded_lines(fh: BinaryIO, info: FileInfo) -> Iterator[str]:
    first = True
    for raw in fh:
        if first:
            first = False
            if raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
                info.encoding = "utf-8-sig"
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            # Mixed files happen (rows pasted from another export): decide line by line, not for the whole file.
            line = raw.decode("cp1252", errors="replace")
            info.fallback_lines += 1
            if info.encoding.startswith("utf-8") and info.fallback_lines == 1:
                info.encoding = "utf-8+cp1252" if info.encoding == "utf-8" else info.encoding + "+cp1252"
        if "\x00" in line:
            line = line.replace("\x00", "\ufffd")
        yield line


def read_rows(path: str | Path, info: FileInfo | None = None, *, max_rows: int = MAX_ROWS) -> RowStream:
    """Yield (spreadsheet row number, values) for every data row; the header (row 1) fills `info.headers`.

    Memory stays flat whatever the file declares; a file with more than `max_rows` rows, an absurd workbook or a
    binary file raises ImportFileError with a message for the officer."""
    info = info if info is not None else FileInfo()
    if is_xlsx(path):
        yield from _read_xlsx(path, info, max_rows)
    else:
        if not _is_utf16(path):  # UTF-16 text is two bytes a letter: half of them zero, not a program
            _refuse_binary(path)
        for row_no, values in _read_csv(path, info):
            if row_no > max_rows:
                raise ImportFileError(
                    _("File punya lebih dari %(n)s baris; batasnya %(n)s baris. Pecah file menjadi beberapa bagian.")
                    % {"n": f"{max_rows:,}".replace(",", ".")}
                )
            yield row_no, values


def _is_utf16(path: str | Path) -> bool:
    """Excel's "Unicode Text" (Teks Unicode) and some exports write UTF-16 with a byte-order mark: read as text."""
    with open(path, "rb") as fh:
        return fh.read(2) in (b"\xff\xfe", b"\xfe\xff")


def _utf16_lines(path: str | Path, info: FileInfo) -> Iterator[str]:
    info.encoding = "utf-16"
    try:
        with open(path, encoding="utf-16", errors="replace", newline="") as fh:
            for line in fh:
                yield line.replace("\x00", "\ufffd")
    except UnicodeError as exc:  # an odd number of bytes at the end, or a BOM alone
        raise ImportFileError(_("File teks UTF-16 ini rusak (%(err)s).") % {"err": exc}) from exc


def _refuse_binary(path: str | Path) -> None:
    """A program, image or zip renamed to .csv: say so rather than fail somewhere in the CSV parser."""
    with open(path, "rb") as fh:
        head = fh.read(64 << 10)
    if not head:
        return
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 13)) + head.count(b"\x7f")
    if control > len(head) // 20 or (b"\n" not in head and len(head) == 64 << 10):
        raise ImportFileError(
            _(
                "File ini bukan file CSV (teks) atau XLSX: isinya data biner. Simpan data dari Excel atau "
                "LibreOffice sebagai CSV atau XLSX, lalu unggah lagi."
            )
        )


def read_headers(path: str | Path) -> FileInfo:
    info = FileInfo()
    for _row in read_rows(path, info):
        break
    if not info.headers:
        raise ImportFileError(_("File kosong atau baris judul kolom tidak ditemukan."))
    return info


def _read_csv(path: str | Path, info: FileInfo) -> RowStream:
    info.kind = "csv"
    with open(path, "rb") as fh:
        lines = _utf16_lines(path, info) if _is_utf16(path) else _decoded_lines(fh, info)
        try:
            header_line = next(lines)
        except StopIteration:
            return
        if header_line.startswith("sep=") and len(header_line.strip()) == 5:
            # Excel's "sep=;" hint line.
            info.delimiter = header_line.strip()[4]
            header_line = next(lines, "")
        else:
            info.delimiter = _sniff_delimiter(header_line)
        try:
            info.headers = [h.strip() for h in next(csv.reader([header_line], delimiter=info.delimiter), [])]
        except csv.Error as exc:
            raise ImportFileError(
                _("Baris judul kolom tidak bisa dibaca sebagai CSV (%(err)s).") % {"err": exc}
            ) from exc
        if info.kind == "csv" and info.encoding == "utf-8" and info.fallback_lines:
            info.encoding = "cp1252"
        reader = csv.reader(lines, delimiter=info.delimiter)
        row_no = 1
        try:
            for values in reader:
                row_no += 1
                if not values or (len(values) == 1 and not values[0].strip()):
                    continue
                yield row_no, values
        except csv.Error as exc:
            raise ImportFileError(
                _("Baris %(row)s: file CSV rusak (%(err)s). Periksa tanda kutip yang tidak ditutup.")
                % {"row": row_no + 1, "err": exc}
            ) from exc
    if info.fallback_lines and info.encoding == "utf-8":
        info.encoding = "cp1252"


def _read_xlsx(path: str | Path, info: FileInfo, max_rows: int) -> RowStream:
    info.kind = "xlsx"
    info.encoding = "xlsx"
    info.delimiter = ""
    rows = iter_xlsx_rows(path, sheet_names=("data", "isian"), max_rows=min(max_rows, MAX_XLSX_ROWS))
    try:
        for row_no, values in rows:
            if row_no == 1:
                info.headers = ["" if h is None else str(h).strip() for h in values]
                while info.headers and not info.headers[-1]:
                    info.headers.pop()
                continue
            if not any(v not in ("", None) for v in values):
                continue
            yield row_no, ["" if v is None else v for v in values]
    except UnsafeSpreadsheet as exc:
        raise ImportFileError(str(exc)) from exc
    finally:
        rows.close()
