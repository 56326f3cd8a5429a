"""The same pipeline on Spark in local mode (skipped where Java or pyspark is missing)."""

from __future__ import annotations

import shutil

import duckdb
import pyarrow as pa
import pytest

from berdaya.dedup import linkage, spark
from berdaya.dedup.metrics import scores
from berdaya.demo.linkage import labelled_people

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None or pytest.importorskip("pyspark") is None, reason="Java or pyspark missing"
)


def test_spark_local_finds_the_duplicates(tmp_path):
    recs = list(labelled_people(1500, seed=9))
    cols = [c for c in linkage.RAW_COLUMNS if c in recs[0]] + ["truth"]
    con = duckdb.connect()
    con.register("src", pa.table({c: [r.get(c) for r in recs] for c in cols}))
    con.execute("CREATE TABLE raw AS SELECT * FROM src")
    parquet = tmp_path / "people.parquet"
    columns = spark.prepare_parquet(con, parquet)
    session = spark.session(master="local[2]", checkpoint_dir=str(tmp_path / "ckpt"))
    try:
        result = spark.run(session, parquet, columns, threshold=0.9)
        con.register("sp_pairs", result.pairs.toPandas())
        con.register("sp_clusters", result.clusters.toPandas())
        quality = scores(con, truth="raw", pairs="sp_pairs", clusters="sp_clusters")
    finally:
        session.stop()
    assert quality["true_pairs"] > 30
    assert quality["clusters"]["f1"] >= 0.8, quality
    assert 0 < result.lam < 0.01
    assert {c["output_column_name"] for c in result.model["comparisons"]} >= {"name", "birth_date", "place"}
