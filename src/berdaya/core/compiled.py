"""Querysets compiled to SQL once and run again with other values: two forms; and querysets built once a day (3).

1. `CompiledQuery` (the pages' reads).
Querysets compiled to SQL once per database and run again with other values.

Compiling a queryset (Django's `SQLCompiler.as_sql`: its columns, joins, conditions and order) costs about a
millisecond of CPU for a query over a few related models, several times what PostgreSQL then spends answering it
by an index; a person's page runs a dozen such queries whose SQL is the same for every person, only the person's id
changes. `CompiledQuery(build, person=int)` builds the queryset once with a stand-in value for each argument,
compiles it once per database, and on each call writes the call's values into the parameters and runs it through
Django's own iterables: model instances with their `select_related` models, `prefetch_related`, `values()`,
annotations, all as usual.

`build` must depend on its arguments only (not on the date, the language, the user or the settings): anything else
it reads is frozen into the SQL of the first call. An argument is a scalar (`int`, `str`) or a list of them
(`[int]`, for `__in`). Whenever the compiled SQL does not have the expected shape (a value transformed by its lookup,
such as `icontains`; a list that compiles to other than `IN (%s)`; an empty list, which Django answers without a
query), the call builds and compiles the queryset itself, as if there were no cache: the result never depends on it.

2. `ValuesByIds` (the API's and SPDCI's page rows).
Rows of a fixed query by primary key, with the SQL compiled once instead of on every request.

A page of an API list or an SPDCI search reads its rows in two steps: the page's ids (scoped, filtered: made for
each request), then those ids' columns (`queryset.filter(pk__in=ids).values(...)`, the same query every time but
for the ids). Django compiles the second query anew for each request, which for a search's member (four tables
and a disability subquery) cost more CPU than PostgreSQL took to run it. `ValuesByIds` compiles it once per
database, day (a query may hold today's date) and size, and runs the stored SQL with the page's ids in place of
placeholders it found by value; the rows are converted by the compiler's own converters, as `.values()` would.

The number of ids is rounded up to a few sizes (the last id repeated: `IN` ignores duplicates), so a handful of
statements serves every page; a list longer than the largest size is run through the ORM as it is.

3. `DailyQuerysets` (scopes built once per key and day).
A scope that is all conditions and subqueries (partner staff's people: their organisation's registrations, the
reach of the apps above, the consent withdrawn by today; the people an SPDCI client may find) is evaluated by the
database when a page is read, so the same queryset serves every request of the day with the same key. Building it
through the ORM costs about as much CPU as PostgreSQL then spends on the page. `DailyQuerysets(build)` keeps
`build(key)` per key and local date and hands out copies (`.all()`): the kept one is never run nor changed. A new
day builds anew (the rules hold today's date); `clear()` drops them when what they were built from changes.

On PostgreSQL, the first two run their SQL as prepared statements.
Django binds the parameters on the client (psycopg's `ClientCursor`): each run sends the whole SQL text with the
values written in, and PostgreSQL parses and plans it anew: for a search's hundred members, planning took about as
long as running. The SQL of a `ValuesByIds` size, and of a `CompiledQuery` without list arguments, is the same on
every call, so here it is run through a server-binding psycopg cursor with `prepare=True`: PostgreSQL parses and
plans it once per connection (psycopg keeps the connection's statements, `prepared_max` of them, and forgets them
at a rollback). Its `%s` are numbered `$1, $2...` once per statement (psycopg's `RawCursor` takes them so; its
other cursors split a statement longer than 4 kB anew on every run). The cursor is wrapped as Django wraps its
own (`execute_wrappers`, the query log that `assertNumQueries` counts, database errors as Django's); rows come
back in text form, converted as before.
An integer is sent as PostgreSQL would type it written in the SQL (`integer`, or `bigint` beyond), not psycopg's
smallest type, so a statement's parameter types do not depend on the values. The first run of each statement in a
process is a trial: inside a savepoint when a transaction is open; should PostgreSQL refuse the statement with
server-side parameters (a parameter it cannot type, an operator the type lacks), it is rolled back to the savepoint
and the statement runs as Django would run it, for this process from then on.
`prepared_raw(model, sql, params, using)` runs a raw query's SQL (one compiled once, such as the flag profiles')
the same way. A `CompiledQuery` keeps its rows' converters (per connection) with its SQL.
Off when the connection does not prepare: `OPTIONS["prepare_threshold"]` None, as Django leaves it; the settings
set it unless BERDAYA_PREPARED_STATEMENTS=0 (a pooler in transaction mode without prepared-statement support).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import operator
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DataError, ProgrammingError, connections, router
from django.db.models import QuerySet
from django.db.models.query import RawQuerySet
from django.db.models.sql.query import RawQuery
from django.utils import timezone

_PLACEHOLDER = re.compile(r"%%|%s")
_lock = threading.Lock()


class _Statement:
    """One SQL text run again and again: whether it runs prepared (None: not tried yet in this process)."""

    prepared: bool | None = None


def _prepares(connection: Any) -> bool:
    if connection.vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3 and connection.settings_dict["OPTIONS"].get("prepare_threshold") is not None


def _run(connection: Any, statement: _Statement, run: Callable[[bool], Any]) -> Any:
    """`run(True)` runs the statement prepared, `run(False)` as Django runs it; the first run is a trial."""
    if statement.prepared is False or not _prepares(connection):
        return run(False)
    if statement.prepared:
        return run(True)
    connection.ensure_connection()
    raw = connection.connection
    from psycopg.pq import TransactionStatus

    # Outside a transaction a refused statement leaves nothing behind; inside one, it would abort it.
    guarded = not (raw.autocommit and raw.info.transaction_status == TransactionStatus.IDLE)
    if guarded:
        with connection.wrap_database_errors:
            raw.execute("SAVEPOINT berdaya_prepared")
    try:
        result = run(True)
    except (ProgrammingError, DataError):
        if guarded:
            with connection.wrap_database_errors:
                raw.execute("ROLLBACK TO SAVEPOINT berdaya_prepared")
                raw.execute("RELEASE SAVEPOINT berdaya_prepared")
        result = run(False)  # should this fail too, the error is the statement's own: try again next time
        statement.prepared = False
        return result
    if guarded:
        with connection.wrap_database_errors:
            raw.execute("RELEASE SAVEPOINT berdaya_prepared")
    statement.prepared = True
    return result


@functools.cache
def _postgresql() -> Any:
    """The psycopg cursor that binds on the server and prepares, and its logging Django wrapper (made once)."""
    from django.db.backends.postgresql.base import CursorDebugWrapper
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg import RawCursor, adapters
    from psycopg.pq import Format
    from psycopg.types.numeric import Int4

    timestamptz = adapters.types["timestamptz"].oid
    numbered: dict[str, str] = {}  # SQL with %s → with $1, $2...: psycopg would split a long statement on every run

    def number(sql: str) -> str:
        count = iter(range(1, sql.count("%s") + 1))
        return _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else f"${next(count)}", sql)

    class Preparing(RawCursor[Any]):
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            raw = numbered.get(query)
            if raw is None:
                if len(numbered) > 2000:  # a few hundred statements in all; never a leak
                    numbered.clear()
                raw = numbered[query] = number(query)
            if params:
                # As PostgreSQL types an integer written in SQL: psycopg would send 5 as smallint, 50000 as integer.
                params = [
                    Int4(p) if isinstance(p, int) and not isinstance(p, bool) and -(2**31) <= p < 2**31 else p
                    for p in params
                ]
            return super().execute(raw, params, prepare=True)

    class Logged(CursorDebugWrapper):
        # The query log shows the SQL with its values, as for Django's own cursors.
        def debug_sql(
            self, sql: Any = None, params: Any = None, use_last_executed_query: bool = False, many: bool = False
        ) -> Any:
            if use_last_executed_query and params is not None:
                sql = self.db.ops.compose_sql(sql, params)
            return super().debug_sql(sql, params, False, many)

    def cursor(connection: Any) -> Any:
        """A Django cursor, as `connection.cursor()` makes, over a `Preparing` cursor."""
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        connection.validate_thread_sharing()
        with connection.wrap_database_errors:
            raw = connection.connection
            prepared = Preparing(raw)
            # As Django's create_cursor: the timestamptz loader of the connection's time zone.
            if connection.timezone != raw.adapters.get_loader(timestamptz, Format.TEXT).timezone:
                register_tzloader(connection.timezone, prepared)
        return Logged(prepared, connection) if connection.queries_logged else connection.make_cursor(prepared)

    return cursor


def _prepared_cursor(connection: Any) -> Any:
    return _postgresql()(connection)


class _PreparingConnection:
    """The connection as a compiler sees it, whose cursors prepare."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def cursor(self) -> Any:
        return _prepared_cursor(self._connection)


def _stand_in(kind: Any, index: int) -> Any:
    # Within a 32-bit integer's range: Django answers an out-of-range integer lookup without SQL.
    if kind is int:
        return -1_987_650_000 - index
    if kind is str:
        return f"\x1fcompiled-{index}\x1f"
    raise TypeError(f"CompiledQuery: an argument is int, str, [int] or [str], not {kind!r}")


class _Shape(_Statement):
    """The compiled SQL cut at its placeholders, and which parameter each argument fills."""

    def __init__(self, compiler: Any, pieces: list[str], params: list[Any], slots: dict[int, str]) -> None:
        self.compiler = compiler  # its select, klass_info and annotation_col_map are read, never changed
        self.pieces = pieces
        self.params = params
        self.slots = slots  # parameter position -> argument name
        # The columns a run's rows are read by (`results_iter`'s), and their converters for each connection (one per
        # thread): Django would find them anew on every run, field by field (tens of µs for a few joined models).
        self.fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        self.composite = compiler.has_composite_fields(self.fields)
        self._converters: dict[int, tuple[Any, dict[int, Any]]] = {}

    def converters(self, connection: Any) -> dict[int, Any]:
        kept = self._converters.get(id(connection))
        if kept is None or kept[0] is not connection:
            compiler = copy.copy(self.compiler)
            compiler.connection = connection
            if len(self._converters) > 64:  # connections are one per thread: never a leak
                self._converters.clear()
            kept = self._converters[id(connection)] = (connection, compiler.get_converters(self.fields))
        return kept[1]

    def sql_params(self, values: dict[str, Any], many: set[str]) -> tuple[str, list[Any]]:
        sql = [self.pieces[0]]
        params: list[Any] = []
        for position, constant in enumerate(self.params):
            name = self.slots.get(position)
            if name is None:
                sql.append("%s")
                params.append(constant)
            elif name in many:
                sql.append(", ".join(["%s"] * len(values[name])))
                params.extend(values[name])
            else:
                sql.append("%s")
                params.append(values[name])
            sql.append(self.pieces[position + 1])
        return "".join(sql), params


class CompiledQuery:
    """`build(**arguments)` → a QuerySet; calling the CompiledQuery with the arguments gives the list of its rows."""

    def __init__(self, build: Callable[..., QuerySet], **kinds: Any) -> None:
        self.build = build
        self.kinds = kinds
        self.many = {name for name, kind in kinds.items() if isinstance(kind, list)}
        self.stand_ins: dict[str, Any] = {}
        for index, (name, kind) in enumerate(kinds.items()):
            single = kind[0] if isinstance(kind, list) else kind
            self.stand_ins[name] = [_stand_in(single, index)] if name in self.many else _stand_in(single, index)
        self._template: QuerySet | None = None
        self._shapes: dict[str, _Shape | None] = {}

    def _shape(self, alias: str) -> tuple[QuerySet, _Shape | None]:
        if self._template is None or alias not in self._shapes:
            with _lock:
                template = self._template if self._template is not None else self.build(**self.stand_ins)
                self._shapes[alias] = self._compile(template, alias)
                self._template = template
        assert self._template is not None
        return self._template, self._shapes[alias]

    def _compile(self, template: QuerySet, alias: str) -> _Shape | None:
        compiler = template.all().query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        params = list(params)
        pieces: list[str] = []
        start = 0
        for match in _PLACEHOLDER.finditer(sql):
            if match.group() == "%s":
                pieces.append(sql[start : match.start()])
                start = match.end()
        pieces.append(sql[start:])
        if len(pieces) != len(params) + 1:
            return None
        slots: dict[int, str] = {}
        for name, stand_in in self.stand_ins.items():
            value = stand_in[0] if name in self.many else stand_in
            found = [i for i, p in enumerate(params) if type(p) is type(value) and p == value]
            if not found:
                return None
            if name in self.many and any(
                not (pieces[i].endswith(" IN (") and pieces[i + 1].startswith(")")) for i in found
            ):
                return None
            slots.update(dict.fromkeys(found, name))
        return _Shape(compiler, pieces, params, slots)

    def __call__(self, *, using: str | None = None, **values: Any) -> list[Any]:
        if set(values) != set(self.kinds):
            raise TypeError(f"CompiledQuery: the arguments are {sorted(self.kinds)}, given {sorted(values)}")
        for name in self.many:
            values[name] = list(values[name])
        template = self._template
        alias = using or router.db_for_read(template.model if template is not None else self.build(**values).model)
        empty = any(not values[name] for name in self.many)
        template, shape = self._shape(alias)
        if shape is None or empty:
            return list(self.build(**values).using(alias))
        sql, params = shape.sql_params(values, self.many)
        connection = connections[alias]  # the thread's own connection

        def run(prepared: bool) -> list[Any]:
            compiler = copy.copy(shape.compiler)
            compiler.connection = _PreparingConnection(connection) if prepared else connection
            compiler.as_sql = lambda *args, **kwargs: (sql, params)
            compiler.get_converters = functools.partial(_converters, shape, connection, compiler)
            compiler.has_composite_fields = functools.partial(_composite, shape, compiler)
            queryset = template.using(alias)
            queryset.query.get_compiler = lambda *args, **kwargs: compiler  # type: ignore[method-assign]
            return list(queryset)

        if self.many:  # its SQL has as many placeholders as values: not one statement to prepare
            return run(False)
        return _run(connection, shape, run)


def _converters(shape: _Shape, connection: Any, compiler: Any, expressions: list[Any]) -> dict[int, Any]:
    """`compiler.get_converters(expressions)`: kept with the shape for its own columns (the same objects)."""
    if len(expressions) == len(shape.fields) and all(map(operator.is_, expressions, shape.fields)):
        return shape.converters(connection)
    return type(compiler).get_converters(compiler, expressions)


def _composite(shape: _Shape, compiler: Any, expressions: list[Any]) -> bool:
    if len(expressions) == len(shape.fields) and all(map(operator.is_, expressions, shape.fields)):
        return shape.composite
    return bool(type(compiler).has_composite_fields(compiler, expressions))


class _PreparedRawQuery(RawQuery):
    """A raw query run as a prepared statement where the connection prepares (the first run a trial, as above)."""

    def clone(self, using: Any) -> _PreparedRawQuery:
        return _PreparedRawQuery(self.sql, using, params=self.params)

    def _execute_query(self) -> None:
        connection = connections[self.using]
        adapter = connection.ops.adapt_unknown_value  # as RawQuery adapts a raw query's values
        params = tuple(adapter(value) for value in self.params)
        statement = _raw_statements.get(self.sql)
        if statement is None:
            if len(_raw_statements) > 200:  # a few statements a day; never a leak
                _raw_statements.clear()
            statement = _raw_statements.setdefault(self.sql, _Statement())

        def execute(prepared: bool) -> Any:
            cursor = _prepared_cursor(connection) if prepared else connection.cursor()
            cursor.execute(self.sql, params)
            return cursor

        self.cursor = _run(connection, statement, execute)


_raw_statements: dict[str, _Statement] = {}


def prepared_raw(model: Any, sql: str, params: tuple[Any, ...], using: str) -> RawQuerySet:
    """`model.objects.raw(sql, params).using(using)`, its statement prepared on PostgreSQL: for SQL that is the same
    text on many calls (a query compiled once, its values as parameters)."""
    query: Any = _PreparedRawQuery(sql, using, params)
    return RawQuerySet(sql, model=model, query=query, params=params, using=using)


SIZES = (1, 10, 25, 51, 100, 200)
# Placeholder ids, found by value among the compiled query's parameters: no real id is negative.
_MARK = -7_300_000_001


class ValuesByIds:
    """`build(ids)` is the query (`Model.objects.filter(pk__in=ids)...values(*names)`); `rows(ids)` its rows, as
    dicts, in the database's order (callers that need the ids' order put them in it)."""

    def __init__(self, build: Callable[[Sequence[int]], QuerySet[Any]]) -> None:
        self.build = build
        self._compiled: dict[tuple[str, str, int, dt.date], _Compiled] = {}
        self._lock = threading.Lock()

    def rows(self, ids: Sequence[int], using: str = DEFAULT_DB_ALIAS) -> list[dict[str, Any]]:
        ids = list(ids)
        if not ids:
            return []
        size = next((n for n in SIZES if n >= len(ids)), None)
        if size is None:
            return list(self.build(ids).using(using))
        key = (using, connections[using].vendor, size, timezone.localdate())
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                # One day's statements are kept: a new day compiles anew (its date may be in the query).
                for old in [k for k in self._compiled if k[3] != key[3]]:
                    del self._compiled[old]
                compiled = self._compiled[key] = _Compiled(self.build, size, using)
        return compiled.run(ids + [ids[-1]] * (size - len(ids)))


class _Compiled(_Statement):
    def __init__(self, build: Callable[[Sequence[int]], QuerySet[Any]], size: int, using: str) -> None:
        marks = [_MARK - i for i in range(size)]
        queryset = build(marks)
        query = queryset.query
        self.names = [*query.extra_select, *query.values_select, *query.annotation_select]
        assert self.names, "ValuesByIds needs a .values(...) query"
        compiler = query.get_compiler(using)
        sql, params = compiler.as_sql()
        self.params = list(params)
        # Where each placeholder id sits among the parameters (each exactly once, or the query is not what we think).
        self.positions = [self.params.index(mark) for mark in marks]
        assert all(self.params.count(mark) == 1 for mark in marks), sql
        self.sql, self.using, self.compiler = sql, using, compiler
        self.converters = compiler.get_converters([s[0] for s in compiler.select])

    def run(self, ids: list[int]) -> list[dict[str, Any]]:
        params = list(self.params)
        for position, pk in zip(self.positions, ids, strict=True):
            params[position] = pk
        connection = connections[self.using]

        def fetch(prepared: bool) -> Any:
            with _prepared_cursor(connection) if prepared else connection.cursor() as cursor:
                cursor.execute(self.sql, params)
                return cursor.fetchall()

        rows = _run(connection, self, fetch)
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in rows]


class DailyQuerysets:
    """`get(key)`: `build(key)` as built today for that key, a copy. At most `most` keys are kept (then all are
    dropped and built again as asked)."""

    def __init__(self, build: Callable[[Any], QuerySet[Any]], *, most: int = 256) -> None:
        self.build = build
        self.most = most
        self._kept: dict[tuple[Any, dt.date], QuerySet[Any]] = {}

    def get(self, key: Any) -> QuerySet[Any]:
        today = timezone.localdate()
        kept = self._kept.get((key, today))
        if kept is None:
            if any(day != today for _key, day in self._kept):
                self._kept = {k: v for k, v in self._kept.items() if k[1] == today}
            if len(self._kept) >= self.most:
                self._kept = {}
            kept = self._kept[(key, today)] = self.build(key)
        return kept.all()

    def clear(self) -> None:
        self._kept = {}


class PreparedSQL(_Statement):
    """One fixed SQL statement (Django's `%s` placeholders) run again and again with other values: on PostgreSQL
    through the preparing cursor above (parsed and planned once per connection), else through Django's own cursor.
    For the few reads every request makes (the session), where compiling a queryset costs more than the query."""

    def __init__(self, sql: str) -> None:
        self.sql = sql

    def fetchall(self, params: Sequence[Any], using: str = DEFAULT_DB_ALIAS) -> list[tuple[Any, ...]]:
        connection = connections[using]

        def fetch(prepared: bool) -> list[tuple[Any, ...]]:
            with _prepared_cursor(connection) if prepared else connection.cursor() as cursor:
                cursor.execute(self.sql, list(params))
                return list(cursor.fetchall())

        result: list[tuple[Any, ...]] = _run(connection, self, fetch)
        return result
