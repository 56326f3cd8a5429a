"""The same pipeline on Spark in local mode (skipped where Java or pyspark is missing).

Kept small on purpose (Spark's fixed cost per job dominates): 300 people scored with the shipped model and the same
λ on both backends must give the same pairs at the same probabilities. Training, λ and clustering on Spark at scale
are measured by `bench/dedup.py --spark N`, not here."""

from __future__ import annotations

import shutil

import duckdb
import pyarrow as pa
import pytest

from berdaya.dedup import linkage, spark
from berdaya.demo.linkage import labelled_people

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None or pytest.importorskip("pyspark") is None, reason="Java or pyspark missing"
)


def test_spark_scores_like_duckdb(tmp_path):
    recs = list(labelled_people(300, seed=9))
    cols = [c for c in linkage.RAW_COLUMNS if c in recs[0]] + ["truth"]
    con = duckdb.connect()
    con.register("src", pa.table({c: [r.get(c) for r in recs] for c in cols}))
    con.execute("CREATE TABLE raw AS SELECT * FROM src")
    parquet = tmp_path / "people.parquet"
    columns = spark.prepare_parquet(con, parquet)
    model = linkage.default_model()
    # given the DuckDB pipeline's pairs with the shipped model
    lk = linkage.Linkage(con=con, columns=columns, model=model)
    lk.build()
    lk.predict(threshold=0.3)
    duck = con.execute("SELECT unique_id_l, unique_id_r, match_probability FROM scored").fetchall()
    assert len(duck) >= 5
    # when Spark scores the same prepared people with the same model and λ
    session = spark.session(master="local[1]", checkpoint_dir=str(tmp_path / "ckpt"), partitions=2)
    try:
        result = spark.run(session, parquet, columns, threshold=0.3, model=model, lam=lk.lam, cluster=False)
        found = {(r.unique_id_l, r.unique_id_r): r.match_probability for r in result.pairs.collect()}
    finally:
        session.stop()
    # then the same pairs at the same probabilities (the comparisons' SQL was rewritten for Spark)
    assert found.keys() == {(left, right) for left, right, _p in duck}
    assert all(found[(left, right)] == pytest.approx(p, abs=1e-6) for left, right, p in duck)
