"""A household as a `Group` (and a farmer's family) carries only the members the client's user may find in the social
registry (services.members_for): a member who withdrew consent to sharing is not listed, not counted in
`group_size` (neither in the record nor in a query on it), and not shown as the head."""

import json

import pytest

from berdaya.dci.models import Delivery
from berdaya.registry import choices as c
from berdaya.registry import services as registry_services
from berdaya.testing import factories

from .helpers import Receiver, call, check_callback, run_ready_tasks, search_body, search_item, token_for
from .test_async import _subscribe

pytestmark = pytest.mark.django_db


def records(data):
    return data["message"]["search_response"][0]["data"]["reg_records"]


def _withdraw(world, person, purpose=c.ConsentPurpose.SHARING):
    registry_services.consent_withdraw(actor=world["officer"], person=person, purpose=purpose)


def _group_by_kk(token, kk):
    body = search_body(search_item("idtype-value", {"type": "KK", "value": kk}, response_entity="Group"))
    _, data = call(token, "social", "sync-search", body)
    return data


def _size_query(op, n):
    predicate = [{"seq_num": 1, "expression1": {"attribute_name": "group_size", "operator": op, "attribute_value": n}}]
    return search_body(search_item("predicate", predicate, response_entity="Group"))


def test_a_group_leaves_out_a_member_who_withdrew_consent_to_sharing(world):
    _withdraw(world, world["child"])
    data = _group_by_kk(token_for(world["officer"]), world["hh1"].kk_number)
    (group,) = records(data)
    assert group["group_size"] == 1
    assert [m["@id"] for m in group["member_list"]] == [f"urn:berdaya:person:{world['head'].pk}"]
    assert "Ani Santoso" not in json.dumps(data) and world["child"].nik not in json.dumps(data)


def test_a_group_whose_head_withdrew_shows_no_head(world):
    _withdraw(world, world["head"], c.ConsentPurpose.ALL)
    token = token_for(world["officer"])
    query = {"type": "NIK", "value": world["child"].nik}
    _, data = call(
        token, "social", "sync-search", search_body(search_item("idtype-value", query, response_entity="Group"))
    )
    (group,) = records(data)
    assert group["group_head_info"] is None and group["group_size"] == 1
    assert [m["demographic_info"]["name"]["given_name"] for m in group["member_list"]] == ["Ani Santoso"]
    assert "Budi Santoso" not in json.dumps(data) and world["head"].nik not in json.dumps(data)


def test_a_query_on_group_size_counts_only_the_members_shown(world):
    token = token_for(world["officer"])
    hh1 = f"urn:berdaya:household:{world['hh1'].pk}"
    _, before = call(token, "social", "sync-search", _size_query("eq", "2"))
    assert [g["@id"] for g in records(before)] == [hh1]
    _withdraw(world, world["child"])
    _, data = call(token, "social", "sync-search", _size_query("eq", "2"))
    assert records(data) == []  # a size of 2 would tell of the member left out
    _, data = call(token, "social", "sync-search", _size_query("eq", "1"))
    assert hh1 in [g["@id"] for g in records(data)]


def test_a_partner_gets_its_beneficiarys_household_and_family_without_the_member_who_withdrew(world):
    hh2 = world["partner_person"].household
    hidden = factories.person(hh=hh2, name="Rahasia Keluarga", relationship=c.Relationship.CHILD)
    token = token_for(world["partner"])
    query = {"type": "HOUSEHOLD_ID", "value": str(hh2.pk)}
    body = search_body(search_item("idtype-value", query, response_entity="Group"))
    _, data = call(token, "social", "sync-search", body)
    assert "Rahasia Keluarga" in json.dumps(data)  # before the withdrawal: a member like any other
    _withdraw(world, hidden)
    _, data = call(
        token, "social", "sync-search", search_body(search_item("idtype-value", query, response_entity="Group"))
    )
    (group,) = records(data)
    assert group["group_size"] == 1 and "Rahasia Keluarga" not in json.dumps(data)
    # The farmer registry's family details of the partner's farmer, the same.
    plot = {"type": "PLOT_ID", "value": str(world["plot"].pk)}
    _, data = call(token, "farmer", "sync-search", search_body(search_item("idtype-value", plot)))
    (farmer,) = records(data)
    assert farmer["family_details"]["group_size"] == 1
    assert "Rahasia Keluarga" not in json.dumps(data)


def test_a_group_notification_leaves_out_a_member_who_withdrew(world, django_capture_on_commit_callbacks):
    _withdraw(world, world["child"])
    village = {"type": "expression", "value": {"expression": {"query": {"village_code": {"$eq": "15.02.01.2001"}}}}}
    with Receiver() as receiver:
        token = token_for(world["officer"], receiver.origin)
        with django_capture_on_commit_callbacks(execute=True):
            _subscribe(token, "social", receiver.url("/update"), "UPDATE", village, record_type="Group")
        run_ready_tasks(django_capture_on_commit_callbacks)
        receiver.received.clear()
        with django_capture_on_commit_callbacks(execute=True):
            registry_services.person_update(
                actor=world["officer"], person=world["head"], data={"birth_place": "Bangko"}
            )
        run_ready_tasks(django_capture_on_commit_callbacks)  # the scan
        run_ready_tasks(django_capture_on_commit_callbacks)  # the delivery
        assert len(receiver.received) == 1
        body = receiver.received[0]
        check_callback("social", body)
        group = body["message"]["notify_event"][0]["data"]["reg_records"]
        assert group["@id"] == f"urn:berdaya:household:{world['hh1'].pk}" and group["group_size"] == 1
        assert "Ani Santoso" not in json.dumps(body)
    assert Delivery.objects.filter(action="notify").count() == 1


def test_the_regency_wide_people_built_once_a_day_still_leave_out_a_withdrawal_made_since(world):
    """An officer's searchable people are built once per registry and day (services.people_for) and run by the
    database at each search: a withdrawal recorded after the first search of the day is left out of the next, as
    the uncached rule leaves it out, in both registries."""
    from berdaya.dci import services

    officer = world["officer"]
    services._REGENCY_PEOPLE.clear()
    token = token_for(officer)
    nik = world["child"].nik

    def found() -> list:
        body = search_body(search_item("idtype-value", {"type": "NIK", "value": nik}))
        return records(call(token, "social", "sync-search", body)[1])

    assert len(found()) == 1
    assert ("social", services.timezone.localdate()) in services._REGENCY_PEOPLE._kept  # kept for the day
    _withdraw(world, world["child"])
    assert found() == []
    for registry in ("social", "farmer"):
        kept = set(services.people_for(officer, registry).values_list("pk", flat=True))
        assert kept == set(services._people_for(officer, registry).values_list("pk", flat=True))
        assert world["child"].pk not in kept
