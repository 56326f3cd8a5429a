"""The import template files: XLSX with a "Data" sheet and a "Petunjuk" (instructions) sheet, and CSV."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from berdaya.core.spreadsheet import xlsx_bytes

from .columns import COLUMNS, EXAMPLE_KEY, TEMPLATE_HEADERS, allowed_values

REQUIRED_NOTE = {"nik": _("NIK atau Alasan tanpa NIK"), "hh_key": _("Kode rumah tangga atau Nomor KK")}


def example_rows() -> list[list[str]]:
    """A household of two: the head and his wife, with the household columns repeated. Their household code marks
    them as examples, so importing the template untouched imports nobody."""
    head = [col.example for col in COLUMNS]
    wife = list(head)
    overrides = {
        "nik": "1502015106880003",
        "full_name": "Nurhayati",
        "sex": "P",
        "birth_date": "11/06/1988",
        "relationship": "Istri/suami",
        "phone": "",
    }
    overrides["hh_key"] = EXAMPLE_KEY
    head_over = {
        "hh_key": EXAMPLE_KEY,
        "nik": "1502011403850002",
        "full_name": "Ahmad Saputra",
        "sex": "L",
        "relationship": "Kepala keluarga",
    }
    for i, col in enumerate(COLUMNS):
        if col.key in head_over:
            head[i] = head_over[col.key]
        if col.key in overrides:
            wife[i] = overrides[col.key]
    return [head, wife]


def instructions() -> list[list[str]]:
    rows = []
    for col in COLUMNS:
        required = _("Wajib") if col.required else REQUIRED_NOTE.get(col.key, _("Boleh kosong"))
        rows.append(
            [
                col.header,
                _("Rumah tangga") if col.level == "household" else _("Anggota"),
                str(required),
                str(col.help),
                allowed_values(col),
                col.example,
            ]
        )
    return rows


def template_xlsx() -> bytes:
    return xlsx_bytes(
        [
            ("Data", TEMPLATE_HEADERS, example_rows()),
            (
                _("Petunjuk"),
                [_("Kolom"), _("Tingkat"), _("Wajib?"), _("Penjelasan"), _("Nilai yang diizinkan"), _("Contoh")],
                [
                    *instructions(),
                    [],
                    [_("Satu baris = satu orang. Kolom rumah tangga diulang sama persis pada setiap anggota.")],
                    [
                        _("Baris dengan Kode rumah tangga %(key)s hanya contoh: tidak pernah diimpor.")
                        % {"key": EXAMPLE_KEY}
                    ],
                    [_("Anggota dikelompokkan menurut Kode rumah tangga (atau Nomor KK bila kode kosong).")],
                    [_("Impor ulang file yang sama tidak membuat data ganda: penduduk dicocokkan menurut NIK.")],
                ],
            ),
        ],
        text_columns=["NIK", "Nomor KK", "RT", "RW", "Nomor HP"],
    )


def template_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(TEMPLATE_HEADERS)
    writer.writerows(example_rows())
    return ("\ufeff" + buffer.getvalue()).encode()
