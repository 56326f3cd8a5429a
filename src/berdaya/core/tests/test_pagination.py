"""Pagination whose count stops at a cap, so a list of a million people stays fast."""

from __future__ import annotations

import pytest

from berdaya.areas.models import Province
from berdaya.core import pagination
from berdaya.core.pagination import paginate


@pytest.fixture
def rows(db, monkeypatch):
    """100 rows and a cap of 30, so "above the cap" needs no million rows."""
    monkeypatch.setattr(pagination, "COUNT_CAP", 30)
    Province.objects.bulk_create(Province(code=f"{i:02d}", name=f"Provinsi {i}") for i in range(100))
    return Province.objects.order_by("code")


def codes(page) -> list[str]:
    return [p.code for p in page.items]


def test_it_counts_exactly_below_the_cap(db, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 30)
    Province.objects.bulk_create(Province(code=f"{i:02d}", name="P") for i in range(23))
    page = paginate(Province.objects.order_by("code"), 3, 10)
    assert (page.count, page.capped, page.last_page) == (23, False, 3)
    assert codes(page) == ["20", "21", "22"]
    assert (page.start_index, page.end_index, page.has_next, page.has_previous) == (21, 23, False, True)


def test_it_stops_counting_at_the_cap(rows):
    page = paginate(rows, 1, 10)
    assert (page.count, page.capped, page.last_page) == (30, True, None)
    assert codes(page) == [f"{i:02d}" for i in range(10)]
    assert page.has_next and not page.has_previous


def test_it_keeps_offering_a_next_page_beyond_the_cap(rows):
    # Page 4 ends at row 40, past the cap of 30: 60 more rows follow.
    page = paginate(rows, 4, 10)
    assert codes(page) == [f"{i:02d}" for i in range(30, 40)]
    assert page.capped
    assert page.count >= 40
    assert page.has_next
    assert (page.start_index, page.end_index) == (31, 40)


def test_it_counts_exactly_once_the_last_page_is_reached(rows):
    page = paginate(rows, 10, 10)
    assert codes(page) == [f"{i:02d}" for i in range(90, 100)]
    assert (page.count, page.capped, page.has_next, page.last_page) == (100, False, False, 10)


def test_it_counts_with_one_limited_query(rows, django_assert_num_queries):
    with django_assert_num_queries(2) as captured:
        paginate(rows, 2, 10)
    count_sql = next(q["sql"].upper() for q in captured.captured_queries if "COUNT" in q["sql"].upper())
    assert "LIMIT 31" in count_sql


def test_a_page_that_is_not_full_needs_no_count(rows, django_assert_num_queries):
    # The last page of 95 rows, and a first page holding every match: the rows fetched are the count.
    with django_assert_num_queries(1):
        page = paginate(rows.filter(code__lt="95"), 10, 10)
    assert (page.count, page.capped, page.has_next, page.last_page, len(page.items)) == (95, False, False, 10, 5)
    with django_assert_num_queries(1):
        page = paginate(rows.filter(code__lt="07"), 1, 10)
    assert (page.count, page.capped, page.has_next, page.last_page, page.end_index) == (7, False, False, 1, 7)
    with django_assert_num_queries(1):
        page = paginate(rows.filter(code="zz"), 1, 10)
    assert (page.count, page.has_next, page.start_index, page.last_page) == (0, False, 0, 1)
    # A full page still counts: more rows may follow.
    with django_assert_num_queries(2):
        page = paginate(rows.filter(code__lt="10"), 1, 10)
    assert (page.count, page.has_next) == (10, False)


@pytest.mark.parametrize("raw", [None, "", "abc", "0", "-3", "1.5", 0])
def test_it_reads_a_bad_page_number_as_the_first_page(rows, raw):
    page = paginate(rows, raw, 10)
    assert page.number == 1
    assert codes(page)[0] == "00"


@pytest.mark.parametrize("raw", ["11", "9999999999999999999999"])
def test_it_shows_an_empty_page_past_the_end_instead_of_failing(rows, raw):
    page = paginate(rows, raw, 10)
    assert page.items == []
    assert page.start_index == 0
    assert not page.has_next
