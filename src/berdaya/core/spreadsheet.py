"""Writing spreadsheets safely: neutralise formulas in cells, stream CSV, write XLSX in constant memory.

A cell that starts with = + - @ (or tab / carriage return) is run as a formula by Excel and LibreOffice
("CSV injection", e.g. =HYPERLINK(...) leaking data). Prefixing an apostrophe makes it plain text. The same goes
for a formula after a separator (";=1+1"), because a spreadsheet may split the cell there.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A formula start right after a character that some spreadsheet splits cells on: Excel in an Indonesian (or any
# comma-decimal) locale splits CSV on ";", other tools on tabs or "|", so ";=1+1" opens as a cell "=1+1".
_FORMULA_AFTER_SEPARATOR = re.compile(r"[,;\t|\r\n][\"']*[=+\-@]")
# "+6281234567890": a plus and digits only is a phone number in E.164, not a formula.
PLUS_NUMBER = re.compile(r"\+[0-9]{1,15}")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would evaluate, at its start or after a separator, gets a leading apostrophe; numbers,
    dates and E.164 phone numbers pass unchanged. CSV output also quotes every cell (csv_stream), so a separator
    inside a cell never splits it in a reader that honours quotes."""
    if isinstance(value, str) and PLUS_NUMBER.fullmatch(value):
        return value
    if isinstance(value, str) and (value.startswith(FORMULA_STARTS) or _FORMULA_AFTER_SEPARATOR.search(value)):
        return "'" + value
    return value


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


def xlsx_bytes(sheets, **kwargs) -> bytes:
    buffer = io.BytesIO()
    import xlsxwriter  # noqa: F401  (fail early with a clear ImportError)

    write_xlsx(buffer, sheets, **kwargs)
    return buffer.getvalue()
