"""The default layout of the SIKS-NG by-name-by-address proposal file (docs/siks-ng.md). An admin edits it in the
admin (ExportColumn) when the national layout changes; this migration only seeds it."""

from django.db import migrations

LAYOUT = [
    ("NIK", "nik", "", {}),
    ("NO_KK", "kk_number", "", {}),
    ("NAMA", "full_name", "", {}),
    ("JENIS_KELAMIN", "sex", "", {"M": "1", "F": "2"}),
    ("TEMPAT_LAHIR", "birth_place", "", {}),
    ("TANGGAL_LAHIR", "birth_date", "", {}),
    ("HUBUNGAN_KELUARGA", "relationship", "", {"head": "1", "spouse": "2", "child": "3"}),
    ("ALAMAT", "address", "", {}),
    ("RT", "rt", "", {}),
    ("RW", "rw", "", {}),
    ("KODE_PROVINSI", "province_code", "", {}),
    ("KODE_KABUPATEN", "regency_code", "", {}),
    ("KODE_KECAMATAN", "district_code", "", {}),
    ("KODE_DESA", "village_code", "", {}),
    ("NAMA_DESA", "village_name", "", {}),
    ("JENIS_USULAN", "decision", "", {"agreed": "TETAP", "removed": "HAPUS", "added": "BARU"}),
    ("ALASAN", "reason", "", {}),
    ("TANGGAL_MUSDES", "meeting_date", "", {}),
    ("NO_BERITA_ACARA", "meeting_ref", "", {}),
    ("PROGRAM", "programme", "", {}),
]


def seed(apps, schema_editor):
    ExportColumn = apps.get_model("musdes", "ExportColumn")
    if ExportColumn.objects.filter(layout="siks-ng").exists():
        return
    ExportColumn.objects.bulk_create(
        [
            ExportColumn(layout="siks-ng", position=i, header=h, source=s, fixed=f, values=v)
            for i, (h, s, f, v) in enumerate(LAYOUT, start=1)
        ]
    )


def unseed(apps, schema_editor):
    apps.get_model("musdes", "ExportColumn").objects.filter(layout="siks-ng").delete()


class Migration(migrations.Migration):
    dependencies = [("musdes", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
