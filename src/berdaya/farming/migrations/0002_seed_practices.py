"""Seed the controlled list of practices taught in the field schools, per commodity (none: any commodity)."""

from django.db import migrations

PRACTICES = [
    (None, "pupuk_organik", "Pupuk organik / kompos"),
    (None, "pembukuan", "Pembukuan usaha tani"),
    (None, "jual_kelompok", "Penjualan bersama melalui kelompok"),
    ("karet", "karet_klon_unggul", "Bibit karet klon unggul bersertifikat"),
    ("karet", "karet_sadap_sop", "Penyadapan sesuai SOP (sistem sadap, kedalaman)"),
    ("karet", "karet_bokar_bersih", "Bokar bersih (tanpa kotoran, tidak direndam)"),
    ("karet", "karet_pembeku", "Pembeku anjuran (asam semut / deorub)"),
    ("tbs", "sawit_bibit", "Bibit sawit bersertifikat"),
    ("tbs", "sawit_panen_matang", "Panen buah matang dan brondolan dikutip"),
    ("tbs", "sawit_pupuk_berimbang", "Pemupukan berimbang"),
    ("kopi_gelondong", "kopi_petik_merah", "Petik merah"),
    ("kopi_gelondong", "kopi_pangkas", "Pemangkasan"),
    ("kopi_gelondong", "kopi_sambung", "Sambung / klon unggul"),
    ("kopi_biji", "kopi_jemur_para", "Penjemuran di para-para / lantai jemur"),
    ("kopi_biji", "kopi_sortasi", "Sortasi biji"),
    ("kayu_manis", "kayu_manis_kupas", "Pengupasan dan pengeringan sesuai standar"),
    ("kayu_manis", "kayu_manis_remaja", "Peremajaan / tanam ulang"),
    ("gabah", "padi_benih", "Benih padi bersertifikat"),
    ("gabah", "padi_legowo", "Tanam jajar legowo"),
    ("gabah", "padi_pht", "Pengendalian hama terpadu (PHT)"),
    ("cabai", "cabai_mulsa", "Mulsa plastik"),
    ("cabai", "cabai_benih", "Benih cabai bersertifikat"),
]


def seed(apps, schema_editor):
    Practice = apps.get_model("farming", "Practice")
    Commodity = apps.get_model("markets", "Commodity")
    commodities = {c.code: c for c in Commodity.objects.all()}
    for order, (ccode, code, name) in enumerate(PRACTICES, 1):
        Practice.objects.get_or_create(
            code=code, defaults={"name": name, "order": order, "commodity": commodities.get(ccode) if ccode else None}
        )


class Migration(migrations.Migration):
    dependencies = [("farming", "0001_initial"), ("markets", "0002_seed_commodities")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
