"""Pagination that stays fast at a million rows: the count stops at a cap instead of scanning everything."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

COUNT_CAP = 10_000
# No list is a billion rows long; a larger page number would only overflow the database's 64-bit LIMIT/OFFSET.
MAX_OFFSET = 10**9


@dataclass
class Page:
    items: list
    number: int
    page_size: int
    count: int
    capped: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        # A capped count means rows remain beyond this page: the cap is never below the end of the current page.
        return self.capped or self.number * self.page_size < self.count

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.page_size + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.page_size + len(self.items)

    @property
    def last_page(self) -> int | None:
        return None if self.capped else max(1, -(-self.count // self.page_size))


def paginate(qs: QuerySet, page: str | int | None, page_size: int) -> Page:
    try:
        number = max(1, int(page or 1))
    except (TypeError, ValueError):
        number = 1
    number = min(number, MAX_OFFSET // page_size + 1)
    offset = (number - 1) * page_size
    items = list(qs[offset : offset + page_size])
    if 0 < len(items) < page_size or (offset == 0 and not items):
        # A page that is not full is the last: the rows are counted already (most searches end on their first page).
        return Page(items=items, number=number, page_size=page_size, count=offset + len(items), capped=False)
    # COUNT over a LIMITed subquery: exact below the cap, "more than" above it.
    counted = qs.order_by()[: max(COUNT_CAP, offset + page_size) + 1].count()
    capped = counted > max(COUNT_CAP, offset + page_size)
    return Page(items=items, number=number, page_size=page_size, count=counted - (1 if capped else 0), capped=capped)
