"""Turning an uploaded file into a CSV that DuckDB reads exactly as the Python reader (core.spreadsheet.read_rows) would.

Fast path: a clean UTF-8 CSV (with or without BOM, comma or semicolon, LF or CRLF, no blank lines) is read by
DuckDB in place, and its spreadsheet row numbers are the record order plus one. Anything else (Windows-1252 or
mixed encodings, NUL bytes, blank lines, ragged rows, broken quoting, XLSX) is streamed once through the Python
reader into a temporary CSV that carries the row number in its first column, so DuckDB never has to guess.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from berdaya.core.duckpaths import literal_path
from berdaya.core.spreadsheet import FileInfo, is_xlsx, read_rows

from .columns import BY_KEY

BOM = b"\xef\xbb\xbf"
BLOCK = 1 << 20
BLANK_LINE = re.compile(rb"\n\r?\n")


@dataclass
class Source:
    path: Path
    delimiter: str
    skip: int  # lines before the first data record (header, Excel's "sep=" line)
    width: int  # columns in the file (headers)
    info: FileInfo
    row_numbers: bool = False  # True: column 0 is the spreadsheet row number, then `width` values, then 2 flags
    lines: int = 0  # approximate data rows, for the progress bar
    temp: Path | None = None
    numeric_cells: dict[str, int] = field(default_factory=dict)  # key -> XLSX numeric-cell flag column


def _clean_utf8(path: Path) -> tuple[bool, int]:
    """(is clean, newline count). Clean = no NUL, no lone CR, no blank line before the end.

    A blank line matters: the Python reader counts it as a spreadsheet row, DuckDB skips it silently, and the
    row numbers in the error report would drift."""
    lines = 0
    tail = b""
    blank_seen = False
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(BLOCK), b""):
            lines += block.count(b"\n")
            # Invalid UTF-8 is left to DuckDB, which refuses it (and the caller falls back to the Python reader).
            if b"\x00" in block:
                return False, lines
            if blank_seen and block.strip(b"\r\n"):
                return False, lines
            joined = tail + block
            lone_cr = joined.count(b"\r") - joined.count(b"\r\n") - (1 if joined.endswith(b"\r") else 0)
            if lone_cr > 0:
                return False, lines
            match = BLANK_LINE.search(joined)
            if match is not None:
                if joined[match.end() :].strip(b"\r\n"):
                    return False, lines
                blank_seen = True
            tail = joined[-2:]
    return True, lines


def _header(path: Path) -> tuple[FileInfo, int]:
    """Headers and delimiter as core.spreadsheet.read_rows reads them, plus the number of lines before the data."""
    info = FileInfo()
    for _row in read_rows(path, info):
        break
    with open(path, "rb") as fh:
        first = fh.readline()
    text = first[len(BOM) :] if first.startswith(BOM) else first
    sep_line = text.startswith(b"sep=") and len(text.strip()) == 5
    return info, 2 if sep_line else 1


def cell_text(kind: str, raw: Any) -> str:
    """An XLSX cell as the text the row validator would have made of it (validate.RowValidator converters)."""
    if raw is None:
        return ""
    if type(raw) is str:
        return raw
    if type(raw) is bool:
        return str(raw)
    if isinstance(raw, dt.datetime) and kind == "date":
        return raw.date().isoformat()
    if isinstance(raw, dt.date) and kind == "date":
        return raw.isoformat()
    if type(raw) in (int, float):
        if kind == "phone":
            return str(int(raw))
        if kind in ("int", "rtrw", "wgss") and float(raw).is_integer():
            return str(int(raw))
    return str(raw)


def _rewrite(path: Path, target: Path, positions: dict[str, int]) -> tuple[FileInfo, int]:
    """Stream the file through the Python reader into a clean UTF-8 CSV: row number, values, numeric flags."""
    info = FileInfo()
    rows = read_rows(path, info)
    first = next(rows, None)
    width = len(info.headers)
    kinds: dict[int, str] = {}
    for key, pos in positions.items():
        kinds.setdefault(pos, BY_KEY[key].kind if key in BY_KEY else "text")
    flag_pos = [positions.get("nik"), positions.get("kk_number")]
    count = 0
    with open(target, "w", encoding="utf-8", newline="") as out:
        # CRLF line ends: csv then quotes any CR or LF inside a value, which DuckDB reads back as text.
        writer = csv.writer(out)

        def emit(row_no: int, values: list[Any]) -> None:
            cells = list(values[:width]) + [""] * (width - len(values))
            # validate.RowValidator._identity: a NIK/KK typed as a number has lost its last digits.
            flags = ["1" if p is not None and type(cells[p]) in (int, float) else "0" for p in flag_pos]
            if info.kind == "xlsx":
                cells = [cell_text(kinds.get(i, "text"), v) for i, v in enumerate(cells)]
            writer.writerow([row_no, *cells, *flags])

        if first is not None:
            emit(*first)
            count += 1
        for row_no, values in rows:
            emit(row_no, values)
            count += 1
    return info, count


def prepare(path: Path, workdir: Path, positions: dict[str, int], *, force_rewrite: bool = False) -> Source:
    """Decide how DuckDB reads `path`. `positions` maps field keys to file columns (for XLSX cell types)."""
    if not is_xlsx(path) and not force_rewrite:
        clean, lines = _clean_utf8(path)
        if clean:
            info, skip = _header(path)
            read = literal_path(path, workdir)  # DuckDB reads this path: never as a glob
            return Source(read, info.delimiter, skip, len(info.headers), info, lines=max(lines - skip, 0))
    target = workdir / "rows.csv"
    info, count = _rewrite(path, target, positions)
    return Source(
        target,
        ",",
        0,
        len(info.headers),
        info,
        row_numbers=True,
        lines=count,
        temp=target,
        numeric_cells={"nik": len(info.headers) + 1, "kk_number": len(info.headers) + 2},
    )
