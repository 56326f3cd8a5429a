"""A transaction keeps the ids of the records it answered, not the records (services._stored_form): txn/status
builds them again as its client may see them then, so what a person asks of their data (a withdrawal of consent to
sharing, an erasure) and what the client's user may see now (scope, role, masking) hold for txn/status as for a new
search, and no copy of up to 100 people's data waits out the retention period in the transaction table."""

import json
import uuid

import pytest

from berdaya.accounts.models import User
from berdaya.dci.models import Transaction
from berdaya.privacy import erasure
from berdaya.registry import choices as c
from berdaya.registry import services as registry_services
from berdaya.testing import factories

from .helpers import call, search_body, search_item, status_body, token_for

pytestmark = pytest.mark.django_db

IN_JANGKAT = {"type": "expression", "value": {"expression": {"query": {"village_code": {"$eq": "15.02.01.2001"}}}}}


def _status(token: str, registry: str, txn_id: str) -> dict:
    _, data = call(token, registry, "sync-txn-status", status_body(txn_id))  # validated against the spec
    return data["message"]["txnstatus_response"]["txn_status"]


def _names(items: list[dict]) -> set[str]:
    found = set()
    for item in items:
        records = item.get("data", {}).get("reg_records", [])
        for record in records if isinstance(records, list) else [records]:
            member = record.get("famer_personal_details", record)
            found.add(member["demographic_info"]["name"]["given_name"])
    return found


def _search(token: str, registry: str = "social", **criteria) -> dict:
    _, data = call(token, registry, "sync-search", search_body(search_item("expression", IN_JANGKAT, **criteria)))
    return data["message"]


def test_the_transaction_keeps_ids_not_the_people(world):
    token = token_for(world["officer"])
    searched = _search(token)
    assert {"Budi Santoso", "Ani Santoso", "Sri Wahyuni"} <= _names(searched["search_response"])
    stored = json.dumps(Transaction.objects.get(transaction_id=searched["transaction_id"]).response)
    for person in (world["head"], world["child"], world["partner_person"]):
        assert person.full_name not in stored
        assert person.nik not in stored
    assert world["hh1"].address not in stored


def test_txn_status_leaves_out_who_withdrew_consent_to_sharing_since(world):
    token = token_for(world["officer"])
    searched = _search(token)
    registry_services.consent_withdraw(actor=world["officer"], person=world["child"], purpose=c.ConsentPurpose.SHARING)
    status = _status(token, "social", searched["transaction_id"])
    names = _names(status["search_response"])
    assert "Budi Santoso" in names and "Ani Santoso" not in names


def test_txn_status_shows_an_erased_person_as_erased(world):
    token = token_for(world["officer"])
    searched = _search(token)
    nik = world["head"].nik
    erasure.person_erase(person=world["head"], actor=world["officer"])
    status = _status(token, "social", searched["transaction_id"])
    text = json.dumps(status)
    assert "Budi Santoso" not in text and nik not in text


def test_txn_status_follows_the_users_role_now(world):
    """An officer's token whose user is moved to partner staff reads, by txn/status of its own earlier search, only
    what partner staff see: the people of their organisation, identifiers masked."""
    officer: User = world["officer"]
    token = token_for(officer)
    searched = _search(token)
    before = _names(searched["search_response"])
    assert {"Budi Santoso", "Sri Wahyuni"} <= before
    officer.role = User.Role.PARTNER
    officer.organisation = world["org"]
    officer.save()
    status = _status(token, "social", searched["transaction_id"])
    assert _names(status["search_response"]) == {"Sri Wahyuni"}
    text = json.dumps(status, ensure_ascii=False)
    assert world["partner_person"].nik not in text


def test_txn_status_of_households_builds_the_groups_again(world):
    token = token_for(world["officer"])
    searched = _search(token, response_entity="Group")
    answered = searched["search_response"][0]["data"]["reg_records"]
    assert answered and all(r["@type"] == "Group" for r in answered)
    status = _status(token, "social", searched["transaction_id"])
    assert status["search_response"][0]["data"]["reg_records"] == answered
    # A member who withdrew since is left out of the household's members, as in a new search.
    registry_services.consent_withdraw(actor=world["officer"], person=world["child"], purpose=c.ConsentPurpose.SHARING)
    status = _status(token, "social", searched["transaction_id"])
    members = {
        m["demographic_info"]["name"]["given_name"]
        for g in status["search_response"][0]["data"]["reg_records"]
        for m in g["member_list"]
    }
    assert "Budi Santoso" in members and "Ani Santoso" not in members


def test_txn_status_of_the_farmer_registry_still_one_record_each(world):
    token = token_for(world["officer"])
    factories.person(hh=world["hh1"], name="Tono Santoso", occupation=c.Occupation.FARMER)
    searched = _search(token, "farmer")
    status = _status(token, "farmer", searched["transaction_id"])
    assert _names(status["search_response"]) == _names(searched["search_response"]) == {"Sri Wahyuni", "Tono Santoso"}


def test_the_migration_rewrites_the_answers_stored_before_as_ids(world):
    """dci 0004 rewrites an answer stored whole (before this change) as the ids of its records, empties a stored
    txn/status answer, and leaves alone what retention emptied and what is not answered yet; txn/status then answers
    the rewritten one as a new one."""
    import importlib

    from django.apps import apps as django_apps
    from django.utils import timezone

    migration = importlib.import_module("berdaya.dci.migrations.0004_answers_as_ids")
    token = token_for(world["officer"])
    searched = _search(token)
    whole = {"transaction_id": searched["transaction_id"], "search_response": searched["search_response"]}
    txn = Transaction.objects.get(transaction_id=searched["transaction_id"])
    Transaction.objects.filter(pk=txn.pk).update(response=whole)  # as the code before this change stored it

    def other(action: str, **fields) -> Transaction:
        return Transaction.objects.create(
            registry="social",
            action=action,
            transaction_id=f"t-{action}-{len(fields)}",
            message_id=uuid.uuid4().hex,
            sender_id="dtsen.test",
            user=world["officer"],
            **fields,
        )

    status_copy = other("txn-status", status="succ", response={"txnstatus_response": {"txn_status": whole}})
    purged = other("search", status="succ", response={}, response_purged_at=timezone.now())
    waiting = other("search", status="pdng", request={"search_request": [{"reference_id": "r1"}]})

    migration.forwards(django_apps, None)

    txn.refresh_from_db()
    text = json.dumps(txn.response)
    assert "Budi Santoso" not in text and world["head"].nik not in text
    ids = txn.response["search_response"][0]["data"]["record_ids"]
    assert sorted(ids) == sorted([world["head"].pk, world["child"].pk, world["partner_person"].pk])
    assert Transaction.objects.get(pk=status_copy.pk).response == {}
    assert Transaction.objects.get(pk=purged.pk).response == {}
    assert Transaction.objects.get(pk=waiting.pk).response == waiting.response
    status = _status(token, "social", searched["transaction_id"])
    assert status["search_response"] == searched["search_response"]
