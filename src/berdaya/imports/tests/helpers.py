from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from berdaya.imports.columns import BY_KEY, TEMPLATE_HEADERS
from berdaya.registry.identity import make_nik


def person_row(**fields) -> dict[str, str]:
    """A valid template row (head of a Jangkat household) with `fields` (by field key) overriding it."""
    birth = fields.pop("_birth", dt.date(1985, 3, 14))
    sex = fields.get("sex", "L")
    row = {
        "hh_key": "RT-1",
        "kk_number": "1502011201150003",
        "village_id": "15.02.01.2001",
        "address": "Jl. Lintas",
        "rt": "003",
        "rw": "001",
        "land_operated_ha": "0",
        "nik": make_nik(
            district_code="15.02.01", birth_date=birth, sex="F" if sex == "P" else "M", serial=fields.pop("_serial", 1)
        ),
        "full_name": "Ahmad Saputra",
        "sex": sex,
        "birth_date": birth.strftime("%d/%m/%Y"),
        "relationship": "Kepala keluarga",
    }
    row.update(fields)
    return row


def household(key: str, serial: int, size: int = 2, **hh) -> list[dict[str, str]]:
    rows = [person_row(hh_key=key, _serial=serial, **hh)]
    for i in range(1, size):
        rows.append(
            person_row(
                hh_key=key,
                _serial=serial + i,
                sex="P",
                _birth=dt.date(1988, 6, i + 1),
                full_name=f"Anggota {i}",
                relationship="Istri/suami" if i == 1 else "Anak",
                **hh,
            )
        )
    return rows


def write_csv(
    path: Path, rows: list[dict[str, str]], *, delimiter: str = ",", encoding: str = "utf-8", headers=None
) -> Path:
    headers = headers or TEMPLATE_HEADERS
    keys = [next(k for k, col in BY_KEY.items() if col.header == h) if h in TEMPLATE_HEADERS else h for h in headers]
    with open(path, "w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(headers)
        for row in rows:
            w.writerow([row.get(k, "") for k in keys])
    return path
