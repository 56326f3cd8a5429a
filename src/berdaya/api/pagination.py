"""Cursor pages: stable under inserts and as fast on the last page of a million rows as on the first (no OFFSET,
no COUNT)."""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import Col
from django.db.models.lookups import In
from django.db.models.sql.where import AND
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    # DRF's "Invalid cursor" has no Indonesian in its own catalogue: ours, Indonesian first like every message.
    invalid_cursor_message = _("Kursor halaman tidak sah.")
    # The primary key is unique and never changes: the one ordering a cursor can rest on without skipping rows.
    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request: Any) -> Any:
        # The position is a primary key (`ordering`): one that is not an integer ("p=abc", "p=1e3", a NUL) is a
        # cursor this API never made, refused as DRF refuses a bad offset (404 "Kursor halaman tidak sah"), not a
        # 500 when the database is asked for ids below it.
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            position = str(cursor.position)
            if not (position.isascii() and position.lstrip("-").isdigit() and len(position) <= 20):
                raise NotFound(self.invalid_cursor_message)
            if not -(2**63) <= int(position) < 2**63:  # beyond a bigint key
                raise NotFound(self.invalid_cursor_message)
        return cursor

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any] | None:
        # A view whose rows are indexed by (`page_by`, id) reads a page of a scope limited to a few of its values
        # (a facilitator's villages) as one index range per value (PerValue).
        field = getattr(view, "page_by", None)
        if field is not None and isinstance(queryset, QuerySet):
            values = in_values(queryset, field)
            if values is not None and 1 < len(values) <= PerValue.MOST:
                queryset = PerValue(queryset, field, values)
        return super().paginate_queryset(queryset, request, view)


def in_values(queryset: QuerySet[Any], field: str) -> list[Any] | None:
    """The values `v1, v2...` when every row of `queryset` is held to `field IN (v1, v2...)` by a condition of its
    own table ANDed at the top of its WHERE (a facilitator's villages: core.access.village_scope_q); else None."""
    query = queryset.query
    where = query.where
    if where.connector != AND or where.negated or query.combinator or query.distinct or query.is_sliced:
        return None
    target = queryset.model._meta.get_field(field)
    for child in where.children:
        if (
            isinstance(child, In)
            and isinstance(child.lhs, Col)
            and child.lhs.target is target
            and child.lhs.alias == query.base_table
            and isinstance(child.rhs, list | tuple)
        ):
            values = set(child.rhs)
            # One type of value, none of them NULL (which no row's IN matches): else the one query as it is.
            if None in values or len({type(value) for value in values}) > 1:
                return None
            return sorted(values)
    return None


# Where the branch's value goes, found by value among the compiled query's parameters (no code or id is either).
_MARKS: dict[type, Any] = {str: "\x1fpage-by\x1f", int: -7_300_000_777}


class PerValue:
    """A `.values("pk")` queryset ordered by its primary key, whose rows are all within `field IN values`, read as
    one branch per value: `(its rows with field = v, ordered, first n) UNION ALL ...`, ordered and cut again.

    PostgreSQL answers `village IN (a, b) ORDER BY id DESC LIMIT 51` by walking the whole table's id index backward
    and skipping the other villages' people (most of them: a facilitator's two villages of the regency's two
    hundred); each branch is instead a range of the (village, id) index, and the branches are merged in id order
    (Merge Append), about a tenth of the work. The rows are the same: a row has one value of `field`, so the branches
    split the rows without overlap, and the first n rows of the whole are among the first n of their own branch.

    DRF's CursorPagination orders, filters by the cursor's position and slices it; the slice runs the branches. The
    query is compiled once, with a marker in place of the branch's value, and its SQL repeated per value (the cost of
    the one query it replaces). Anything not of that shape is read as it is."""

    MOST = 32  # beyond this many values, the one query as it is (a plan of a hundred branches costs its own CPU)

    def __init__(self, queryset: QuerySet[Any], field: str, values: list[Any]) -> None:
        self.queryset, self.field, self.values = queryset, field, values

    def order_by(self, *ordering: str) -> PerValue:
        return PerValue(self.queryset.order_by(*ordering), self.field, self.values)

    def filter(self, *args: Any, **kwargs: Any) -> PerValue:
        return PerValue(self.queryset.filter(*args, **kwargs), self.field, self.values)

    def __getitem__(self, cut: slice) -> list[Any]:
        assert isinstance(cut, slice) and cut.step is None and cut.stop is not None
        start, stop = cut.start or 0, cut.stop
        query = self.queryset.query
        order = tuple(query.order_by)
        direction = "DESC" if order == ("-pk",) else "ASC" if order == ("pk",) else None
        mark = _MARKS.get(type(self.values[0]))
        if (
            direction is None
            or mark is None
            or query.values_select != ("pk",)
            or query.annotation_select
            or query.extra_select
            or any(type(value) is not type(mark) for value in self.values)
        ):
            return list(self.queryset[start:stop])
        branch = self.queryset.filter(**{self.field: mark})[:stop]
        alias = branch.db
        sql, params = branch.query.get_compiler(using=alias).as_sql()
        params = list(params)
        at = [i for i, p in enumerate(params) if type(p) is type(mark) and p == mark]
        if len(at) != 1:
            return list(self.queryset[start:stop])
        branches, all_params = [], []
        for n, value in enumerate(self.values):
            branches.append(f"SELECT * FROM ({sql}) AS branch{n}")  # noqa: S608 - the ORM's SQL, values as parameters
            params[at[0]] = value
            all_params += params
        union = " UNION ALL ".join(branches) + f" ORDER BY 1 {direction} LIMIT {stop - start} OFFSET {start}"
        with connections[alias].cursor() as cursor:
            cursor.execute(union, all_params)
            return [{"pk": row[0]} for row in cursor.fetchall()]
