"""Querysets compiled to SQL once per database and run again with other values.

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
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable
from typing import Any

from django.db import connections, router
from django.db.models import QuerySet

_PLACEHOLDER = re.compile(r"%%|%s")
_lock = threading.Lock()


def _stand_in(kind: Any, index: int) -> Any:
    # Within a 32-bit integer's range: Django answers an out-of-range integer lookup without SQL.
    if kind is int:
        return -1_987_650_000 - index
    if kind is str:
        return f"\x1fcompiled-{index}\x1f"
    raise TypeError(f"CompiledQuery: an argument is int, str, [int] or [str], not {kind!r}")


class _Shape:
    """The compiled SQL cut at its placeholders, and which parameter each argument fills."""

    def __init__(self, compiler: Any, pieces: list[str], params: list[Any], slots: dict[int, str]) -> None:
        self.compiler = compiler  # its select, klass_info and annotation_col_map are read, never changed
        self.pieces = pieces
        self.params = params
        self.slots = slots  # parameter position -> argument name

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
        compiler = copy.copy(shape.compiler)
        compiler.connection = connections[alias]  # the thread's own connection
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        queryset = template.all().using(alias)
        queryset.query.get_compiler = lambda *args, **kwargs: compiler  # type: ignore[method-assign]
        return list(queryset)
