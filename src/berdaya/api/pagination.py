"""Cursor pages: stable under inserts and as fast on the last page of a million rows as on the first (no OFFSET,
no COUNT)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    # DRF's "Invalid cursor" has no Indonesian in its own catalogue: ours, Indonesian first like every message.
    invalid_cursor_message = _("Kursor halaman tidak sah.")
    # The primary key is unique and never changes: the one ordering a cursor can rest on without skipping rows.
    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 200
