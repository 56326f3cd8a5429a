"""Reading the files Indonesians actually produce: CSV in UTF-8 (with or without BOM) or Windows-1252, comma or
semicolon separated (Excel in the Indonesian locale writes semicolons), and XLSX. Rows are streamed, never loaded
whole, so a million-row file reads in constant memory."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

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


def _decoded_lines(fh, info: FileInfo) -> Iterator[str]:
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


def read_rows(
    path: str | Path, info: FileInfo | None = None, *, max_rows: int = MAX_ROWS
) -> Iterator[tuple[int, list[Any]]]:
    """Yield (spreadsheet row number, values) for every data row; the header (row 1) fills `info.headers`.

    Memory stays flat whatever the file declares; a file with more than `max_rows` rows, an absurd workbook or a
    binary file raises ImportFileError with a message for the officer."""
    info = info if info is not None else FileInfo()
    if is_xlsx(path):
        yield from _read_xlsx(path, info, max_rows)
    else:
        _refuse_binary(path)
        for row_no, values in _read_csv(path, info):
            if row_no > max_rows:
                raise ImportFileError(
                    _("File punya lebih dari %(n)s baris; batasnya %(n)s baris. Pecah file menjadi beberapa bagian.")
                    % {"n": f"{max_rows:,}".replace(",", ".")}
                )
            yield row_no, values


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


def _read_csv(path, info: FileInfo) -> Iterator[tuple[int, list[Any]]]:
    info.kind = "csv"
    with open(path, "rb") as fh:
        lines = _decoded_lines(fh, info)
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


def _read_xlsx(path, info: FileInfo, max_rows: int) -> Iterator[tuple[int, list[Any]]]:
    from berdaya.core.spreadsheet import MAX_XLSX_ROWS, UnsafeSpreadsheet, iter_xlsx_rows

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
