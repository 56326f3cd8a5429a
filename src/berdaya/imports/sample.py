"""Plausible household files for benchmarks, tests and demos (no Faker: a million rows must generate fast)."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from .columns import TEMPLATE_HEADERS

FIRST_M = ["Ahmad", "Budi", "Dedi", "Eko", "Fajar", "Hendra", "Irwan", "Joko", "Rahmat", "Syahrial", "Yusuf", "Zainal"]
FIRST_F = ["Aminah", "Dewi", "Fitri", "Lestari", "Nurhayati", "Rina", "Siti", "Sri", "Wati", "Yanti", "Zubaidah", "Ani"]
LAST = ["Saputra", "Hidayat", "Harahap", "Lubis", "Nasution", "Siregar", "Pratama", "Wijaya", "Kurniawan", "Putri"]
PLACES = ["Bangko", "Jangkat", "Muara Siau", "Sungai Manau", "Tabir", "Pamenang", "Jambi", "Padang"]


def generate_households_csv(
    path: str | Path,
    *,
    people: int,
    villages: list[str],
    seed: int = 1,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> int:
    """Write about `people` rows (households of 1-7, ~3.7 on average). Returns the number of households."""
    rng = random.Random(seed)
    used_nik: set[str] = set()
    used_kk: set[str] = set()
    today = dt.date.today()
    written = households = 0
    with open(path, "w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(TEMPLATE_HEADERS)
        while written < people:
            households += 1
            village = rng.choice(villages)
            district = village[:8].replace(".", "")
            while True:
                issued = today - dt.timedelta(days=rng.randint(30, 6000))
                kk = f"{district}{issued:%d%m%y}{rng.randint(1, 9999):04d}"
                if kk not in used_kk:
                    used_kk.add(kk)
                    break
            size = min(rng.choice([1, 2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 7]), people - written)
            land = rng.choice(["0", "0,5", "1", "1,25", "2", "3"])
            hh = [
                f"RT-{households:07d}",
                kk,
                village,
                f"Jl. Desa No. {rng.randint(1, 200)}",
                f"{rng.randint(1, 20):03d}",
                f"{rng.randint(1, 8):03d}",
                rng.choice(["Kayu/papan", "Tanah", "Ubin/tegel/semen", "Keramik/marmer/granit"]),
                rng.choice(["Kayu/papan", "Tembok", "Anyaman bambu"]),
                rng.choice(["Seng/asbes", "Beton/genteng", "Ijuk/rumbia/jerami"]),
                rng.choice(["Sumur/mata air terlindung", "Sungai/danau/air hujan", "Air kemasan/isi ulang"]),
                rng.choice(["Milik sendiri dengan tangki septik", "Bersama/umum", "Tidak ada"]),
                rng.choice(["Listrik PLN dengan meteran", "Listrik PLN tanpa meteran/menumpang"]),
                rng.choice(["Kayu bakar/arang", "Listrik/gas"]),
                str(rng.randint(18, 120)),
                land,
                "Tidak mengelola lahan" if land == "0" else "Milik sendiri",
                *(rng.choice(["ya", "tidak"]) for _ in range(7)),
            ]
            head_sex = "M" if rng.random() < 0.85 else "F"
            for i in range(size):
                if i == 0:
                    rel, sex, age = "Kepala keluarga", head_sex, rng.randint(25, 75)
                elif i == 1:
                    rel, sex, age = "Istri/suami", "F" if head_sex == "M" else "M", rng.randint(22, 70)
                else:
                    rel, sex, age = "Anak", rng.choice("MF"), rng.randint(0, 30)
                birth = today - dt.timedelta(days=age * 365 + rng.randint(0, 364))
                first = rng.choice(FIRST_M if sex == "M" else FIRST_F)
                nik_district = district if rng.random() < 0.9 else rng.choice(villages)[:8].replace(".", "")
                if rng.random() < 0.03:
                    nik, reason = "", "Belum pernah terdaftar"
                else:
                    reason = ""
                    while True:
                        day = birth.day + (40 if sex == "F" else 0)
                        nik = f"{nik_district}{day:02d}{birth:%m%y}{rng.randint(1, 9999):04d}"
                        if nik not in used_nik:
                            used_nik.add(nik)
                            break
                wg = ["1"] * 6
                if rng.random() < 0.05:
                    wg[rng.randrange(6)] = rng.choice(["3", "4"])
                w.writerow(
                    [
                        *hh,
                        nik,
                        reason,
                        f"{first} {rng.choice(LAST)}",
                        "L" if sex == "M" else "P",
                        rng.choice(PLACES),
                        birth.strftime("%d/%m/%Y"),
                        rel,
                        "Kawin" if i < 2 else "Belum kawin",
                        rng.choice(["SD/sederajat", "SMP/sederajat", "SMA/SMK/sederajat", "Tidak tamat SD"]),
                        rng.choice(["Petani/pekebun", "Buruh tani/perkebunan", "Pedagang", "Tidak bekerja"]),
                        f"08{rng.randint(100000000, 9999999999)}" if i < 2 else "",
                        *wg,
                    ]
                )
                written += 1
    return households
