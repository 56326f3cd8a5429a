"""CPU of the likely-duplicate check alone (`dedup.intake.form_provider`, what a household registration runs before
saving), per registration of two members like bench/load.py's (a head and a child, random names no one in the world
has, born on random days, in the world's villages): this process's CPU only, `time.process_time()`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/berdaya_bench python bench/form_check_cpu.py --calls 150

The world is the one bench/load_cpu.py built in that database (kept as it is). The application is the `src` beside
this file's `bench` directory: for another version, copy this file into that checkout's `bench` and run it there.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import django_for_bench  # puts this checkout's src first on the path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=150)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    django_for_bench("load_cpu", keep=True)
    from berdaya.dedup.intake import form_provider
    from berdaya.registry.duplicates import Facts
    from berdaya.registry.models import Household

    villages = list(Household.objects.order_by().values_list("village_id", flat=True).distinct()[:50])
    rng = random.Random(args.seed)
    letters = "bcdfghjklmnprst"  # as bench/load.py's registrations: no "w", so no name opens like "Warga"

    def name(syllables: int) -> str:
        return "".join(rng.choice(letters) + rng.choice("aiueo") for _ in range(syllables)).title()

    def day(first_year: int, last_year: int) -> dt.date:
        return dt.date(rng.randint(first_year, last_year), rng.randint(1, 12), rng.randint(1, 28))

    registrations = []
    for _ in range(args.calls):
        head, village = name(4), rng.choice(villages)
        registrations.append(
            [
                Facts(full_name=f"{head} Bin {name(3)}", birth_date=day(1950, 2004), village_id=village, sex="M"),
                Facts(full_name=f"{name(4)} Binti {head}", birth_date=day(2005, 2020), village_id=village, sex="F"),
            ]
        )
    for members in registrations[:3]:  # warm: the first call loads the model and generates the scoring SQL
        form_provider(members)
    start = time.process_time()
    held = sum(1 for members in registrations if any(form_provider(members)))
    cpu = time.process_time() - start
    print(json.dumps({"bench": "form_check_cpu", "calls": args.calls, "cpu_ms": round(cpu / args.calls * 1000, 2),
                      "held": held}))  # fmt: skip


if __name__ == "__main__":
    main()
