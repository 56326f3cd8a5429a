"""The same pipeline on Spark (Splink's Spark backend), for province- or nation-wide registries.

Names are normalised by the one rule (names.py, in DuckDB) while the people are prepared; the prepared table goes to
Spark as Parquet, and Spark runs the same comparisons (linkage.settings_for with Spark's function names), the same
blocking, training, prediction and clustering. On a cluster, write the prepared Parquet to shared storage and pass a
SparkSession of the cluster (docs/dedup.md, "Spark").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from . import linkage


@dataclass
class SparkResult:
    pairs: Any  # a Spark DataFrame: unique_id_l, unique_id_r, match_probability, match_weight
    clusters: Any  # a Spark DataFrame: unique_id, cluster_id (None when not clustered)
    model: dict[str, Any]
    lam: float


def prepare_parquet(con: duckdb.DuckDBPyConnection, out: Path) -> set[str]:
    """Prepare `raw` (linkage.RAW_COLUMNS) on `con` and write the prepared people to `out` (Parquet)."""
    columns = linkage.prepare(con)
    con.execute(f"COPY people TO '{out}' (FORMAT parquet)")
    return columns


def session(
    *, master: str = "local[2]", app: str = "berdaya-dedup", checkpoint_dir: str | None = None, partitions: int = 8
) -> Any:
    """A SparkSession with Splink's similarity UDFs (the jar shipped with Splink) on its classpath; `partitions`
    shuffle partitions (a cluster wants hundreds, a test two)."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    builder = (
        SparkSession.builder.master(master)
        .appName(app)
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.default.parallelism", str(partitions))
        .config("spark.ui.enabled", "false")
    )
    spark = builder.getOrCreate()
    if checkpoint_dir:
        spark.sparkContext.setCheckpointDir(checkpoint_dir)
    return spark


def run(
    spark: Any,
    parquet: Path | str,
    columns: set[str],
    *,
    threshold: float = 0.9,
    model: dict[str, Any] | None = None,
    lam: float | None = None,
    cluster: bool = True,
) -> SparkResult:
    """Train (unless a trained `model` is given), predict and cluster (unless not `cluster`) on Spark. λ is
    re-estimated from the scored pairs as in linkage.estimate_lambda, unless given."""
    from splink import Linker, SparkAPI

    sdf = spark.read.parquet(str(parquet))
    people = sdf.count()
    db_api = SparkAPI(spark_session=spark, break_lineage_method="persist")
    if model is None:
        linker = Linker(db_api.register(sdf), linkage.settings_for(columns, dialect="spark"))
        linkage.train_model(linker, columns, people)
        model = linkage.finish_training(linker.misc.save_model_to_json(out_path=None))
        if linkage.COMPARE_BIRTH_PLACE and "birth_place" in columns:
            model = add_birth_place(spark, db_api, sdf, columns, model, people).model or model
    else:
        model = linkage.for_dialect(model, "spark")
    linker, _view = _linker(spark, db_api, sdf, columns, model)
    prior = linker._settings_obj._probability_two_random_records_match
    scored = linker.inference.predict(threshold_match_weight=-8.0, warning_mode="never")
    df = scored.as_spark_dataframe()
    base = math.log2(prior / (1 - prior))
    from pyspark.sql import functions as F

    if lam is None:
        lam = linkage.lambda_of(_query(spark), scored.physical_name, prior, people)
    shift = math.log2(lam / (1 - lam)) - base
    weight = F.col("match_weight") + F.lit(shift)
    kept = (
        df.withColumn("match_weight", weight)
        .withColumn("match_probability", 1 / (1 + F.pow(F.lit(2.0), -F.col("match_weight"))))
        .filter(F.col("match_probability") >= threshold)
    )
    clusters = None
    if cluster:
        kept_splink = db_api.register(kept.select("unique_id_l", "unique_id_r", "match_weight", "match_probability"))
        found = linker.clustering.cluster_pairwise_predictions_at_threshold(
            kept_splink, threshold_match_probability=threshold
        )
        clusters = found.as_spark_dataframe().select("unique_id", "cluster_id")
    model["probability_two_random_records_match"] = lam
    return SparkResult(
        pairs=kept.select("unique_id_l", "unique_id_r", "match_probability", "match_weight"),
        clusters=clusters,
        model=model,
        lam=lam,
    )


def _query(spark: Any) -> linkage.Query:
    return lambda sql: [tuple(row) for row in spark.sql(sql).collect()]


def _linker(spark: Any, db_api: Any, sdf: Any, columns: set[str], model: dict[str, Any]) -> tuple[Any, str]:
    """A Splink linker scoring `sdf` with a trained `model` (as linkage.Linkage.build): the blocking of `columns`,
    and the birth place's term-frequency lookups (linkage.birth_place_tf_sql) when the model compares it. With the
    name of the view of `sdf` it reads."""
    from splink import Linker

    people = db_api.register(sdf)
    linker = Linker(people, {**model, "blocking_rules_to_generate_predictions": linkage.blocking_for(columns)})
    if "birth_place" in columns and any(
        c["output_column_name"] == linkage.BIRTH_PLACE.name for c in model["comparisons"]
    ):
        for column, sql in linkage.birth_place_tf_sql(people.physical_name).items():
            tf = spark.sql(sql).persist()
            linker.table_management.register_term_frequency_lookup(db_api.register(tf), column)
    return linker, people.physical_name


def add_birth_place(
    spark: Any, db_api: Any, sdf: Any, columns: set[str], model: dict[str, Any], people: int
) -> linkage.BirthPlaceLearnt:
    """The birth-place step of training (linkage.Linkage.add_birth_place) on Spark, by the same SQL as on DuckDB
    (linkage.learn_birth_place): the pairs `model` (trained without it, in Spark's dialect) scores, the levels of
    the near-certain ones and of random pairs."""
    linker, view = _linker(spark, db_api, sdf, columns, model)
    scored = linker.inference.predict(threshold_match_weight=-8.0, warning_mode="never")
    return linkage.learn_birth_place(
        model,
        _query(spark),
        "spark",
        scored=scored.physical_name,
        people=view,
        people_count=people,
        prior=linker._settings_obj._probability_two_random_records_match,
        scored_done=lambda: _drop(scored),
    )


def _drop(table: Any) -> None:
    """A Splink table on Spark out of memory and out of the catalogue."""
    table.as_spark_dataframe().unpersist()
    table.drop_table_from_database_and_remove_from_cache()
