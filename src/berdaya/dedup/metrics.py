# SQL here is assembled from table names defined in code and ids cast to int.
# ruff: noqa: S608
"""Precision, recall and F1 of found pairs and clusters against a truth column, computed in DuckDB."""

from __future__ import annotations

from typing import Any

import duckdb


def _prf(tp: int, found: int, true: int) -> dict[str, float]:
    p = tp / found if found else 1.0
    r = tp / true if true else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def scores(con: duckdb.DuckDBPyConnection, *, truth: str, pairs: str, clusters: str) -> dict[str, Any]:
    """`truth` (unique_id, truth), `pairs` (unique_id_l, unique_id_r), `clusters` (unique_id, cluster_id).
    Pair metrics compare the scored pairs at the threshold with the true pairs; cluster metrics compare every pair
    placed in one cluster (what a reviewer is shown as one person) with the true pairs."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _true AS
            SELECT a.unique_id AS l, b.unique_id AS r FROM {truth} a JOIN {truth} b
            ON a.truth = b.truth AND a.unique_id < b.unique_id"""
    )
    true_n = con.execute("SELECT count(*) FROM _true").fetchall()[0][0]
    found, tp = con.execute(
        f"""SELECT count(*), count(t.l) FROM (SELECT DISTINCT least(unique_id_l, unique_id_r) AS l,
            greatest(unique_id_l, unique_id_r) AS r FROM {pairs}) p LEFT JOIN _true t USING (l, r)"""
    ).fetchall()[0]
    c_found, c_tp = con.execute(
        f"""SELECT count(*), count(t.l) FROM (SELECT a.unique_id AS l, b.unique_id AS r FROM {clusters} a
            JOIN {clusters} b ON a.cluster_id = b.cluster_id AND a.unique_id < b.unique_id) p
            LEFT JOIN _true t USING (l, r)"""
    ).fetchall()[0]
    return {"pairs": _prf(tp, found, true_n), "clusters": _prf(c_tp, c_found, true_n), "true_pairs": true_n}
