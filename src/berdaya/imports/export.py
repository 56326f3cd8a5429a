"""Export of a filtered registry list to CSV (streamed) or XLSX (constant memory), masked by role and audited."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.access import capabilities
from berdaya.core.audit import audit, fingerprint
from berdaya.core.masking import is_identifying, mask_field
from berdaya.core.spreadsheet import csv_stream, write_xlsx
from berdaya.registry import choices as c
from berdaya.registry.access import people_visible_to
from berdaya.registry.filtersets import PersonFilterSet

from .columns import BY_KEY

FIELDS = [
    "id",
    "household_id",
    "nik",
    "full_name",
    "sex",
    "birth_place",
    "birth_date",
    "relationship",
    "marital_status",
    "education",
    "occupation",
    "phone",
    "status",
    "household__kk_number",
    "household__village_id",
    "household__village__name",
    "household__village__district__name",
    "household__address",
    "household__rt",
    "household__rw",
    "wgss_seeing",
    "wgss_hearing",
    "wgss_walking",
    "wgss_remembering",
    "wgss_selfcare",
    "wgss_communicating",
]


_IDENTIFYING_COLUMNS = [index for index, field in enumerate(FIELDS) if is_identifying(field)]


def export_headers() -> list[str]:
    return [
        _("ID penduduk"),
        _("ID rumah tangga"),
        "NIK",
        BY_KEY["full_name"].header,
        BY_KEY["sex"].header,
        BY_KEY["birth_place"].header,
        BY_KEY["birth_date"].header,
        BY_KEY["relationship"].header,
        BY_KEY["marital_status"].header,
        BY_KEY["education"].header,
        BY_KEY["occupation"].header,
        BY_KEY["phone"].header,
        _("Status"),
        "Nomor KK",
        BY_KEY["village_id"].header,
        _("Desa/kelurahan"),
        _("Kecamatan"),
        BY_KEY["address"].header,
        "RT",
        "RW",
        *(BY_KEY[k].header for k in FIELDS[20:]),
    ]


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def export_rows(qs, *, sees_identifiers: bool) -> Iterator[list[Any]]:
    sex, rel, mar = _labels(c.Sex), _labels(c.Relationship), _labels(c.MaritalStatus)
    edu, occ, status = _labels(c.Education), _labels(c.Occupation), _labels(c.PersonStatus)
    for row in qs.values_list(*FIELDS).iterator(chunk_size=2000):
        row = list(row)
        row[4] = sex.get(row[4], row[4])
        row[7] = rel.get(row[7], row[7])
        row[8] = mar.get(row[8], row[8])
        row[9] = edu.get(row[9], row[9])
        row[10] = occ.get(row[10], row[10])
        row[12] = status.get(row[12], row[12])
        if not sees_identifiers:
            for index in _IDENTIFYING_COLUMNS:
                row[index] = mask_field(FIELDS[index], row[index])
        # Formulas are neutralised where the cells are written (csv_stream, write_xlsx), once.
        yield row


def export_people(*, actor: User, params, fmt: str):
    """Build the response for GET params (the registry list's filter params) in format csv or xlsx."""
    caps = capabilities(actor)
    if not caps.sees_people:
        raise PermissionDenied(_("Peran Anda hanya boleh melihat data agregat, bukan data per orang."))
    if fmt not in ("csv", "xlsx"):
        fmt = "csv"
    base = people_visible_to(actor)
    filter_params = {k: v for k, v in params.items() if k in PersonFilterSet.base_filters and v}
    filterset = PersonFilterSet(filter_params, queryset=base, actor=actor)
    qs = (filterset.qs if filterset.is_valid() else base.none()).order_by("id")
    count = qs.count()
    audit(
        actor=actor,
        action="export",
        object_type="registry.person",
        # The search text is a name or an identity number: only its fingerprint is kept.
        filter={k: fingerprint(v) if k == "q" else v for k, v in filter_params.items()},
        rows=count,
        format=fmt,
        masked=not caps.sees_identifiers,
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    rows = export_rows(qs, sees_identifiers=caps.sees_identifiers)
    if fmt == "csv":
        response = StreamingHttpResponse(csv_stream(export_headers(), rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="penduduk-{stamp}.csv"'
        return response
    # XlsxWriter needs a seekable target: write to a temporary file in constant memory, then stream the file.
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
    try:
        write_xlsx(handle, [(_("Penduduk"), export_headers(), rows)], text_columns=["NIK", "Nomor KK"])
        handle.seek(0)
    finally:
        os.unlink(handle.name)  # the open handle keeps the data until the response is closed
    return FileResponse(handle, as_attachment=True, filename=f"penduduk-{stamp}.xlsx")
