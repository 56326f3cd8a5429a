"""Message signatures (issue 18, the envelope's `signature`): a client's requests signed with its registered key
(Ed25519 or RSA, keys made in the test), refused with the spec's err.signature.* codes when the policy requires a
signature or a given one is bad; Berdaya's answers and callbacks signed with its own key."""

from __future__ import annotations

import copy
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import override_settings

from berdaya.core.keys import signing_key_entry
from berdaya.dci import signatures
from berdaya.dci.models import Transaction

from .helpers import Receiver, call, check_callback, run_ready_tasks, search_body, search_item, token_for

pytestmark = pytest.mark.django_db


def public_pem(key) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def keys_of(*pairs) -> tuple[tuple[str, str, str], ...]:
    return tuple(tuple(signing_key_entry(public_pem(key), key_id).values()) for key_id, key in pairs)  # type: ignore[misc]


@pytest.fixture(scope="module")
def client_keys():
    return {"ed": ed25519.Ed25519PrivateKey.generate(), "rsa": rsa.generate_private_key(65537, 2048)}


@pytest.fixture
def policy(settings):
    def set_policy(value: str, **more: str) -> None:
        settings.BERDAYA = {**settings.BERDAYA, "DCI_SIGNATURE_POLICY": value, **more}

    return set_policy


def signed_body(body, key, key_id, **kw):
    return {**body, "signature": signatures.sign(body, key, sender_id=body["header"]["sender_id"], key_id=key_id, **kw)}


def nik_search(world, **kw):
    return search_body(search_item("idtype-value", {"type": "NIK", "value": world["head"].nik}), **kw)


@pytest.mark.parametrize("kind", ["ed", "rsa"])
def test_a_signed_request_is_answered_under_the_required_policy(world, client_keys, policy, kind):
    policy("required")
    key = client_keys[kind]
    token = token_for(world["officer"], keys=keys_of(("k1", key)))

    response, data = call(token, "social", "sync-search", signed_body(nik_search(world), key, "k1"))

    assert response.status_code == 200, data
    assert data["message"]["search_response"][0]["status"] == "succ"


def test_missing_or_bad_signatures_get_the_spec_codes(world, client_keys, policy):
    policy("required")
    ed, other = client_keys["ed"], ed25519.Ed25519PrivateKey.generate()
    token = token_for(world["officer"], keys=keys_of(("k1", ed)))
    body = nik_search(world)

    # missing
    response, data = call(token, "social", "sync-search", body)
    assert response.status_code == 401 and data["errors"][0]["code"] == "err.signature.missing"

    good = signed_body(body, ed, "k1")
    tampered = copy.deepcopy(good)
    tampered["message"]["search_request"][0]["search_criteria"]["query"]["value"] = world["other_person"].nik
    forged = signed_body(body, other, "k1")  # another key under the registered key id
    unknown = signed_body(body, ed, "k9")
    expired = signed_body(body, ed, "k1", now=time.time() - 2 * signatures.LIFETIME_SECONDS)
    other_sender = copy.deepcopy(good)
    other_sender["signature"] = good["signature"].replace('kidId="dtsen.test|', 'kidId="lain|')
    garbled = {**body, "signature": "Signature: namespace=spdci"}
    for bad in (tampered, forged, unknown, expired, other_sender, garbled):
        response, data = call(token, "social", "sync-search", bad)
        assert response.status_code == 401, data
        assert data["errors"][0]["code"] == "err.signature.invalid", data
    # none of them was recorded or answered
    assert not Transaction.objects.exists()

    # the asynchronous interface answers with an ERR acknowledgement carrying the same codes
    response, data = call(token, "social", "search", nik_search(world, sender_uri="http://127.0.0.1:9/cb"))
    assert response.status_code == 400 and data["message"]["error"]["code"] == "err.signature.missing"
    async_body = nik_search(world, sender_uri="http://127.0.0.1:9/cb")
    response, data = call(token, "social", "search", signed_body(async_body, other, "k1"))
    assert data["message"]["error"]["code"] == "err.signature.invalid"


def test_optional_policy_takes_unsigned_requests_but_still_checks_a_signature(world, client_keys, policy):
    policy("optional")
    token = token_for(world["officer"], keys=keys_of(("k1", client_keys["ed"])))
    response, _data = call(token, "social", "sync-search", nik_search(world))
    assert response.status_code == 200
    forged = signed_body(nik_search(world), ed25519.Ed25519PrivateKey.generate(), "k1")
    response, data = call(token, "social", "sync-search", forged)
    assert response.status_code == 401 and data["errors"][0]["code"] == "err.signature.invalid"
    # a token with no key cannot sign at all
    bare = token_for(world["officer"])
    response, data = call(bare, "social", "sync-search", signed_body(nik_search(world), client_keys["ed"], "k1"))
    assert data["errors"][0]["code"] == "err.signature.invalid"


def test_answers_and_callbacks_are_signed_with_berdayas_key(
    world, client_keys, policy, tmp_path, django_capture_on_commit_callbacks
):
    own = rsa.generate_private_key(65537, 2048)
    path = tmp_path / "berdaya-dci.pem"
    path.write_bytes(
        own.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    policy("optional", DCI_SIGNING_KEY_FILE=str(path), DCI_SIGNING_KEY_ID="b1")
    # the client checks Berdaya's signature with Berdaya's public key (sender: the receiver_id "berdaya")
    berdaya = [signatures.ClientKey(*entry) for entry in keys_of(("b1", own))]

    token = token_for(world["officer"])
    _response, data = call(token, "social", "sync-search", nik_search(world))
    assert 'kidId="berdaya|b1|rsa-sha256"' in data["signature"]
    assert signatures.verify(data, berdaya) == "b1"
    changed = copy.deepcopy(data)
    changed["message"]["search_response"][0]["data"]["reg_records"] = []
    with pytest.raises(signatures.SignatureError):
        signatures.verify(changed, berdaya)

    with Receiver() as receiver:
        token = token_for(world["officer"], receiver.origin)
        with django_capture_on_commit_callbacks(execute=True):
            call(token, "social", "search", nik_search(world, sender_uri=receiver.url()))
        run_ready_tasks(django_capture_on_commit_callbacks)
    (answer,) = receiver.received
    check_callback("social", answer)
    assert signatures.verify(answer, berdaya) == "b1"


def test_only_good_public_keys_are_registered(db):
    weak = rsa.generate_private_key(65537, 1024)  # noqa: S505 - the weak key refused
    for pem, key_id in (
        ("not a key", "k1"),
        (public_pem(weak), "k1"),
        (public_pem(ed25519.Ed25519PrivateKey.generate()), "a|b"),
    ):
        with pytest.raises(ValidationError):
            signing_key_entry(pem, key_id)
    # the policy setting refuses a value it does not know (at the first read of the settings)
    from berdaya.core.conf import conf

    with (
        override_settings(BERDAYA={**settings.BERDAYA, "DCI_SIGNATURE_POLICY": "kadang"}),
        pytest.raises(ValueError, match="DCI_SIGNATURE_POLICY"),
    ):
        conf()
