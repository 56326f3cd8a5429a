"""The ready mapping for DTKS/DTSEN extracts in their by-name-by-address (BNBA) layout: one row per person, the
family's columns repeated, relationships and sex as numeric codes. See docs/panduan/impor.md for the columns."""

from __future__ import annotations

NAME = "DTKS/DTSEN (by name by address)"

COLUMNS = {
    "hh_key": "IDBDT",
    "kk_number": "NOKK",
    "village_id": "KDDESA",
    "address": "ALAMAT",
    "nik": "NIK",
    "full_name": "NAMA",
    "sex": "JNS_KEL",
    "birth_place": "TMPT_LHR",
    "birth_date": "TGL_LHR",
    "relationship": "HUB_KRT",
    "marital_status": "STA_KAWIN",
}

# File value -> Berdaya value (a code or a label the column accepts). Text labels such as "Pembantu Ruta" or
# "Orang Tua/Mertua" are known to every import (columns.EXTRA_ALIASES); the numeric codes belong to this layout.
VALUES = {
    "sex": {"1": "M", "2": "F"},
    "relationship": {
        "1": "head",
        "2": "spouse",
        "3": "child",
        "4": "child_in_law",
        "5": "grandchild",
        "6": "parent",  # "Orang tua/mertua": one code for both
        "7": "other_relative",
        "8": "helper",
        "9": "other",
    },
    "marital_status": {"1": "single", "2": "married", "3": "divorced", "4": "widowed"},
}


def install(model=None) -> None:
    """Create (or refresh) the shared DTKS/DTSEN mapping. `model` is the migration's historical model."""
    if model is None:
        from .models import ColumnMapping as model
    model.objects.update_or_create(
        name=NAME, organisation=None, defaults={"columns": dict(COLUMNS), "values": dict(VALUES)}
    )
