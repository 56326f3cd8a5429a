"""txn/status answers the stored answer of a search in each registry's own TxnStatusResponse shape, validated against
the spec (helpers.call, check_callback), synchronously and at the `txn-on-status` callback: the social registry's
`reg_records` is a list as in its search answers, the farmer registry's is one object, so a request with several
records is one item per record (docs/dci.md, "txn/status"). The farmer registry's search answers (sync and
`on-search` callback) keep their list, as its SearchResponse wants."""

import pytest

from berdaya.registry import choices as c
from berdaya.testing import factories

from .helpers import Receiver, call, check_callback, run_ready_tasks, search_body, search_item, status_body, token_for

pytestmark = pytest.mark.django_db

IN_JANGKAT = {"type": "expression", "value": {"expression": {"query": {"village_code": {"$eq": "15.02.01.2001"}}}}}
NOBODY = "1502019999999999"


def _items(person_nik: str) -> list[dict]:
    bad = search_item("idtype-value", {"type": "NIK", "value": person_nik}, ref="r-bad")
    bad["timestamp"] = "yesterday"
    return [
        search_item("idtype-value", {"type": "NIK", "value": person_nik}, ref="r-one"),
        search_item("expression", IN_JANGKAT, ref="r-many"),
        search_item("idtype-value", {"type": "NIK", "value": NOBODY}, ref="r-none"),
        bad,
    ]


def _records_by_reference(items: list[dict], *, one_object: bool) -> dict[str, list]:
    """The records of each request, gathered over its items; each item's `reg_records` of the expected shape."""
    found: dict[str, list] = {}
    for item in items:
        records = found.setdefault(item["reference_id"], [])
        if "data" not in item:
            continue
        value = item["data"]["reg_records"]
        assert isinstance(value, dict if one_object else list), value
        records.extend([value] if one_object else value)
    return found


def _check_against_search(status: dict, searched: dict, registry: str) -> None:
    """A txn/status answer (`txn_status`) tells each request as its search answer did, the same records."""
    items = status["search_response"]
    one_object = registry == "farmer"
    assert _records_by_reference(items, one_object=one_object) == _records_by_reference(
        searched["search_response"], one_object=False
    )
    states = {(i["reference_id"], i["status"], i.get("status_reason_code")) for i in items}
    assert states == {
        ("r-one", "succ", None),
        ("r-many", "succ", None),
        ("r-none", "succ", None),
        ("r-bad", "rjct", "rjct.timestamp.invalid"),
    }
    paginations = {i["reference_id"]: i["pagination"] for i in searched["search_response"] if "pagination" in i}
    for item in items:
        if item["reference_id"] in paginations:
            assert item["pagination"] == paginations[item["reference_id"]]
    # The items of a request stay together, in the order of the search answer.
    order = [i["reference_id"] for i in items]
    assert sorted(set(order), key=order.index) == [i["reference_id"] for i in searched["search_response"]]


@pytest.mark.parametrize("registry, person", [("social", "head"), ("farmer", "partner_person")])
def test_txn_status_answers_one_several_none_and_rejected_as_the_spec_wants(
    world, registry, person, django_capture_on_commit_callbacks
):
    # A second farmer in the village, so a search of the village finds several in both registries.
    factories.person(hh=world["hh1"], name="Tono Santoso", occupation=c.Occupation.FARMER)
    token = token_for(world["officer"])
    body = search_body(*_items(world[person].nik))
    _, data = call(token, registry, "sync-search", body, check_request=False)  # the answer is validated
    searched = data["message"]
    found = _records_by_reference(searched["search_response"], one_object=False)
    assert len(found["r-one"]) == 1 and len(found["r-many"]) >= 2 and found["r-none"] == []
    txn_id = searched["transaction_id"]

    _, data = call(token, registry, "sync-txn-status", status_body(txn_id))  # validated against the spec
    status = data["message"]["txnstatus_response"]["txn_status"]
    assert status["transaction_id"] == txn_id
    _check_against_search(status, searched, registry)

    with Receiver() as receiver:
        async_token = token_for(world["officer"], receiver.origin)
        body = search_body(*_items(world[person].nik))
        body["header"]["sender_uri"] = receiver.url()
        with django_capture_on_commit_callbacks(execute=True):
            call(async_token, registry, "search", body, check_request=False)
        run_ready_tasks(django_capture_on_commit_callbacks)
        (answer,) = receiver.received
        check_callback(registry, answer)  # the on-search callback keeps the SearchResponse's list
        with django_capture_on_commit_callbacks(execute=True):
            call(async_token, registry, "txn-status", status_body(body["message"]["transaction_id"], receiver.url()))
        run_ready_tasks(django_capture_on_commit_callbacks)
    callback = receiver.received[-1]
    assert callback["header"]["action"] == "txn-on-status"
    check_callback(registry, callback)
    _check_against_search(callback["message"]["txnstatus_response"]["txn_status"], answer["message"], registry)


@pytest.mark.parametrize("registry, txn_type", [("farmer", "unsubscribe"), ("social", "receipt"), ("farmer", "search")])
def test_txn_status_repeats_the_transaction_type_its_registry_lists(world, registry, txn_type):
    """Each registry's spec lists its own `txn_type`s: the farmer registry has `unsubscribe` where the social one
    has `receipt`; the answer repeats the type asked rather than saying `search`."""
    token = token_for(world["officer"])
    body = status_body("no-such-transaction")
    body["message"]["txnstatus_request"]["txn_type"] = txn_type
    _, data = call(token, registry, "sync-txn-status", body)  # request and answer validated against the spec
    assert data["message"]["txnstatus_response"]["txn_type"] == txn_type


def test_txn_status_never_echoes_a_value_that_is_not_an_id(world):
    token = token_for(world["officer"])
    body = status_body("x")
    body["message"]["txnstatus_request"]["attribute_value"] = {"a": [1]}
    _, data = call(token, "social", "sync-txn-status", body, check_request=False)  # the answer is validated
    status = data["message"]["txnstatus_response"]["txn_status"]
    assert "{" not in status["transaction_id"] and status["search_response"][0]["status"] == "rjct"


@pytest.mark.parametrize(
    ("language", "code", "message"),
    [("", "id", "Transaksi tidak ditemukan."), ("en-GB,en;q=0.8", "en", "Transaction not found.")],
)
def test_messages_come_in_the_language_the_client_asks_for(world, language, code, message):
    token = token_for(world["officer"])
    response, data = call(token, "social", "sync-txn-status", status_body("no-such-transaction"), language=language)
    item = data["message"]["txnstatus_response"]["txn_status"]["search_response"][0]
    assert item["status_reason_message"] == message
    assert response["Content-Language"] == code
    # A refusal at the envelope too.
    response, data = call(token, "social", "sync-search", b"{nope", check_request=False, language=language)
    assert response.status_code == 400 and response["Content-Language"] == code
