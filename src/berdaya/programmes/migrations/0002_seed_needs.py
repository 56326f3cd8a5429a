"""Seed the controlled list of needs. Reversible: removes only the seeded codes that nobody refers to."""

from django.db import migrations

# Frozen here (not imported from choices) so that this migration means the same thing forever.
NEEDS_SEED = [
    ("farm_processing", "Pengolahan hasil pertanian"),
    ("sewing", "Menjahit / tata busana"),
    ("bookkeeping", "Pembukuan usaha"),
    ("digital_marketing", "Pemasaran digital"),
    ("organic_farming", "Pertanian organik"),
    ("post_harvest", "Penanganan pascapanen"),
    ("safe_migration", "Migrasi aman"),
    ("assistive_device", "Alat bantu disabilitas"),
    ("business_capital", "Modal usaha"),
    ("coffee_cultivation", "Budidaya kopi"),
    ("rubber_tapping", "Penyadapan dan mutu karet"),
    ("livestock", "Beternak"),
    ("culinary", "Tata boga / olahan makanan"),
    ("handicraft", "Kerajinan tangan"),
    ("market_access", "Akses pasar dan pembeli"),
    ("reintegration", "Reintegrasi purna pekerja migran"),
]


def seed(apps, schema_editor):
    Need = apps.get_model("programmes", "Need")
    existing = set(Need.objects.values_list("code", flat=True))
    Need.objects.bulk_create(
        [
            Need(code=code, name=name, order=(index + 1) * 10)
            for index, (code, name) in enumerate(NEEDS_SEED)
            if code not in existing
        ]
    )


def unseed(apps, schema_editor):
    Need = apps.get_model("programmes", "Need")
    Need.objects.filter(code__in=[code for code, _name in NEEDS_SEED]).delete()


class Migration(migrations.Migration):
    dependencies = [("programmes", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
