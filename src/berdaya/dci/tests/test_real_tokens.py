"""With the token app installed (berdaya.api registers its authenticator in core.auth_hooks): a token made by
`berdaya api token USERNAME --callback http://HOST:PORT` signs in to the SPDCI endpoints and may receive callbacks
there only; a revoked token is refused."""

from io import StringIO

import pytest
from django.core.management import call_command

from berdaya.api.models import ApiToken
from berdaya.api.services import token_revoke
from berdaya.core.auth_hooks import unregister_bearer_authenticator

from .helpers import Receiver, call, run_ready_tasks, search_body, search_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_tokens_only():
    # Only the token app's authenticator answers here (the tests' own is removed for this test).
    unregister_bearer_authenticator("dci-tests")


def test_a_token_from_the_command_searches_and_receives_its_callback(
    world, real_tokens_only, django_capture_on_commit_callbacks
):
    with Receiver() as receiver:
        out = StringIO()
        call_command(
            "api", "token", world["officer"].username, "--callback", receiver.origin, stdout=out, stderr=StringIO()
        )
        token = out.getvalue().strip()
        body = search_body(
            search_item("idtype-value", {"type": "NIK", "value": world["head"].nik}), sender_uri=receiver.url()
        )
        with django_capture_on_commit_callbacks(execute=True):
            response, data = call(token, "social", "search", body)
        assert data["message"]["ack_status"] == "ACK"
        run_ready_tasks(django_capture_on_commit_callbacks)
        assert len(receiver.received) == 1
        # Elsewhere: refused.
        body = search_body(
            search_item("idtype-value", {"type": "NIK", "value": "1"}), sender_uri="http://127.0.0.1:1/cb"
        )
        _, data = call(token, "social", "search", body)
        assert data["message"]["error"]["code"] == "err.sender_uri.invalid"
        # Revoked: 401.
        token_revoke(actor=None, token=ApiToken.objects.get())
        response, _ = call(
            token, "social", "sync-search", search_body(search_item("idtype-value", {"type": "NIK", "value": "1"}))
        )
        assert response.status_code == 401


def test_a_partners_real_token_cannot_find_another_organisations_beneficiary(world, real_tokens_only):
    out = StringIO()
    call_command("api", "token", world["partner"].username, stdout=out, stderr=StringIO())
    token = out.getvalue().strip()
    _, data = call(
        token,
        "social",
        "sync-search",
        search_body(search_item("idtype-value", {"type": "NIK", "value": world["other_person"].nik})),
    )
    assert data["message"]["search_response"][0]["data"]["reg_records"] == []
    _, data = call(
        token,
        "social",
        "sync-search",
        search_body(search_item("idtype-value", {"type": "NIK", "value": world["partner_person"].nik})),
    )
    (record,) = data["message"]["search_response"][0]["data"]["reg_records"]
    assert world["partner_person"].nik not in str(record)


def test_a_token_with_a_public_key_from_the_command_signs_its_requests(world, real_tokens_only, tmp_path, settings):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from berdaya.dci import signatures

    settings.BERDAYA = {**settings.BERDAYA, "DCI_SIGNATURE_POLICY": "required"}
    key = ed25519.Ed25519PrivateKey.generate()
    pem = tmp_path / "dtsen.pub"
    pem.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    out = StringIO()
    call_command(
        "api", "token", world["officer"].username, "--public-key", f"kunci-1={pem}", stdout=out, stderr=StringIO()
    )
    token = out.getvalue().strip()
    assert ApiToken.objects.get().signing_keys[0]["key_id"] == "kunci-1"
    body = search_body(search_item("idtype-value", {"type": "NIK", "value": world["head"].nik}))
    response, data = call(token, "social", "sync-search", body)
    assert response.status_code == 401 and data["errors"][0]["code"] == "err.signature.missing"
    body["signature"] = signatures.sign(body, key, sender_id="dtsen.test", key_id="kunci-1")
    response, data = call(token, "social", "sync-search", body)
    assert response.status_code == 200 and data["message"]["search_response"][0]["data"]["reg_records"]
