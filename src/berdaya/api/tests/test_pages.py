"""The token page (own tokens; an admin's for anyone), the schema and the interactive docs (no CDN)."""

from __future__ import annotations

import re

import pytest

from berdaya.api.models import ApiToken
from berdaya.api.services import token_create
from berdaya.testing import factories
from berdaya.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_user_makes_a_token_and_sees_it_once():
    user = factories.user("facilitator")
    page = client_for(user)
    response = page.post("/api/token/", {"user": user.pk, "name": "HP lapangan", "callback_origins": ""})
    assert response.status_code == 200
    record = ApiToken.objects.get()
    token = re.search(r"bdy_[0-9a-f]{8}_[A-Za-z0-9_-]+", response.content.decode()).group()
    assert record.user == user and record.prefix in token
    again = page.get("/api/token/").content.decode()
    assert token not in again and record.prefix in again


def test_a_bad_callback_origin_is_shown_on_the_form():
    user = factories.user("officer")
    response = client_for(user).post(
        "/api/token/", {"user": user.pk, "name": "x", "callback_origins": "http://host:8080/jalur"}
    )
    assert "tanpa path" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_user_cannot_make_or_revoke_anothers_token_but_an_admin_can():
    alice, bob = factories.user("officer"), factories.user("officer")
    admin = factories.user("admin")
    response = client_for(bob).post("/api/token/", {"user": alice.pk, "name": "x"})
    assert response.status_code == 200 and not ApiToken.objects.exists()  # alice is not a choice for bob
    issued = token_create(actor=alice, user=alice, name="x")
    assert client_for(bob).post(f"/api/token/{issued.record.pk}/cabut/").status_code == 404
    assert issued.record.prefix not in client_for(bob).get("/api/token/").content.decode()
    assert issued.record.prefix in client_for(admin).get("/api/token/").content.decode()
    client_for(admin).post(f"/api/token/{issued.record.pk}/cabut/")
    assert ApiToken.objects.get().revoked_at is not None
    other = token_create(actor=admin, user=alice, name="y")
    client_for(alice).post(f"/api/token/{other.record.pk}/cabut/")
    assert ApiToken.objects.get(pk=other.record.pk).revoked_at is not None


def test_the_schema_and_the_docs_are_served_from_this_server():
    schema = client_for(factories.user("viewer")).get("/api/schema/?format=json")
    assert schema.status_code == 200 and "/api/v1/people/" in schema.json()["paths"]
    docs = client_for(factories.user("viewer")).get("/api/docs/")
    html = docs.content.decode()
    assert docs.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert "<style>" not in html and "<script>" not in html.replace("<script src", "")
    script = client_for(factories.user("viewer")).get("/api/docs/?script=")
    assert script.status_code == 200


def test_a_token_made_on_the_page_carries_the_clients_public_key():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    user = factories.user("officer")
    pem = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    form = {"user": user.pk, "name": "DTSEN", "signing_key_id": "kunci-1", "signing_public_key": pem}
    page = client_for(user).post("/api/token/", form).content.decode()
    (key,) = ApiToken.objects.get().signing_keys
    assert (key["key_id"], key["algorithm"]) == ("kunci-1", "ed25519") and "kunci-1" in page
    # not a key: shown on the form, no token made
    page = client_for(user).post("/api/token/", {**form, "signing_public_key": "bukan kunci"}).content.decode()
    assert "format PEM" in page and ApiToken.objects.count() == 1
