"""The national holidays and joint leave days (cuti bersama) of 2026 (SKB Menteri Agama, Menteri Ketenagakerjaan
and Menteri PANRB No. 1497/2025, 2/2025, 5/2025) and the expected ones of 2027.

The 2027 decree was not out when this was written: its fixed dates are certain, its lunar and lunisolar dates are
the expected ones and marked provisional. An administrator corrects them in the admin (Hari libur) when the SKB is
published; every open case's due date follows at once.
"""

import datetime as dt

from django.db import migrations

D = dt.date
NATIONAL = "national"
JOINT = "joint_leave"

HOLIDAYS = [
    # 2026 (SKB 1497/2025)
    (D(2026, 1, 1), "Tahun Baru 2026 Masehi", NATIONAL, False),
    (D(2026, 1, 16), "Isra Mikraj Nabi Muhammad SAW", NATIONAL, False),
    (D(2026, 2, 16), "Cuti bersama Tahun Baru Imlek", JOINT, False),
    (D(2026, 2, 17), "Tahun Baru Imlek 2577 Kongzili", NATIONAL, False),
    (D(2026, 3, 18), "Cuti bersama Hari Suci Nyepi", JOINT, False),
    (D(2026, 3, 19), "Hari Suci Nyepi (Tahun Baru Saka 1948)", NATIONAL, False),
    (D(2026, 3, 20), "Cuti bersama Idulfitri 1447 H", JOINT, False),
    (D(2026, 3, 21), "Idulfitri 1447 H", NATIONAL, False),
    (D(2026, 3, 22), "Idulfitri 1447 H", NATIONAL, False),
    (D(2026, 3, 23), "Cuti bersama Idulfitri 1447 H", JOINT, False),
    (D(2026, 3, 24), "Cuti bersama Idulfitri 1447 H", JOINT, False),
    (D(2026, 4, 3), "Wafat Yesus Kristus", NATIONAL, False),
    (D(2026, 4, 5), "Kebangkitan Yesus Kristus (Paskah)", NATIONAL, False),
    (D(2026, 5, 1), "Hari Buruh Internasional", NATIONAL, False),
    (D(2026, 5, 14), "Kenaikan Yesus Kristus", NATIONAL, False),
    (D(2026, 5, 15), "Cuti bersama Kenaikan Yesus Kristus", JOINT, False),
    (D(2026, 5, 27), "Iduladha 1447 H", NATIONAL, False),
    (D(2026, 5, 28), "Cuti bersama Iduladha 1447 H", JOINT, False),
    (D(2026, 5, 31), "Hari Raya Waisak 2570 BE", NATIONAL, False),
    (D(2026, 6, 1), "Hari Lahir Pancasila", NATIONAL, False),
    (D(2026, 6, 16), "1 Muharam Tahun Baru Islam 1448 H", NATIONAL, False),
    (D(2026, 8, 17), "Proklamasi Kemerdekaan", NATIONAL, False),
    (D(2026, 8, 25), "Maulid Nabi Muhammad SAW", NATIONAL, False),
    (D(2026, 12, 24), "Cuti bersama Kelahiran Yesus Kristus", JOINT, False),
    (D(2026, 12, 25), "Kelahiran Yesus Kristus", NATIONAL, False),
    # 2027: fixed dates, and the expected dates of the movable ones (provisional until the SKB is out)
    (D(2027, 1, 1), "Tahun Baru 2027 Masehi", NATIONAL, False),
    (D(2027, 1, 6), "Isra Mikraj Nabi Muhammad SAW", NATIONAL, True),
    (D(2027, 2, 6), "Tahun Baru Imlek 2578 Kongzili", NATIONAL, True),
    (D(2027, 3, 9), "Hari Suci Nyepi (Tahun Baru Saka 1949)", NATIONAL, True),
    (D(2027, 3, 10), "Idulfitri 1448 H", NATIONAL, True),
    (D(2027, 3, 11), "Idulfitri 1448 H", NATIONAL, True),
    (D(2027, 3, 26), "Wafat Yesus Kristus", NATIONAL, False),
    (D(2027, 3, 28), "Kebangkitan Yesus Kristus (Paskah)", NATIONAL, False),
    (D(2027, 5, 1), "Hari Buruh Internasional", NATIONAL, False),
    (D(2027, 5, 6), "Kenaikan Yesus Kristus", NATIONAL, False),
    (D(2027, 5, 17), "Iduladha 1448 H", NATIONAL, True),
    (D(2027, 5, 20), "Hari Raya Waisak 2571 BE", NATIONAL, True),
    (D(2027, 6, 1), "Hari Lahir Pancasila", NATIONAL, False),
    (D(2027, 6, 6), "1 Muharam Tahun Baru Islam 1449 H", NATIONAL, True),
    (D(2027, 8, 15), "Maulid Nabi Muhammad SAW", NATIONAL, True),
    (D(2027, 8, 17), "Proklamasi Kemerdekaan", NATIONAL, False),
    (D(2027, 12, 25), "Kelahiran Yesus Kristus", NATIONAL, False),
]


def load(apps, schema_editor):
    """Idempotent: a day already there (entered by hand) is left as it is."""
    Holiday = apps.get_model("casework", "Holiday")
    for date, name, kind, provisional in HOLIDAYS:
        Holiday.objects.get_or_create(date=date, defaults={"name": name, "kind": kind, "provisional": provisional})


def unload(apps, schema_editor):
    Holiday = apps.get_model("casework", "Holiday")
    Holiday.objects.filter(date__in=[h[0] for h in HOLIDAYS]).delete()


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_holidays")]

    operations = [migrations.RunPython(load, unload)]
