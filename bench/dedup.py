"""Record-linkage benchmark: a labelled registry of N people with 5% hard duplicates, Berdaya's dedup run against
plain Splink with the two baseline blockings of ../shared/linkage-notes.md, measured in the same run.

    python bench/dedup.py --people 10000                        # SQLite (a fresh file in /tmp)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/berdaya_bench_d python bench/dedup.py --people 100000
    DATABASE_URL=... python bench/dedup.py --people 1000000 --no-baselines --reuse   # keep an earlier run's registry
    python bench/dedup.py --people 10000 --save-model           # also write dedup/data/default_model.json
    python bench/dedup.py --people 10000 --spark 5000           # also train and run on Spark (local mode)

Berdaya's run is the whole job (dedup_run_execute: read the registry, train, predict in chunks, cluster, write pairs,
clusters and match keys back). Each baseline is the same comparisons and training on the same prepared table with
the baseline's blocking rules (district + birth year; village), without the database round trip. Every pipeline runs
in its own forked process, so its peak RSS is its own. Then the incremental check: new corrupted copies scored
against the whole registry, one call per record and in a batch. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def build(people: int, seed: int) -> dict[int, int]:
    """The labelled registry (bulk_create in batches); returns person id -> truth person id."""
    from django.db import connection, transaction

    from berdaya.areas.models import District, Province, Regency, Village
    from berdaya.registry.models import Household, Person

    with connection.cursor() as cur:
        for table in ("dedup_matchpair", "dedup_pairdecision", "dedup_personkey", "dedup_deduprun"):
            cur.execute(f"DELETE FROM {table}")
        if connection.vendor == "postgresql":
            cur.execute("TRUNCATE registry_person, registry_household CASCADE")
        else:
            cur.execute("DELETE FROM registry_person")
            cur.execute("DELETE FROM registry_household")
    Province.objects.get_or_create(code="15", defaults={"name": "Jambi"})
    Regency.objects.get_or_create(code="15.02", defaults={"province_id": "15", "name": "Kabupaten Merangin"})
    for code in VILLAGES:
        district = code.rsplit(".", 1)[0]
        District.objects.get_or_create(code=district, defaults={"regency_id": "15.02", "name": f"Kecamatan {district}"})
        Village.objects.get_or_create(code=code, defaults={"district_id": district, "name": f"Desa {code}"})
    records = _records(people, seed)
    households: dict[int, Household] = {}
    for rec in records:
        if rec["household"] not in households:
            households[rec["household"]] = Household(
                id=rec["household"], village_id=rec["village_id"], kk_number=rec["kk_number"] or ""
            )
    import datetime as dt

    with transaction.atomic():
        Household.objects.bulk_create(households.values(), batch_size=5000)
        Person.objects.bulk_create(
            (
                Person(
                    id=rec["unique_id"],
                    household_id=rec["household"],
                    village_id=rec["village_id"],  # the household's, which the database checks (registry 0014)
                    full_name=rec["full_name"],
                    sex=rec["sex"],
                    birth_date=dt.date.fromisoformat(rec["birth_date"]),
                    relationship=rec["relationship"],
                    nik=rec["nik"],
                    nik_missing_reason="" if rec["nik"] else "unknown",
                    phone=rec["phone"] or "",
                    birth_place=rec.get("birth_place") or "",
                )
                for rec in records
            ),
            batch_size=5000,
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for table in ("registry_household", "registry_person"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
            cur.execute("ANALYZE")
    return {rec["unique_id"]: rec["truth"] for rec in records}


VILLAGES = [f"15.02.{d:02d}.{2000 + v}" for d in range(1, 25) for v in range(1, 10)]


def _records(people: int, seed: int) -> list[dict[str, Any]]:
    from berdaya.demo.linkage import labelled_people

    return list(labelled_people(people, seed=seed, villages=VILLAGES))


def _build_child(people: int, seed: int) -> dict[str, Any]:
    return {"truth": build(people, seed)}


def _reuse_child(people: int, seed: int) -> dict[str, Any]:
    """The registry an earlier run built (same size and seed): its truth, regenerated; None if the registry is not
    that one (another size or seed, or changed since)."""
    from berdaya.registry.models import Person

    records = _records(people, seed)
    ids = sorted(rec["unique_id"] for rec in records)
    have = Person.objects.count()
    # The birth places of the first records too: a registry built before the labelled set had them is not reused.
    places = {rec["unique_id"]: rec.get("birth_place") or "" for rec in records[:200]}
    if (
        have != len(ids)
        or not Person.objects.filter(pk=ids[0]).exists()
        or not Person.objects.filter(pk=ids[-1]).exists()
        or dict(Person.objects.filter(pk__in=places).values_list("pk", "birth_place")) != places
    ):
        return {"truth": None}
    for table in ("dedup_matchpair", "dedup_personkey"):
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {table}")
    return {"truth": {rec["unique_id"]: rec["truth"] for rec in records}}


def _in_child(target, *args) -> dict[str, Any]:
    """Run target(*args) in a forked process; returns its dict with the child's own peak RSS."""
    from django.db import connections

    connections.close_all()
    ctx = mp.get_context("fork")
    queue = ctx.Queue()

    def main() -> None:
        try:
            out = target(*args)
            out["peak_rss_mb"] = rss_mb()
            # CPU seconds of this process (DuckDB's threads included): on a shared machine, what the work cost
            # whatever the wall time.
            usage = resource.getrusage(resource.RUSAGE_SELF)
            out["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 1)
            queue.put(out)
        except BaseException as exc:  # reported, not hidden
            queue.put({"error": f"{type(exc).__name__}: {exc}"})

    proc = ctx.Process(target=main)
    proc.start()
    result = queue.get()
    proc.join()
    return result


def _truth_table(con, truth: dict[int, int]) -> None:
    import pyarrow as pa

    con.register("_t", pa.table({"unique_id": list(truth), "truth": list(truth.values())}))
    con.execute("CREATE OR REPLACE TABLE truth AS SELECT * FROM _t")
    con.unregister("_t")


def berdaya_run(truth: dict[int, int], threshold: float, chunks: int) -> dict[str, Any]:
    import duckdb
    from django.conf import settings
    from django.test.utils import override_settings

    from berdaya.dedup import services
    from berdaya.dedup.metrics import scores
    from berdaya.dedup.models import MatchPair

    cfg = {**settings.BERDAYA, "DEDUP_CHUNKS": chunks}
    t0 = time.perf_counter()
    with override_settings(BERDAYA=cfg):
        run = services.dedup_run_create(actor=None, threshold=threshold)
        result = services.dedup_run_execute(run=run)
    seconds = time.perf_counter() - t0
    run.refresh_from_db()
    con = duckdb.connect()
    _truth_table(con, truth)
    rows = list(MatchPair.objects.filter(run=run).values_list("person_low_id", "person_high_id", "cluster_id"))
    con.execute("CREATE TABLE pairs (unique_id_l BIGINT, unique_id_r BIGINT, cluster_id BIGINT)")
    if rows:
        con.executemany("INSERT INTO pairs VALUES (?, ?, ?)", rows)
    con.execute(
        "CREATE TABLE clusters AS SELECT DISTINCT unique_id, cluster_id FROM (SELECT unique_id_l AS unique_id, "
        "cluster_id FROM pairs UNION ALL SELECT unique_id_r, cluster_id FROM pairs)"
    )
    quality = scores(con, truth="truth", pairs="pairs", clusters="clusters")
    # [label, m, u] of each level (the birth place's labels repeat: within one village, then between villages)
    weights = {
        c["output_column_name"]: [
            [lv["label_for_charts"], round(lv["m_probability"], 4), round(lv["u_probability"], 6)]
            for lv in c["comparison_levels"]
            if not lv.get("is_null_level")
        ]
        for c in (run.model or {}).get("comparisons", [])
        if c["output_column_name"] in ("birth_place", "birth_date")
    }
    return {
        "seconds": round(seconds, 2),
        "comparisons": run.comparisons,
        "m_u": weights,
        "pairs": result["pairs"],
        "clusters_found": result["clusters"],
        "timings": run.timings,
        "pair_metrics": quality["pairs"],
        "cluster_metrics": quality["clusters"],
        "true_pairs": quality["true_pairs"],
        "model": run.model,
    }


def baseline_run(truth: dict[int, int], name: str, threshold: float, chunks: int) -> dict[str, Any]:
    import duckdb

    from berdaya.dedup import dbio, linkage
    from berdaya.dedup.metrics import scores

    t0 = time.perf_counter()
    con = duckdb.connect()
    dbio.read_people(con)
    read_s = time.perf_counter() - t0
    lk = linkage.Linkage(con=con, columns=linkage.prepare(con), blocking=linkage.BASELINES[name])
    lk.build()
    lk.train()
    lk.predict(threshold=threshold, chunks=chunks)
    lk.cluster(threshold)
    seconds = time.perf_counter() - t0
    _truth_table(con, truth)
    quality = scores(con, truth="truth", pairs="scored", clusters="clusters")
    return {
        "seconds": round(seconds, 2),
        "read_s": round(read_s, 2),
        "comparisons": lk.comparisons,
        "timings": lk.timings,
        "pair_metrics": quality["pairs"],
        "cluster_metrics": quality["clusters"],
    }


def incremental(truth: dict[int, int], samples: int, seed: int) -> dict[str, Any]:
    """New corrupted copies of registry people, checked before saving: one call per record, and one batch."""
    import duckdb

    from berdaya.dedup import dbio
    from berdaya.dedup.incremental import likely_matches
    from berdaya.demo.linkage import _Gen

    con = duckdb.connect()
    ids = random.Random(seed).sample(sorted(truth), min(samples, len(truth)))
    dbio.read_people(con, person_ids=ids)
    originals = dbio.rows(con, "SELECT * FROM raw ORDER BY unique_id")
    villages = sorted({r["village_id"] for r in originals})
    gen = _Gen(seed, villages)
    records = []
    for rec in originals:
        kinds = gen.rng.sample(["nickname", "date_swap", "typo_first", "typo_last", "moved_village", "order"], 2)
        copy = gen.corrupt({**rec, "parent_name": rec.get("parent_name")}, [*kinds, "nik_missing"])
        records.append(copy)
    likely_matches(records[:1])  # warm: the model and the Splink linker of this process
    single = []
    hits = 0
    for rec in records:
        t = time.perf_counter()
        found = likely_matches([rec], limit=5)[0]
        single.append(time.perf_counter() - t)
        want = truth[rec["unique_id"]]
        hits += any(truth.get(m.person_id) == want for m in found)
    t = time.perf_counter()
    likely_matches(records, limit=5)
    batch = time.perf_counter() - t
    single.sort()
    return {
        "records": len(records),
        "per_record_ms_median": round(1000 * single[len(single) // 2], 1),
        "per_record_ms_max": round(1000 * single[-1], 1),
        "batch_per_record_ms": round(1000 * batch / max(len(records), 1), 1),
        "recall_top5": round(hits / max(len(records), 1), 3),
    }


def spark_run(people: int, seed: int, threshold: float) -> dict[str, Any]:
    """The whole pipeline (training included) on Spark in local mode, on the labelled set as a file."""
    import shutil

    import duckdb
    import pyarrow as pa

    from berdaya.dedup import linkage, spark
    from berdaya.dedup.metrics import scores
    from berdaya.demo.linkage import labelled_people

    if shutil.which("java") is None:
        return {"error": "Java missing"}
    recs = list(labelled_people(people, seed=seed))
    cols = [c for c in linkage.RAW_COLUMNS if c in recs[0]] + ["truth"]
    con = duckdb.connect()
    con.register("src", pa.table({c: [r.get(c) for r in recs] for c in cols}))
    con.execute("CREATE TABLE raw AS SELECT * FROM src")
    work = Path(tempfile.mkdtemp(prefix="berdaya-spark-"))
    t0 = time.perf_counter()
    columns = spark.prepare_parquet(con, work / "people.parquet")
    session = spark.session(master="local[2]", checkpoint_dir=str(work / "ckpt"))
    try:
        result = spark.run(session, work / "people.parquet", columns, threshold=threshold)
        con.register("sp_pairs", result.pairs.toPandas())
        con.register("sp_clusters", result.clusters.toPandas())
        seconds = time.perf_counter() - t0
        quality = scores(con, truth="raw", pairs="sp_pairs", clusters="sp_clusters")
    finally:
        session.stop()
        shutil.rmtree(work, ignore_errors=True)
    return {
        "people": people,
        "seconds": round(seconds, 2),
        "lambda": result.lam,
        "pair_metrics": quality["pairs"],
        "cluster_metrics": quality["clusters"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threshold", type=float, default=0.6)
    parser.add_argument("--chunks", type=int, default=1, help="predict chunks (BERDAYA_DEDUP_CHUNKS)")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--incremental", type=int, default=50, help="new records for the incremental check")
    parser.add_argument("--save-model", action="store_true", help="write the trained model as the default model")
    parser.add_argument("--reuse", action="store_true", help="keep the registry of an earlier run of the same size")
    parser.add_argument("--spark", type=int, default=0, help="also run the pipeline on Spark (local) on N people")
    parser.add_argument(
        "--no-birth-place", action="store_true", help="train and score without the birth-place comparison"
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        if args.reuse:
            raise SystemExit("--reuse needs DATABASE_URL (the SQLite file is made anew each run)")
        path = Path(tempfile.gettempdir()) / "berdaya_bench_dedup.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "berdaya.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import logging

    import django

    django.setup()
    logging.getLogger("splink").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if args.no_birth_place:  # before the pipelines' processes are forked
        from berdaya.dedup import linkage

        linkage.COMPARE_BIRTH_PLACE = False
    chunks = max(1, args.chunks)
    result: dict[str, Any] = {
        "db": connection.vendor,
        "people": args.people,
        "threshold": args.threshold,
        "birth_place": not args.no_birth_place,
    }
    t0 = time.perf_counter()
    # Built in a child process too: the parent stays small, so the forked pipelines' peak RSS is their own.
    built = _in_child(_reuse_child, args.people, args.seed) if args.reuse else {"truth": None}
    result["reused"] = built.get("truth") is not None
    if not result["reused"]:
        built = _in_child(_build_child, args.people, args.seed)
    if "error" in built:
        raise SystemExit(built["error"])
    truth = built["truth"]
    result["build_s"] = round(time.perf_counter() - t0, 2)
    result["load_avg_at_start"] = os.getloadavg()
    ours = _in_child(berdaya_run, truth, args.threshold, chunks)
    model = ours.pop("model", None)
    result["berdaya"] = ours
    if args.save_model and model:
        out = ROOT / "src" / "berdaya" / "dedup" / "data" / "default_model.json"
        out.write_text(json.dumps(model, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    if not args.no_baselines:
        for name in ("district_birth_year", "village"):
            result[f"baseline_{name}"] = _in_child(baseline_run, truth, name, args.threshold, chunks)
    if args.incremental:
        result["incremental"] = _in_child(incremental, truth, args.incremental, args.seed)
    if args.spark:
        result["spark"] = _in_child(spark_run, args.spark, args.seed, args.threshold)
    result["load_avg_at_end"] = os.getloadavg()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
