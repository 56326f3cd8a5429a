"""Sync search: the three query types, pagination, the envelope and its error codes, scope and masking. Every
request and answer is validated against the SPDCI OpenAPI files (helpers.call)."""

import json

import pytest

from berdaya.dci.models import Transaction

from .helpers import call, header, search_body, search_item, status_body, token_for

pytestmark = pytest.mark.django_db


def records(data, i=0):
    return data["message"]["search_response"][i]["data"]["reg_records"]


def test_it_finds_a_person_by_nik_for_an_officer(world):
    token = token_for(world["officer"])
    nik = world["head"].nik
    response, data = call(
        token, "social", "sync-search", search_body(search_item("idtype-value", {"type": "NIK", "value": nik}))
    )
    assert response.status_code == 200
    item = data["message"]["search_response"][0]
    assert item["status"] == "succ"
    assert item["pagination"]["total_count"] == 1
    record = records(data)[0]
    assert record["demographic_info"]["identifier"][0]["identifier_value"] == nik  # officers see identifiers
    assert data["header"]["action"] == "on-search" and data["header"]["status"] == "succ"
    assert Transaction.objects.get(correlation_id=data["message"]["correlation_id"]).status == "succ"


def test_it_finds_a_household_by_kk_as_a_group(world):
    token = token_for(world["officer"])
    kk = world["hh1"].kk_number
    body = search_body(search_item("idtype-value", {"type": "KK", "value": kk}, response_entity="Group"))
    _, data = call(token, "social", "sync-search", body)
    group = records(data)[0]
    assert group["@type"] == "Group" and group["group_size"] == 2
    assert {m["demographic_info"]["name"]["given_name"] for m in group["member_list"]} == {
        "Budi Santoso",
        "Ani Santoso",
    }


def test_a_partner_cannot_find_another_organisations_beneficiary_by_nik(world):
    token = token_for(world["partner"])
    nik = world["other_person"].nik
    _, data = call(
        token, "social", "sync-search", search_body(search_item("idtype-value", {"type": "NIK", "value": nik}))
    )
    item = data["message"]["search_response"][0]
    assert item["status"] == "succ" and item["pagination"]["total_count"] == 0 and records(data) == []


def test_a_partner_sees_own_beneficiary_with_identifiers_masked(world):
    token = token_for(world["partner"])
    person = world["partner_person"]
    _, data = call(
        token, "social", "sync-search", search_body(search_item("idtype-value", {"type": "NIK", "value": person.nik}))
    )
    record = records(data)[0]
    value = record["demographic_info"]["identifier"][0]["identifier_value"]
    assert value != person.nik and set(value) == {"•"}
    assert person.nik not in json.dumps(data, ensure_ascii=False)


def test_a_partner_may_not_range_query_a_masked_identifier(world):
    token = token_for(world["partner"])
    predicate = [{"seq_num": 1, "expression1": {"attribute_name": "nik", "operator": "lt", "attribute_value": "1502"}}]
    _, data = call(token, "social", "sync-search", search_body(search_item("predicate", predicate)))
    item = data["message"]["search_response"][0]
    assert item["status"] == "rjct" and item["status_reason_code"] == "rjct.search_criteria.invalid"
    body = search_body(
        search_item(
            "expression",
            {"type": "expression", "value": {"expression": {"query": {"name": {"$eq": "x"}}}}},
            sort=[{"attribute_name": "nik", "sort_order": "asc"}],
        )
    )
    _, data = call(token, "social", "sync-search", body)
    assert data["message"]["search_response"][0]["status_reason_code"] == "rjct.sort.invalid"


def test_a_facilitator_finds_only_their_villages(world):
    token = token_for(world["facilitator"])
    query = {"type": "expression", "value": {"expression": {"query": {"age": {"$gte": 0}}}}}
    _, data = call(token, "social", "sync-search", search_body(search_item("expression", query)))
    assert [r["demographic_info"]["name"]["given_name"] for r in records(data)] == ["Joko Widodo"]


def test_expression_query_with_and_or(world):
    token = token_for(world["officer"])
    query = {
        "type": "ns:org:QueryType:expression",
        "value": {
            "expression": {
                "collection": "Member",
                "query": {
                    "$and": [
                        {"village_code": {"$eq": "15.02.01.2001"}},
                        {"$or": [{"age": {"$lt": 18}}, {"sex": {"$eq": "male"}}]},
                    ]
                },
            }
        },
    }
    _, data = call(token, "social", "sync-search", search_body(search_item("expression", query)))
    assert sorted(r["demographic_info"]["name"]["given_name"] for r in records(data)) == ["Ani Santoso", "Budi Santoso"]


def test_predicate_query_with_conditions(world):
    token = token_for(world["officer"])
    predicate = [
        {
            "seq_num": 1,
            "expression1": {"attribute_name": "age", "operator": "ge", "attribute_value": "18"},
            "condition": "not",
            "expression2": {"attribute_name": "sex", "operator": "eq", "attribute_value": "male"},
        },
        {
            "seq_num": 2,
            "expression1": {
                "attribute_name": "district_code",
                "operator": "in",
                "attribute_value": "15.02.01,15.02.03",
            },
        },
    ]
    _, data = call(token, "social", "sync-search", search_body(search_item("predicate", predicate)))
    assert [r["demographic_info"]["name"]["given_name"] for r in records(data)] == ["Sri Wahyuni"]


def test_pagination_pages_and_totals(world):
    token = token_for(world["officer"])
    query = {"type": "expression", "value": {"expression": {"query": {"age": {"$ge": 0}}}}}
    query["value"]["expression"]["query"] = {"age": {"$gte": 0}}
    seen = []
    for page in (1, 2, 3):
        body = search_body(
            search_item(
                "expression",
                query,
                pagination={"page_size": 2, "page_number": page},
                sort=[{"attribute_name": "name", "sort_order": "asc"}],
            )
        )
        _, data = call(token, "social", "sync-search", body)
        item = data["message"]["search_response"][0]
        assert item["pagination"] == {"page_size": 2, "page_number": page, "total_count": 4}
        seen += [r["demographic_info"]["name"]["given_name"] for r in item["data"]["reg_records"]]
    assert seen == ["Ani Santoso", "Budi Santoso", "Joko Widodo", "Sri Wahyuni"]
    bad = search_body(search_item("expression", query, pagination={"page_size": 0}))
    _, data = call(token, "social", "sync-search", bad)
    assert data["message"]["search_response"][0]["status_reason_code"] == "rjct.pagination.invalid"
    # A page past any registry's end is refused by its code, not by the database (an overflowing OFFSET).
    huge = search_body(search_item("expression", query, pagination={"page_size": 2, "page_number": 10**18}))
    response, data = call(token, "social", "sync-search", huge)
    assert response.status_code == 200
    assert data["message"]["search_response"][0]["status_reason_code"] == "rjct.pagination.invalid"


def test_unknown_idtype_is_rejected_with_the_spec_code(world):
    token = token_for(world["officer"])
    _, data = call(
        token, "social", "sync-search", search_body(search_item("idtype-value", {"type": "PASSPORT", "value": "A1"}))
    )
    item = data["message"]["search_response"][0]
    assert item["status"] == "rjct" and item["status_reason_code"] == "rjct.search_criteria.invalid"
    assert "PASSPORT" in item["status_reason_message"]


def test_batch_items_are_answered_each(world):
    token = token_for(world["officer"])
    body = search_body(
        search_item("idtype-value", {"type": "NIK", "value": world["head"].nik}, ref="a"),
        search_item("idtype-value", {"type": "NIK", "value": world["child"].nik}, ref="a"),
        search_item("graphql", {"type": "graphql", "value": {"expression": "{}"}}, ref="c"),
    )
    _, data = call(token, "social", "sync-search", body, check_request=False)
    answers = data["message"]["search_response"]
    assert [a["status"] for a in answers] == ["succ", "rjct", "rjct"]
    assert answers[1]["status_reason_code"] == "rjct.reference_id.duplicate"
    assert answers[2]["status_reason_code"] == "rjct.search_criteria.invalid"


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"version": "2.0.0"}, "rjct.version.invalid"),
        ({"message_ts": "yesterday"}, "rjct.message_ts.invalid"),
        ({"action": "subscribe"}, "rjct.action.invalid"),
        ({"total_count": 5}, "rjct.total_count.invalid"),
        ({"total_count": 500}, "rjct.total_count.limit_exceeded"),
    ],
)
def test_a_bad_header_is_rejected_with_its_code(world, change, reason):
    token = token_for(world["officer"])
    body = search_body(search_item("idtype-value", {"type": "NIK", "value": "1"}))
    body["header"].update(change)
    response, data = call(token, "social", "sync-search", body, check_request=False)
    assert response.status_code == 400
    assert data["header"]["status"] == "rjct" and data["header"]["status_reason_code"] == reason
    assert not Transaction.objects.exists()


def test_a_message_id_is_used_once(world):
    token = token_for(world["officer"])
    body = search_body(search_item("idtype-value", {"type": "NIK", "value": "1"}))
    call(token, "social", "sync-search", body)
    response, data = call(token, "social", "sync-search", body)
    assert response.status_code == 400 and data["header"]["status_reason_code"] == "rjct.message_id.duplicate"


def test_not_json_and_no_token_and_viewer(world):
    response, data = call(token_for(world["officer"]), "social", "sync-search", b"{nope", check_request=False)
    assert response.status_code == 400 and data["header"]["status"] == "rjct"
    response, data = call(
        None, "social", "sync-search", search_body(search_item("idtype-value", {"type": "NIK", "value": "1"}))
    )
    assert response.status_code == 401 and data["errors"][0]["code"] == "err.request.unauthorized"
    response, data = call(
        "test-unknown", "farmer", "sync-search", search_body(search_item("idtype-value", {"type": "NIK", "value": "1"}))
    )
    assert response.status_code == 401
    response, data = call(
        token_for(world["viewer"]),
        "social",
        "sync-search",
        search_body(search_item("idtype-value", {"type": "NIK", "value": "1"})),
    )
    assert response.status_code == 403 and data["errors"][0]["code"] == "err.request.forbidden"


@pytest.mark.parametrize("where", ["query", "transaction_id", "message_id", "key", "status"])
@pytest.mark.parametrize("character", ["\x00", "\ud800", "\udfff"])
def test_a_nul_or_a_lone_surrogate_anywhere_is_refused_as_a_bad_request(world, where, character):
    """PostgreSQL's text cannot hold U+0000, and "\\ud800" is valid JSON text but no character (no answer can be
    written with it: orjson, like UTF-8, refuses it). A request carrying either (in a query value, an id, a key, a
    txn/status attribute) is refused at the envelope on every database, not a 500 at its first write or answer."""
    token = token_for(world["officer"])
    name = "sync-search"
    body = search_body(
        search_item("expression", {"type": "expression", "value": {"expression": {"query": {"name": {"$eq": "Budi"}}}}})
    )
    if where == "query":
        body["message"]["search_request"][0]["search_criteria"]["query"]["value"]["expression"]["query"]["name"][
            "$eq"
        ] = f"a{character}b"
    elif where == "transaction_id":
        body["message"]["transaction_id"] = f"t{character}x"
    elif where == "message_id":
        body["header"]["message_id"] = f"m{character}x"
    elif where == "key":
        body["message"]["search_request"][0][f"k{character}"] = 1
    else:
        name, body = "sync-txn-status", status_body(f"ab{character}cd")
    before = Transaction.objects.count()
    response, data = call(token, "social", name, body, check_request=False)
    assert response.status_code == 400, response.content
    assert data["header"]["status"] == "rjct"
    assert ("NUL" if character == "\x00" else "surrogate") in data["header"]["status_reason_message"]
    assert Transaction.objects.count() == before


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(world, constant):
    """Python's json reads NaN and Infinity; JSON has no such values (on SQLite the row's JSON check refused them and
    the request was answered as a duplicate message, on PostgreSQL a 500)."""
    token = token_for(world["officer"])
    query = {"type": "expression", "value": {"expression": {"query": {"age": {"$lt": 1}}}}}
    raw = json.dumps(search_body(search_item("expression", query))).replace('"$lt": 1', f'"$lt": {constant}')
    assert constant in raw
    response, data = call(token, "social", "sync-search", raw, check_request=False)
    assert response.status_code == 400, response.content
    assert data["header"]["status"] == "rjct" and "status_reason_code" not in data["header"], data
    assert data["header"]["status_reason_message"] == "Isi permintaan bukan JSON yang sah."
    assert Transaction.objects.count() == 0


@pytest.mark.parametrize("age", [151, 5000, 2**80, -1])
def test_an_age_past_any_lifetime_is_an_invalid_criterion(world, age):
    token = token_for(world["officer"])
    query = {"type": "expression", "value": {"expression": {"query": {"age": {"$lt": age}}}}}
    response, data = call(token, "social", "sync-search", search_body(search_item("expression", query)))
    assert response.status_code == 200
    item = data["message"]["search_response"][0]
    assert item["status"] == "rjct" and item["status_reason_code"] == "rjct.search_criteria.invalid", item
    query["value"]["expression"]["query"]["age"]["$lt"] = 150  # the oldest age still asked about
    _, data = call(token, "social", "sync-search", search_body(search_item("expression", query)))
    assert data["message"]["search_response"][0]["status"] == "succ"


def test_farmer_registry_finds_farmers_with_plots_and_masks_coordinates(world):
    token = token_for(world["partner"])
    plot = world["plot"]
    _, data = call(
        token,
        "farmer",
        "sync-search",
        search_body(search_item("idtype-value", {"type": "PLOT_ID", "value": str(plot.pk)})),
    )
    farmer = records(data)[0]
    assert farmer["famer_personal_details"]["demographic_info"]["name"]["given_name"] == "Sri Wahyuni"
    farm = farmer["farm_details"][0]
    assert farm["area_ha"] == "1.250" and farm["place"]["geo"]["latitude"] == "•••"
    officer = token_for(world["officer"])
    query = {"type": "expression", "value": {"expression": {"query": {"commodity": {"$eq": plot.commodity.code}}}}}
    _, data = call(officer, "farmer", "sync-search", search_body(search_item("expression", query)))
    assert [r["famer_personal_details"]["@id"] for r in records(data)] == [f"urn:berdaya:person:{plot.farmer_id}"]
    assert records(data)[0]["farm_details"][0]["place"]["geo"]["latitude"] == "-2.100000"
    # Not a farmer: not in the farmer registry.
    _, data = call(
        officer,
        "farmer",
        "sync-search",
        search_body(search_item("idtype-value", {"type": "NIK", "value": world["child"].nik})),
    )
    assert records(data) == []


def test_sync_txn_status_answers_from_the_record(world):
    token = token_for(world["officer"])
    body = search_body(search_item("idtype-value", {"type": "NIK", "value": world["head"].nik}, ref="ref-9"))
    call(token, "social", "sync-search", body)
    status_body = {
        "header": header("txn-status", 1),
        "message": {
            "transaction_id": "t-status",
            "txnstatus_request": {
                "reference_id": "s1",
                "txn_type": "search",
                "attribute_type": "reference_id_list",
                "attribute_value": ["ref-9"],
            },
        },
    }
    _, data = call(token, "social", "sync-txn-status", status_body)
    status = data["message"]["txnstatus_response"]["txn_status"]
    assert status["transaction_id"] == body["message"]["transaction_id"]
    assert status["search_response"][0]["status"] == "succ"
    # Another user's transaction is not found.
    other = token_for(world["partner"])
    status_body["header"] = header("txn-status", 1)
    _, data = call(other, "social", "sync-txn-status", status_body)
    assert data["message"]["txnstatus_response"]["txn_status"]["search_response"][0]["status"] == "rjct"


def test_is_disabled_and_group_size_use_the_registrys_rules(world):
    child = world["child"]
    child.wgss_walking = 3  # "a lot of difficulty": the registry's disability rule
    child.save()
    token = token_for(world["officer"])
    query = {"type": "expression", "value": {"expression": {"query": {"is_disabled": {"$eq": True}}}}}
    _, data = call(token, "social", "sync-search", search_body(search_item("expression", query)))
    assert [r["demographic_info"]["name"]["given_name"] for r in records(data)] == ["Ani Santoso"]
    assert records(data)[0]["is_disabled"] is True
    predicate = [
        {"seq_num": 1, "expression1": {"attribute_name": "group_size", "operator": "ge", "attribute_value": "2"}}
    ]
    body = search_body(search_item("predicate", predicate, response_entity="Group"))
    _, data = call(token, "social", "sync-search", body)
    assert [g["@id"] for g in records(data)] == [f"urn:berdaya:household:{world['hh1'].pk}"]


def test_the_answer_is_stored_and_sent_as_one_encoding(world):
    # The message is encoded once: the response is byte for byte what the answers' encoder writes for the same body
    # (orjson: compact UTF-8, not ASCII-escaped). The row holds the same message with each request's records as
    # their ids (txn/status builds them again from those).
    from berdaya.dci.services import encode

    token = token_for(world["officer"])
    query = {"type": "expression", "value": {"expression": {"query": {"age": {"$gte": 0}}}}}
    response, data = call(token, "social", "sync-search", search_body(search_item("expression", query)))
    assert response["Content-Type"] == "application/json"
    assert response.content == encode(data) == json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    assert len(records(data)) == 4 and data["message"]["search_response"][0]["pagination"]["total_count"] == 4
    stored = Transaction.objects.get(correlation_id=data["message"]["correlation_id"])
    item = data["message"]["search_response"][0]
    ids = [int(r["@id"].rsplit(":", 1)[1]) for r in item["data"]["reg_records"]]
    kept = {**item, "data": {**{k: v for k, v in item["data"].items() if k != "reg_records"}, "record_ids": ids}}
    assert stored.response == {**data["message"], "search_response": [kept]}
    assert stored.status == "succ" and stored.answered_at is not None


def test_totals_come_with_the_page_and_past_its_end(world):
    # The total comes with the page's ids (a window count); a page past the end still says the total.
    token = token_for(world["officer"])
    query = {"type": "expression", "value": {"expression": {"query": {"age": {"$gte": 0}}}}}
    for page, expected in ((1, 3), (2, 1), (3, 0)):
        body = search_body(search_item("expression", query, pagination={"page_size": 3, "page_number": page}))
        _, data = call(token, "social", "sync-search", body)
        item = data["message"]["search_response"][0]
        assert len(item["data"]["reg_records"]) == expected
        assert item["pagination"]["total_count"] == 4
    nobody = search_item("idtype-value", {"type": "NIK", "value": "1502019999999999"})
    _, data = call(token, "social", "sync-search", search_body(nobody))
    assert data["message"]["search_response"][0]["pagination"]["total_count"] == 0


def identifiers(record):
    """Every `Identifier` object anywhere in a record, as (identifier_type, identifier_value)."""
    if isinstance(record, dict):
        own = [(record["identifier_type"], record["identifier_value"])] if record.get("@type") == "Identifier" else []
        return own + [found for value in record.values() for found in identifiers(value)]
    if isinstance(record, list):
        return [found for value in record for found in identifiers(value)]
    return []


@pytest.mark.parametrize(
    ("registry", "entity"), [("social", "Member"), ("social", "Group"), ("farmer", None)]
)  # fmt: skip
def test_an_identifier_value_is_a_string_for_every_role(world, registry, entity):
    # The spec's Identifier carries identifier_value as a string ("M9876543210", '9876543210'): a client must get the
    # same JSON type whether its role sees identifiers (officer) or sees them masked (partner).
    person = world["partner_person"]
    criteria = {"response_entity": entity} if entity else {}
    body = {"type": "PERSON_ID", "value": str(person.pk)}
    answers = {}
    for role in ("officer", "partner"):
        _, data = call(
            token_for(world[role]), registry, "sync-search", search_body(search_item("idtype-value", body, **criteria))
        )  # call() validates the answer against the spec
        (record,) = records(data)
        answers[role] = identifiers(record)
    for role, found in answers.items():
        kinds = {kind for kind, _value in found}
        assert {"PERSON_ID", "HOUSEHOLD_ID"} <= kinds, (role, kinds)
        assert all(isinstance(value, str) for _kind, value in found), (role, found)
    # The record's own numbers are not masked: both roles read the same ones, only NIK/KK differ.
    officer, partner = (dict(answers[role]) for role in ("officer", "partner"))
    assert officer["PERSON_ID"] == partner["PERSON_ID"] == str(person.pk)
    assert officer["HOUSEHOLD_ID"] == partner["HOUSEHOLD_ID"] == str(person.household_id)
    assert officer["NIK"] == person.nik and partner["NIK"] != person.nik
