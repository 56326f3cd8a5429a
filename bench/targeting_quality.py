"""Targeting-quality benchmark: the registry of bench/targeting.py, official deciles for most households and field
verification for a few, then the quality figures of its rule set and a what-if over ten decile cut-offs.

    python bench/targeting_quality.py --people 100000                  # SQLite (a fresh file in /tmp)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/berdaya_bench_q python bench/targeting_quality.py

Prints one JSON line: medians (of --repeat) of the baseline (the rule form's live count: one COUNT with the same
compiled rule, measured in the same run), the quality figures (one scan: errors and twelve groups) and the what-if
(one scan, ten cut-offs), and their ratios to the baseline.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from _setup import django_for_bench  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    django_for_bench("quality")
    from django.db import connection, transaction

    import targeting as bench_targeting  # bench/targeting.py: the synthetic registry and its rule set
    from berdaya.accounts.models import User
    from berdaya.targeting import quality, services

    def stage(name: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {name}", file=sys.stderr, flush=True)

    stage("migrate")
    stage("build")
    vendor = connection.vendor
    result: dict = {"db": vendor, "people": args.people}
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        result["households"] = bench_targeting.build(cursor, vendor, args.people)
    officer, _created = User.objects.get_or_create(username="bench-officer", defaults={"role": "officer"})
    stage("score")
    services.welfare_compute(actor=officer)
    stage("deciles")
    with transaction.atomic(), connection.cursor() as cursor:
        # Official deciles for 4 households in 5 (the local decile moved by -2..+2, kept in 1-10), field
        # verification for 1 in 100.
        cursor.execute(
            "UPDATE targeting_householdwelfare SET official_decile = "
            "MIN(10, MAX(1, local_decile + (household_id % 5) - 2)), official_source = 'DTSEN bench' "
            "WHERE household_id % 5 <> 0 AND local_decile IS NOT NULL"
            if vendor == "sqlite"
            else "UPDATE targeting_householdwelfare SET official_decile = "
            "LEAST(10, GREATEST(1, local_decile + (household_id % 5) - 2)), official_source = 'DTSEN bench' "
            "WHERE household_id % 5 <> 0 AND local_decile IS NOT NULL"
        )
        cursor.execute(
            "UPDATE targeting_householdwelfare SET verified_decile = 3, verified_reason = 'bench' "
            "WHERE household_id % 100 = 7"
        )
        cursor.execute("ANALYZE")
    result["build_s"] = round(time.perf_counter() - t0, 2)
    tree = bench_targeting.RULES
    stage("measure")
    counts, figures, whatifs = [], [], []
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        services.count_matching(tree, actor=officer)
        counts.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        q = quality.rule_quality(viewer=officer, tree=tree)
        figures.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        quality.what_if(viewer=officer, tree=tree, key="1:max", cutoffs=range(1, 11))
        whatifs.append(time.perf_counter() - t0)
    base = statistics.median(counts)
    result.update(
        included=q.included,
        inclusion_error=round(q.inclusion_error or 0, 4),
        exclusion_error=round(q.exclusion_error or 0, 4),
        baseline_count_s=round(base, 3),
        quality_s=round(statistics.median(figures), 3),
        whatif_10_s=round(statistics.median(whatifs), 3),
        quality_ratio=round(statistics.median(figures) / base, 2),
        whatif_ratio=round(statistics.median(whatifs) / base, 2),
        all_s={
            "count": [round(x, 3) for x in counts],
            "quality": [round(x, 3) for x in figures],
            "whatif": [round(x, 3) for x in whatifs],
        },
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
