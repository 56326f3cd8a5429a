# SQL here is assembled from names defined in code and ids cast to int; values travel as query parameters.
# ruff: noqa: S608
"""Checking new, unsaved records against the whole registry before they are saved (the registration form, imports,
later the API): `likely_matches`.

Candidates come from a few index lookups, never a scan: the match keys (PersonKey, rebuilt by every run) by
canonical name, first name and birth date, district and birth date, KK, phone; the registry's NIK index; and people
registered since the keys were built (an id range) by birth date, NIK or phone. They are scored with the same Splink
model a run trained (the latest run's, else the default model shipped in data/default_model.json), pair by pair
(`linker.inference.score_pairs`), with the term frequencies of their names counted from the keys.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
from django.db.models import Count, Max, Q

from berdaya.core.phone import normalise_phone
from berdaya.registry.models import Person

from . import dbio, linkage, pairfilter
from .names import canonical_words, name_parts

CANDIDATES_PER_RECORD = 200
GROUP = 50  # new records scored per Splink call
DEFAULT_THRESHOLD = 0.5  # shown to an officer as "possibly the same": a lower bar than a run's stored pairs
RECORD_KEYS = ("full_name", "birth_date", "sex", "village_id", "nik", "kk_number", "phone", "parent_name")


@dataclass(frozen=True)
class Match:
    """A registry person a new record may be: the probability that they are the same, and why (per-field
    weights with Indonesian labels, as stored on a run's pairs)."""

    person_id: int
    probability: float
    explanation: list[dict[str, Any]] = field(default_factory=list)


_local = threading.local()


def _model() -> dict[str, Any]:
    from .selectors import latest_model

    return latest_model() or linkage.default_model()


def _scorer(model: dict[str, Any]) -> tuple[duckdb.DuckDBPyConnection, str]:
    """A DuckDB connection of this thread and the SQL that scores the pairs of `_want` (l: a row of `inc_new`, r: a
    row of `inc_cand`, both with their term-frequency columns) with `model`: Splink's own scoring SQL (what
    `linker.inference.score_pairs` runs), generated once per model and kept between calls, because generating it
    (sqlglot parsing every level) cost most of a call."""
    key = json.dumps(model, sort_keys=True)
    cached = getattr(_local, "scorer", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    from splink import DuckDBAPI, Linker
    from splink.internals.pipeline import CTEPipeline
    from splink.internals.predict import predict_from_comparison_vectors_sqls_using_settings

    # One thread: a web worker scores a few hundred pairs, where DuckDB's threads would only contend with the other
    # workers and the database for the cores.
    con = duckdb.connect(config={"threads": 1})
    con.execute("CREATE TABLE raw (" + ", ".join(f"{c} {t}" for c, t in linkage.RAW_COLUMNS.items()) + ")")
    linkage.prepare(con)
    settings = dict(model)
    settings["blocking_rules_to_generate_predictions"] = []
    settings["retain_matching_columns"] = settings["retain_intermediate_calculation_columns"] = True
    linker = Linker(DuckDBAPI(connection=con).register("people"), settings)
    obj = linker._settings_obj
    pipeline = CTEPipeline()
    pipeline.enqueue_sql(
        f"SELECT {', '.join(obj._columns_to_select_for_blocking)}, 0 AS match_key "
        "FROM _want w JOIN inc_new AS l ON l.unique_id = w.l JOIN inc_cand AS r ON r.unique_id = w.r",
        "__splink__compare_two_records_blocked",
    )
    pipeline.enqueue_sql(
        f"SELECT {', '.join(obj._columns_to_select_for_comparison_vector_values)} "
        "FROM __splink__compare_two_records_blocked",
        "__splink__df_comparison_vectors",
    )
    pipeline.enqueue_list_of_sqls(predict_from_comparison_vectors_sqls_using_settings(obj))
    scoring = (con, pipeline.generate_cte_pipeline_sql())
    _local.scorer = (key, scoring)
    return scoring


def _district(village_id: str | None) -> str:
    return village_id.rsplit(".", 1)[0] if village_id and village_id.count(".") == 3 else (village_id or "")


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _iso(value: Any) -> str | None:
    day = _as_date(value)
    return day.isoformat() if day else None


def _phone(value: Any) -> str:
    if not value:
        return ""
    try:
        return normalise_phone(str(value)) or ""
    except Exception:
        return ""


def newest_keyed() -> int:
    """The highest person id with match keys: people above it were registered since the keys were built."""
    from .models import PersonKey

    return PersonKey.objects.aggregate(m=Max("person_id"))["m"] or 0


def candidates(record: dict[str, Any], *, exclude: Iterable[int] = (), newest: int | None = None) -> list[int]:
    """Registry people worth scoring against `record`, by index lookups. `newest`: newest_keyed(), read once by a
    caller that looks up several records (read here when not given)."""
    from .models import PersonKey

    parts = name_parts(record.get("full_name"))
    birth = _as_date(record.get("birth_date"))
    district = _district(record.get("village_id"))
    # The birth date as written and with day and month swapped (when both could be a month).
    births = [birth] if birth else []
    if birth and birth.day <= 12 and birth.day != birth.month:
        births.append(dt.date(birth.year, birth.day, birth.month))
    # In order of how surely they point at one person: the record's NIK, the narrow keys (a few people each),
    # people registered since the keys were built, then the canonical name, which a common name shares with thousands
    # at a million people. Each is looked up on its own, so a crowded key cannot push a surer one out of the limit.
    q = Q()
    if parts.given and births:
        q |= Q(first_token=parts.first[:60], birth_date__in=births)
    if births and district:
        q |= Q(district_code=district, birth_date__in=births)
    if record.get("kk_number"):
        q |= Q(kk_number=str(record["kk_number"]).strip())
    phone = _phone(record.get("phone"))
    if phone:
        q |= Q(phone=phone.lstrip("+"))
        q |= Q(phone=phone)
    skip = set(exclude)
    ids: list[int] = []

    def room() -> int:
        return CANDIDATES_PER_RECORD - len(dict.fromkeys(ids))

    if record.get("nik"):
        ids += (
            Person.objects.filter(nik=str(record["nik"]).strip())
            .exclude(pk__in=skip)
            .values_list("id", flat=True)[:CANDIDATES_PER_RECORD]
        )
    if q and room() > 0:
        ids += (
            PersonKey.objects.filter(q)
            .exclude(person_id__in=[*skip, *ids])
            .values_list("person_id", flat=True)[: room()]
        )
    fresh = Q()
    if births or phone:
        if newest is None:
            newest = newest_keyed()
        if births:
            fresh |= Q(birth_date__in=births, id__gt=newest)
        if phone:
            fresh |= Q(phone=phone, id__gt=newest)
    if fresh and room() > 0:
        ids += Person.objects.filter(fresh).exclude(pk__in=[*skip, *ids]).values_list("id", flat=True)[: room()]
    if parts.given and room() > 0:
        ids += (
            PersonKey.objects.filter(name_key=parts.sorted_key[:150])
            .exclude(person_id__in=[*skip, *ids])
            .values_list("person_id", flat=True)[: room()]
        )
    return list(dict.fromkeys(ids))[:CANDIDATES_PER_RECORD]


# From this many keys on, PostgreSQL's own estimate of the table's rows (pg_class.reltuples, which ANALYZE sets; a run
# analyzes the keys it rebuilt, services._write_keys) stands for the count: counting a million keys at every
# registration cost more than the rest of the check, and a few per cent on the denominator of a term frequency is
# a few per cent on a ratio the model reads on a log scale. A smaller table (a new deployment, every test) is counted.
ESTIMATE_FROM = 100_000


def key_count() -> int:
    """How many people have match keys: the denominator of the names' term frequencies."""
    from django.db import connections, router

    from .models import PersonKey

    connection = connections[router.db_for_read(PersonKey)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [PersonKey._meta.db_table])
            row = cursor.fetchone()
        if row is not None and row[0] >= ESTIMATE_FROM:
            return int(row[0])
    return PersonKey.objects.count()


def _tf(con: duckdb.DuckDBPyConnection, table: str, total: int) -> None:
    """The term frequencies of the canonical names among `total` keyed people, counted from the keys (index-only
    counts)."""
    from .models import PersonKey

    total = max(total, 1)
    rows = con.execute(f"SELECT DISTINCT name_sorted, first_name FROM {table}").fetchall()
    names = {r[0] for r in rows if r[0]}
    firsts = {r[1] for r in rows if r[1]}
    by_name = dict(
        PersonKey.objects.filter(name_key__in=names)
        .values_list("name_key")
        .annotate(n=Count("*"))
        .values_list("name_key", "n")
    )
    by_first = dict(
        PersonKey.objects.filter(first_token__in=firsts)
        .values_list("first_token")
        .annotate(n=Count("*"))
        .values_list("first_token", "n")
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _tf_name (v VARCHAR, n BIGINT)")
    con.execute("CREATE OR REPLACE TEMP TABLE _tf_first (v VARCHAR, n BIGINT)")
    if by_name:
        con.executemany("INSERT INTO _tf_name VALUES (?, ?)", list(by_name.items()))
    if by_first:
        con.executemany("INSERT INTO _tf_first VALUES (?, ?)", list(by_first.items()))
    # A name the keys do not count (none yet, or a name new to the registry) gets no adjustment (NULL); nor does the
    # birth date or the birth place (no index counts people by either: the level's average weight is used).
    con.execute(
        f"""CREATE OR REPLACE TABLE {table} AS SELECT t.*,
            (SELECT n FROM _tf_name WHERE v = t.name_sorted) / {float(total)} AS tf_name_sorted,
            (SELECT n FROM _tf_first WHERE v = t.first_name) / {float(total)} AS tf_first_name,
            CAST(NULL AS DOUBLE) AS tf_birth_date, CAST(NULL AS DOUBLE) AS tf_birth_place,
            CAST(NULL AS DOUBLE) AS tf_birth_place_village
            FROM {table} t"""
    )


def _name_parts(rows: Sequence[Sequence[Any]]) -> Any:
    """An Arrow table (unique_id, given, parent, parent_given) for raw `rows` (linkage.RAW_COLUMNS' order): each
    name made canonical by the rule's Python form (the same rule as its SQL form, tests/test_names.py)."""
    import pyarrow as pa

    uid, full, parent_col = (list(linkage.RAW_COLUMNS).index(c) for c in ("unique_id", "full_name", "parent_name"))
    ids, given, parent, parent_given = [], [], [], []
    for row in rows:
        parts = name_parts(row[full])
        ids.append(row[uid])
        given.append(list(parts.given))
        parent.append(list(parts.parent))
        parent_given.append(list(canonical_words(row[parent_col])))
    strings = pa.list_(pa.string())
    return pa.table(
        {
            "unique_id": pa.array(ids, pa.int64()),
            "given": pa.array(given, strings),
            "parent": pa.array(parent, strings),
            "parent_given": pa.array(parent_given, strings),
        }
    )


def _related(
    con: duckdb.DuckDBPyConnection,
    model: dict[str, Any],
    pairs: list[tuple[int, int]],
    identifying: Collection[Any],
    *,
    rows: Sequence[Sequence[Any]],
    table: Callable[[], str],
) -> set[tuple[int, int]] | None:
    """Of `pairs` (l: a new record, r: a candidate, both rows of the raw `source`, their names made canonical in
    `parts`), those whose names are not at the model's last name level ("Nama berbeda") or that agree at one of the
    `identifying` (field, label) levels: the model's own level conditions, so a pair left out is one whose
    explanation would say "Nama berbeda" without any of those agreements. None when the model has no name comparison
    to read (every pair is scored). The conditions are answered in Python where that is exact (pairfilter.related,
    from the raw `rows`); else they read the prepared columns (linkage.prepare's), only those they name, prepared in
    the same statement (linkage.prepared_select) over `table()` (the raw rows and their names made canonical, as
    one table registered for the statement): most checks end here, before the records are prepared whole."""
    by_field = {c.get("output_column_name"): c.get("comparison_levels", []) for c in model.get("comparisons", [])}
    names = [lv["sql_condition"] for lv in by_field.get("name", []) if lv.get("sql_condition", "ELSE") != "ELSE"]
    if not names:
        return None
    wanted = set(identifying)
    ids = [
        lv["sql_condition"]
        for field, levels in by_field.items()
        for lv in levels
        if (field, lv.get("label_for_charts")) in wanted and lv.get("sql_condition", "ELSE") != "ELSE"
    ]
    atoms = pairfilter.plan((*names, *ids))
    if atoms is not None:
        decided = pairfilter.related(con, atoms, pairs, rows)
        if decided is not None:
            return decided
    # A condition that is NULL does not choose its level (Splink's CASE WHEN): COALESCE to false.
    keep = " OR ".join(f"COALESCE(({c}), FALSE)" for c in [*names, *ids])
    # Only the columns the conditions read, and the pairs bound as two lists (one statement, not one per pair).
    read = [c for c in linkage.prepared_columns() if re.search(rf"\b{re.escape(c)}_[lr]\b", keep)]
    both = ", ".join(f"a.{c} AS {c}_l, b.{c} AS {c}_r" for c in read) or "1 AS _none"
    rows = con.execute(
        f"WITH inc AS MATERIALIZED ({linkage.prepared_select(table(), table(), read)}) "
        f"SELECT l, r FROM (SELECT w.l, w.r, {both} "
        "FROM (SELECT unnest(?::BIGINT[]) AS l, unnest(?::BIGINT[]) AS r) w "
        f"JOIN inc a ON a.unique_id = w.l JOIN inc b ON b.unique_id = w.r) WHERE {keep}",
        [[p[0] for p in pairs], [p[1] for p in pairs]],
    ).fetchall()
    return {(int(left), int(right)) for left, right in rows}


def _raw(rows: Sequence[Sequence[Any]]) -> Any:
    """`rows` (linkage.RAW_COLUMNS' order) as an Arrow table of those columns and types (a value that is not a
    string is written as DuckDB's cast to VARCHAR writes it: str for numbers; dates come as ISO strings already),
    followed by `_name_parts`' columns, so one table serves linkage.prepare as both its `source` and its `parts`."""
    import pyarrow as pa

    arrays = []
    for i, kind in enumerate(linkage.RAW_COLUMNS.values()):
        if kind == "BIGINT":
            arrays.append(pa.array([row[i] for row in rows], pa.int64()))
        else:
            values = [row[i] for row in rows]
            arrays.append(pa.array([v if v is None or isinstance(v, str) else str(v) for v in values], pa.string()))
    parts = _name_parts(rows)
    names = ["given", "parent", "parent_given"]
    return pa.table([*arrays, *(parts[n] for n in names)], names=[*linkage.RAW_COLUMNS, *names])


def likely_matches(
    records: Sequence[dict[str, Any]],
    *,
    exclude_person_ids: Iterable[int] = (),
    limit: int = 5,
    threshold: float = DEFAULT_THRESHOLD,
    unless_names_differ: Collection[tuple[str, str]] | None = None,
) -> list[list[Match]]:
    """For each new record (keys: full_name, birth_date, sex, village_id, nik, kk_number, phone, parent_name,
    birth_place; any may be missing), the registry people it most likely is, best first: at most `limit`, each at or above
    `threshold`. People in `exclude_person_ids` (the record itself when editing) are never proposed.

    `unless_names_differ`: (field, label) levels of exact identifiers. When given, a candidate whose name shares
    nothing with the record's (the last name level, "Nama berbeda") and that agrees at none of those levels is not
    scored at all: a caller that never holds such a match (intake.form_provider) is spared scoring the people
    merely born the same day in the same district, most of the candidates of a new family."""
    if not records:
        return []
    exclude = set(exclude_person_ids)
    # Once for all the records, not once each (a record without a birth date or phone does not need it).
    newest = newest_keyed() if any(r.get("birth_date") or r.get("phone") for r in records) else None
    wanted = [candidates(r, exclude=exclude, newest=newest) for r in records]
    if not any(wanted):
        # No registry person shares a key with any record: nothing to score, so the model is not even loaded (most
        # registrations of a new family end here).
        return [[] for _record in records]
    model = _model()
    con, scoring = _scorer(model)
    # The records and their candidates (linkage.RAW_COLUMNS), handed to DuckDB as Arrow tables: no table is built
    # until a candidate passes the name filter.
    raw_rows: list[list[Any]] = []
    for i, r in enumerate(records):
        raw_rows.append(
            [
                -(i + 1),
                r.get("full_name"),
                _iso(r.get("birth_date")),
                r.get("sex"),
                r.get("village_id"),
                None,
                None,
                r.get("nik"),
                r.get("kk_number"),
                _phone(r.get("phone")) or None,
                r.get("parent_name"),
                None,
                r.get("birth_place"),
            ]
        )
    all_ids = sorted({i for ids in wanted for i in ids})
    at = {name: i for i, (name, _kind) in enumerate(dbio.PEOPLE_COLUMNS)}
    for person in dbio.people_rows(con, all_ids):
        raw_rows.append([person[at[c]] if c in at else None for c in linkage.RAW_COLUMNS])
    # The names are made canonical by the rule's Python form (the same rule, tests/test_names.py): for a few
    # hundred records binding its SQL form would cost more than the work. The table is registered when a statement
    # first reads it: most checks end at the name filter, answered in Python.
    registered: list[str] = []

    def table() -> str:
        if not registered:
            con.register("_raw_arrow", _raw(raw_rows))
            registered.append("_raw_arrow")
        return registered[0]

    try:
        if unless_names_differ is not None:
            related = _related(
                con,
                model,
                [(-(i + 1), pid) for i, ids in enumerate(wanted) for pid in ids],
                unless_names_differ,
                rows=raw_rows,
                table=table,
            )
            if related is not None:
                wanted = [[pid for pid in ids if (-(i + 1), pid) in related] for i, ids in enumerate(wanted)]
                if not any(wanted):
                    return [[] for _record in records]
        linkage.prepare(con, source=table(), target="inc_all", parts=table())
    finally:
        if registered:
            con.unregister("_raw_arrow")
    _tf(con, "inc_all", key_count())
    con.execute("CREATE OR REPLACE TABLE inc_new AS SELECT * FROM inc_all WHERE unique_id < 0")
    con.execute("CREATE OR REPLACE TABLE inc_cand AS SELECT * FROM inc_all WHERE unique_id > 0")
    explain = linkage.explanation_sql(model)
    found: dict[int, list[Match]] = {}
    # Records are scored in groups against all their candidates at once (one Splink call per group), then each
    # record keeps only its own candidates.
    for start in range(0, len(records), GROUP):
        group = [(i, ids) for i, ids in enumerate(wanted[start : start + GROUP], start) if ids]
        if not group:
            continue
        con.execute("CREATE OR REPLACE TEMP TABLE _want (l BIGINT, r BIGINT)")
        con.executemany("INSERT INTO _want VALUES (?, ?)", [(-(i + 1), pid) for i, ids in group for pid in ids])
        res = con.execute(
            f"""SELECT l, r, match_probability, explanation FROM (
                  SELECT s.unique_id_l AS l, s.unique_id_r AS r, s.match_probability, {explain} AS explanation,
                         row_number() OVER (PARTITION BY s.unique_id_l ORDER BY s.match_probability DESC,
                                            s.unique_id_r) AS rank
                  FROM ({scoring}) s
                  WHERE s.match_probability >= ?) WHERE rank <= ? ORDER BY l DESC, rank""",
            [float(threshold), int(limit)],
        ).fetchall()
        for left_id, pid, p, e in res:
            found.setdefault(-int(left_id) - 1, []).append(Match(int(pid), float(p), json.loads(e)))
    return [found.get(i, []) for i in range(len(records))]
