"""Seed the commodities, grades, units and default unit conversions (../shared/domain.md). All are editable in the
admin: weights of a kaleng or karung differ from village to village."""

from decimal import Decimal

from django.db import migrations

COMMODITIES = [
    # code, name, short name (SMS), tree crop, seasons per year, max kg/ha/season
    ("karet", "Karet (bokar/slab)", "Karet", True, 1, 3500),
    ("tbs", "Sawit (TBS)", "TBS", True, 1, 30000),
    ("kopi_gelondong", "Kopi robusta gelondong merah", "Kopi gel", True, 1, 8000),
    ("kopi_biji", "Kopi robusta biji kering (asalan)", "Kopi biji", True, 1, 2500),
    ("kayu_manis", "Kayu manis (kulit kering)", "Kayu manis", True, 1, 4000),
    ("gabah", "Padi (gabah kering panen)", "Gabah", False, 2, 9000),
    ("beras", "Beras medium", "Beras", False, 2, 6000),
    ("cabai", "Cabai merah", "Cabai", False, 2, 20000),
]
GRADES = {
    "karet": [("kkk50", "KKK ±50%"), ("kkk60", "KKK ±60%"), ("kkk70", "KKK ≥70%")],
    "kopi_biji": [("asalan", "Asalan"), ("petik_merah", "Petik merah / mutu 1-3")],
    "kayu_manis": [("ka", "Mutu KA"), ("kb", "Mutu KB"), ("kc", "Mutu KC")],
}
UNITS = [("kg", "kg", 1), ("ton", "ton", 2), ("kuintal", "kuintal", 3), ("kaleng", "kaleng", 4), ("karung", "karung", 5)]
GENERAL = {"kg": "1", "ton": "1000", "kuintal": "100", "kaleng": "15", "karung": "50"}
PER_COMMODITY = {
    ("kaleng", "kopi_gelondong"): "10",
    ("kaleng", "kopi_biji"): "12",
    ("kaleng", "gabah"): "10",
    ("karung", "kopi_biji"): "60",
    ("karung", "kayu_manis"): "30",
    ("karung", "cabai"): "40",
}


def seed(apps, schema_editor):
    Commodity = apps.get_model("markets", "Commodity")
    Grade = apps.get_model("markets", "Grade")
    Unit = apps.get_model("markets", "Unit")
    UnitConversion = apps.get_model("markets", "UnitConversion")
    commodities = {}
    for order, (code, name, short, tree, seasons, max_yield) in enumerate(COMMODITIES, 1):
        commodities[code], _ = Commodity.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "short_name": short,
                "is_tree_crop": tree,
                "seasons_per_year": seasons,
                "max_yield_kg_ha_season": max_yield,
                "order": order,
            },
        )
    for code, grades in GRADES.items():
        for order, (gcode, gname) in enumerate(grades, 1):
            Grade.objects.get_or_create(commodity=commodities[code], code=gcode, defaults={"name": gname, "order": order})
    units = {}
    for code, name, order in UNITS:
        units[code], _ = Unit.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    for code, kg in GENERAL.items():
        UnitConversion.objects.get_or_create(unit=units[code], commodity=None, defaults={"kg_per_unit": Decimal(kg)})
    for (ucode, ccode), kg in PER_COMMODITY.items():
        UnitConversion.objects.get_or_create(
            unit=units[ucode], commodity=commodities[ccode], defaults={"kg_per_unit": Decimal(kg)}
        )


class Migration(migrations.Migration):
    dependencies = [("markets", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
