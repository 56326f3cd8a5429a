"""Cursor pages: stable under inserts and as fast on the last page of a million rows as on the first (no OFFSET,
no COUNT)."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    # The primary key is unique and never changes: the one ordering a cursor can rest on without skipping rows.
    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 200
