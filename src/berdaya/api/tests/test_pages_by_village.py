"""A facilitator's people list is read one village at a time (pagination.PerValue): the pages are exactly their
scope, in id order, each row once, forward and backward, with filters, and an assignment changed holds at once."""

from __future__ import annotations

import itertools
from base64 import b64encode
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from berdaya.api.pagination import PerValue, in_values
from berdaya.api.services import token_create
from berdaya.registry import choices as c
from berdaya.registry.access import people_visible_to
from berdaya.registry.models import Person
from berdaya.testing import factories

pytestmark = pytest.mark.django_db

JANGKAT_1, JANGKAT_2 = factories.AREAS["15.02.01"][1]
BANGKO_1, BANGKO_2 = factories.AREAS["15.02.02"][1]


@pytest.fixture
def world():
    """Four villages' people with interleaved ids; the facilitator has Bangko (its two villages) through the district
    and Jangkat 2 directly, not Jangkat 1. Some are men, one is a merged alias (never listed)."""
    factories.make_areas()
    homes = {code: factories.household(village=code) for code in (JANGKAT_1, JANGKAT_2, BANGKO_1, BANGKO_2)}
    people = []
    for i in range(7):
        for code, hh in homes.items():
            people.append(factories.person(hh=hh, name=f"Warga {code} {i}", sex=c.Sex.MALE if i % 3 else c.Sex.FEMALE))
    survivor = people[-3]
    factories.person(hh=homes[BANGKO_1], name="Alias", status=c.PersonStatus.MERGED, merged_into=survivor)
    facilitator = factories.user("facilitator", villages=[JANGKAT_2], districts=["15.02.02"])
    return {"facilitator": facilitator, "people": people}


def client(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_create(actor=user, user=user, name='t').token}")
    return api


def walk(api: APIClient, url: str, link: str = "next") -> tuple[list[int], dict]:
    seen: list[int] = []
    body: dict = {}
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        page = [row["id"] for row in body["results"]]
        seen += page if link == "next" else page[::-1]
        url = body[link]
    return seen, body


def expected(user, **filters) -> list[int]:
    return list(people_visible_to(user).filter(**filters).order_by("-pk").values_list("pk", flat=True))


def test_the_pages_walked_forward_and_backward_are_the_facilitators_people_in_id_order(world):
    facilitator = world["facilitator"]
    scope = expected(facilitator)
    assert len(scope) == 21 and set(Person.objects.filter(pk__in=scope).values_list("village", flat=True)) == {
        JANGKAT_2,
        BANGKO_1,
        BANGKO_2,
    }
    api = client(facilitator)
    for size in (1, 2, 5, 50):
        forward, last = walk(api, f"/api/v1/people/?page_size={size}")
        assert forward == scope
        # From the last page back to the first with DRF's `previous` links: every row again, once, in order.
        last_page = [row["id"] for row in last["results"]]
        backward = walk(api, last["previous"], link="previous")[0] if last["previous"] else []
        assert backward[::-1] + last_page == scope


def test_filters_are_read_within_each_village(world):
    facilitator = world["facilitator"]
    api = client(facilitator)
    assert walk(api, "/api/v1/people/?page_size=2&sex=M")[0] == expected(facilitator, sex=c.Sex.MALE)
    assert walk(api, f"/api/v1/people/?page_size=2&village={BANGKO_1}")[0] == expected(facilitator, village=BANGKO_1)
    # A village outside the scope finds nobody, as before.
    assert walk(api, f"/api/v1/people/?page_size=2&village={JANGKAT_1}")[0] == []


def test_the_page_is_read_one_village_at_a_time(world):
    with CaptureQueriesContext(connection) as queries:
        assert client(world["facilitator"]).get("/api/v1/people/?page_size=3").status_code == 200
    pages = [q["sql"] for q in queries.captured_queries if "UNION ALL" in q["sql"]]
    assert len(pages) == 1 and pages[0].count("UNION ALL") == 2  # three villages, three branches


def test_an_assignment_removed_holds_from_the_next_request(world):
    facilitator = world["facilitator"]
    api = client(facilitator)
    assert walk(api, "/api/v1/people/?page_size=4")[0] == expected(facilitator)
    facilitator.districts.clear()
    only_jangkat_2 = walk(api, "/api/v1/people/?page_size=4")[0]
    assert only_jangkat_2 == expected(facilitator)
    assert set(Person.objects.filter(pk__in=only_jangkat_2).values_list("village", flat=True)) == {JANGKAT_2}
    facilitator.villages.clear()
    assert walk(api, "/api/v1/people/")[0] == []


def test_a_cursor_with_an_offset_reads_the_same_rows_as_the_one_query(world):
    # DRF's cursors carry an offset (o=) for repeated positions; a client may send one of its own.
    people = expected(world["facilitator"])
    cursor = quote(b64encode(f"o=2&p={people[4]}".encode()).decode())
    body = client(world["facilitator"]).get(f"/api/v1/people/?page_size=3&cursor={cursor}").json()
    assert [row["id"] for row in body["results"]] == people[7:10]


def test_per_village_reads_are_the_querysets_own_rows_for_any_cut(world):
    # The SQL form against the rule it reads: for each order, cursor position and cut, the same ids as the one query.
    scope = people_visible_to(world["facilitator"]).values("pk")
    assert in_values(scope, "village") == sorted([JANGKAT_2, BANGKO_1, BANGKO_2])
    ids = list(scope.order_by("pk").values_list("pk", flat=True))
    for ordering, position, filters in itertools.product(
        ("-pk", "pk"), (None, ids[3], ids[-5]), ({}, {"sex": c.Sex.MALE}, {"village": BANGKO_2})
    ):
        queryset = scope.filter(**filters).order_by(ordering)
        if position is not None:
            queryset = queryset.filter(**{"pk__lt" if ordering == "-pk" else "pk__gt": position})
        per_value = PerValue(scope.filter(**filters), "village", in_values(scope, "village")).order_by(ordering)
        if position is not None:
            per_value = per_value.filter(**{"pk__lt" if ordering == "-pk" else "pk__gt": position})
        for start, stop in [(0, 1), (0, 4), (2, 6), (0, 50), (19, 22)]:
            assert per_value[start:stop] == list(queryset[start:stop]), (ordering, position, filters, start, stop)


def test_only_a_condition_every_row_is_held_to_is_split(world):
    people = Person.objects.filter(village__in=[JANGKAT_1, BANGKO_1])
    assert in_values(people, "village") == [JANGKAT_1, BANGKO_1]
    assert in_values(people.filter(sex=c.Sex.MALE), "village") == [JANGKAT_1, BANGKO_1]
    # Not when it is one side of an OR, negated, or not on the row's own column.
    assert in_values(Person.objects.filter(village__in=[JANGKAT_1]) | Person.objects.filter(sex="M"), "village") is None
    assert in_values(Person.objects.exclude(village__in=[JANGKAT_1, BANGKO_1]), "village") is None
    assert in_values(Person.objects.filter(household__village__in=[JANGKAT_1, BANGKO_1]), "village") is None
    assert in_values(Person.objects.filter(village=JANGKAT_1), "village") is None
    assert in_values(people.distinct(), "village") is None
