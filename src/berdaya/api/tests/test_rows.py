"""List pages are read as plain rows (serializers.Rows) for speed: each row must be exactly what the endpoint's
serializer writes for that record (the schema's promise), masked the same for roles that do not see identifiers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from berdaya.api.services import token_create
from berdaya.api.urls import router
from berdaya.organisations.models import Organisation
from berdaya.registry.models import Household
from berdaya.testing import factories
from berdaya.testing.demo import demo_build
from berdaya.testing.worlds import built_once

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    with built_once(django_db_blocker):
        factories.make_areas()
        demo_build(tmp_path_factory.mktemp("rows"), households=25)
        partner_org = (
            Organisation.objects.filter(pk__in=Household.objects.values("registered_by_organisation")).first()
            or Organisation.objects.first()
        )
        yield {
            "officer": factories.user("officer", username="rows-officer"),
            "partner": factories.user("partner", username="rows-partner", org=partner_org),
        }


def _serialized(viewset, user, ids: list[int]) -> list[dict]:
    records = viewset.scope(user).filter(pk__in=ids).order_by("-pk")
    if viewset.related:
        records = records.select_related(*viewset.related)
    request = SimpleNamespace(user=user)
    return [viewset.serializer_class(r, context={"request": request}).data for r in records]


@pytest.mark.parametrize("role", ["officer", "partner"])
def test_every_list_row_is_what_the_serializer_writes(demo, role):
    user = demo[role]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_create(actor=user, user=user, name='rows').token}")
    compared = 0
    for prefix, viewset, _basename in router.registry:
        response = api.get(f"/api/v1/{prefix}/?page_size=200")
        if response.status_code == 403:  # a person-level endpoint the role may not read
            continue
        assert response.status_code == 200, (prefix, response.content)
        rows = response.json()["results"]
        expected = _serialized(viewset, user, [row["id"] for row in rows])
        # Through JSON, as the client reads both.
        assert rows == _as_json(expected), prefix
        compared += len(rows)
    # The demo has records in most lists: the comparison is not vacuous.
    assert compared > 100


def _as_json(records: list[dict]) -> list[dict]:
    import json

    from rest_framework.utils.encoders import JSONEncoder

    return json.loads(json.dumps(records, cls=JSONEncoder))


@pytest.mark.parametrize("role", ["officer", "partner"])
def test_every_detail_is_what_the_serializer_writes(demo, role):
    # A detail is rendered by the same plan from the record itself (Rows.row_of): keys as ids, related names
    # through the viewset's select_related, masking by role.
    user = demo[role]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_create(actor=user, user=user, name='rows').token}")
    compared = 0
    for prefix, viewset, _basename in router.registry:
        response = api.get(f"/api/v1/{prefix}/?page_size=200")
        if response.status_code == 403:
            continue
        ids = [row["id"] for row in response.json()["results"]][:15]
        expected = _as_json(_serialized(viewset, user, ids))
        details = []
        for pk in sorted(ids, reverse=True):
            detail = api.get(f"/api/v1/{prefix}/{pk}/")
            assert detail.status_code == 200, (prefix, detail.content)
            details.append(detail.json())
        assert details == expected, prefix
        compared += len(details)
    assert compared > 50
