# SQL here is assembled only from table and column names defined in code; values travel as parameters or files.
# ruff: noqa: S608
"""Moving rows between the registry database and DuckDB, set-based: PostgreSQL through COPY, SQLite through one
cursor read in batches (executemany to write). The same approach as imports/transport.py, which sits above this app.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
from django.db import connection

from berdaya.registry.choices import ALIAS_STATUSES

FETCH = 20_000

# The registry's people as the pipeline's raw input (linkage.RAW_COLUMNS). A child's parent is the household head.
# The birth place as written (linkage.prepare normalises it).
PEOPLE_SQL = """
SELECT p.id, p.full_name, CAST(p.birth_date AS VARCHAR(10)), p.sex, h.village_id, p.nik, h.kk_number, p.phone,
       CASE WHEN p.relationship IN ('child', 'grandchild') AND hd.id <> p.id THEN hd.full_name END, p.birth_place
FROM registry_person p
JOIN registry_household h ON h.id = p.household_id
LEFT JOIN registry_person hd ON hd.household_id = p.household_id AND hd.relationship = 'head' AND hd.status = 'active'
{where}
"""
PEOPLE_COLUMNS: list[tuple[str, str]] = [
    ("unique_id", "BIGINT"),
    ("full_name", "VARCHAR"),
    ("birth_date", "VARCHAR"),
    ("sex", "VARCHAR"),
    ("village_id", "VARCHAR"),
    ("nik", "VARCHAR"),
    ("kk_number", "VARCHAR"),
    ("phone", "VARCHAR"),
    ("parent_name", "VARCHAR"),
    ("birth_place", "VARCHAR"),
]


def _read_csv(duck: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]], path: Path) -> None:
    struct = "{" + ", ".join(f"'{n}': '{t}'" for n, t in columns) + "}"
    duck.execute(
        f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM read_csv('{path}', columns={struct}, header=false, "
        "auto_detect=false, delim=',', quote='\"', escape='\"', nullstr='')"
    )


def pull(duck: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]], select: str) -> int:
    """Rows of a registry query into a new DuckDB table, through one CSV file."""
    fd, name = tempfile.mkstemp(prefix="berdaya-dedup-", suffix=".csv")
    os.close(fd)
    path = Path(name)
    try:
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                with open(path, "wb") as fh, cur.cursor.copy(f"COPY ({select}) TO STDOUT (FORMAT csv)") as copy:
                    for data in copy:
                        fh.write(data)
            else:
                cur.execute(select)
                with open(path, "w", encoding="utf-8", newline="") as fh:
                    writer = csv.writer(fh)
                    while rows := cur.fetchmany(FETCH):
                        writer.writerows(rows)
        _read_csv(duck, table, columns, path)
    finally:
        path.unlink(missing_ok=True)
    return int(duck.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


# Up to this many rows (the candidates of a registration's check) are read by one fetch and handed to DuckDB as an
# Arrow table: the CSV file's round trip (a file made, written, parsed and removed, and a count) cost more than the
# rows themselves.
FETCH_DIRECT = 1_000
_ARROW_TYPES = {"BIGINT": "int64", "VARCHAR": "string"}


def pull_direct(duck: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]], select: str) -> int:
    """`pull` for a few rows, the same table: one fetch, the rows as an Arrow table. An empty string arrives as NULL,
    as `pull`'s CSV reads it (`nullstr=''`, quoted nulls allowed), so the two give the same table."""
    import pyarrow as pa

    rows = _fetch_direct(select, len(columns))
    arrays = [
        pa.array([row[i] for row in rows], getattr(pa, _ARROW_TYPES[kind])()) for i, (_name, kind) in enumerate(columns)
    ]
    duck.register("_pulled_arrow", pa.table(arrays, names=[name for name, _kind in columns]))
    try:
        duck.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _pulled_arrow")
    finally:
        duck.unregister("_pulled_arrow")
    return len(rows)


def _fetch_direct(select: str, width: int) -> list[tuple[Any, ...]]:
    """The rows of a registry query, an empty string as NULL (as `pull`'s CSV reads it)."""
    with connection.cursor() as cur:
        cur.execute(select)
        rows = cur.fetchall()
    return [tuple(None if row[i] == "" else row[i] for i in range(width)) for row in rows]


def people_rows(duck: duckdb.DuckDBPyConnection, person_ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """The rows `read_people(duck, person_ids=person_ids)` would put in its table (PEOPLE_COLUMNS, in the same
    order), as Python tuples: by one fetch for a few (FETCH_DIRECT), else through that table (`_people_rows`)."""
    if len(person_ids) <= FETCH_DIRECT:
        return _fetch_direct(PEOPLE_SQL.format(where=_people_where(person_ids)), len(PEOPLE_COLUMNS))
    read_people(duck, table="_people_rows", person_ids=person_ids)
    try:
        return [tuple(row) for row in duck.execute("SELECT * FROM _people_rows").fetchall()]
    finally:
        duck.execute("DROP TABLE _people_rows")


def _people_where(person_ids: Sequence[int] | None) -> str:
    aliases = ",".join(f"'{status}'" for status in ALIAS_STATUSES)
    where = f"WHERE p.status NOT IN ({aliases})"
    if person_ids is not None:
        ids = ",".join(str(int(i)) for i in person_ids) or "NULL"
        where += f" AND p.id IN ({ids})"
    return where


def read_people(duck: duckdb.DuckDBPyConnection, *, table: str = "raw", person_ids: Sequence[int] | None = None) -> int:
    """The registry's people (or only `person_ids`) into DuckDB table `table`; merged records (aliases) are not people
    of their own any more and are left out."""
    where = _people_where(person_ids)
    if person_ids is not None and len(person_ids) <= FETCH_DIRECT:
        return pull_direct(duck, table, PEOPLE_COLUMNS, PEOPLE_SQL.format(where=where))
    return pull(duck, table, PEOPLE_COLUMNS, PEOPLE_SQL.format(where=where))


def push(duck: duckdb.DuckDBPyConnection, select: str, table: str, columns: Sequence[str]) -> int:
    """Insert the rows of a DuckDB query into a registry table: COPY on PostgreSQL, executemany in batches on SQLite.
    Runs in the caller's transaction."""
    cols = ", ".join(columns)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            fd, name = tempfile.mkstemp(prefix="berdaya-dedup-", suffix=".csv")
            os.close(fd)
            path = Path(name)
            try:
                duck.execute(f"COPY ({select}) TO '{path}' (FORMAT csv, HEADER false)")
                sent = 0
                with open(path, "rb") as fh, cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)") as copy:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        copy.write(block)
                sent = int(duck.execute(f"SELECT count(*) FROM ({select})").fetchall()[0][0])
            finally:
                path.unlink(missing_ok=True)
            return sent
        marks = ", ".join(["%s"] * len(columns))
        res = duck.execute(select)
        sent = 0
        while batch := res.fetchmany(FETCH):
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", batch)
            sent += len(batch)
        return sent


def rows(duck: duckdb.DuckDBPyConnection, select: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    res = duck.execute(select, list(params))
    names = [d[0] for d in res.description]
    return [dict(zip(names, r, strict=True)) for r in res.fetchall()]
