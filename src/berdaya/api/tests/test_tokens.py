from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from berdaya.api.authentication import authenticate_bearer
from berdaya.api.models import ApiToken
from berdaya.api.services import token_create, token_revoke
from berdaya.api.tokens import hash_token, normalise_origin, origin_of
from berdaya.testing import factories

pytestmark = pytest.mark.django_db


def _request(header: str):
    return RequestFactory().get("/api/v1/", HTTP_AUTHORIZATION=header)


def test_it_stores_only_a_hash_and_authenticates_bearer_and_token_schemes():
    user = factories.user("officer")
    issued = token_create(actor=user, user=user, name="mitra")
    record = ApiToken.objects.get()
    assert issued.token not in (record.secret_hash, record.prefix)
    assert record.secret_hash == hash_token(issued.token)
    assert authenticate_bearer(_request(f"Bearer {issued.token}")) == (user, record)
    assert authenticate_bearer(_request(f"Token {issued.token}"))[0] == user
    assert ApiToken.objects.get().last_used is not None


def test_it_refuses_wrong_revoked_expired_and_deactivated():
    user = factories.user("officer")
    issued = token_create(actor=user, user=user, name="x")
    assert authenticate_bearer(_request(f"Bearer {issued.token[:-2]}xx")) is None
    assert authenticate_bearer(_request("Bearer nonsense")) is None
    assert authenticate_bearer(_request(f"Basic {issued.token}")) is None
    ApiToken.objects.update(expires=timezone.now() - dt.timedelta(seconds=1))
    assert authenticate_bearer(_request(f"Bearer {issued.token}")) is None
    ApiToken.objects.update(expires=None)
    user.is_active = False
    user.save()
    assert authenticate_bearer(_request(f"Bearer {issued.token}")) is None
    user.is_active = True
    user.save()
    token_revoke(actor=user, token=ApiToken.objects.get())
    assert authenticate_bearer(_request(f"Bearer {issued.token}")) is None


def test_it_lets_users_manage_only_their_own_and_admins_anyones():
    alice = factories.user("officer")
    bob = factories.user("facilitator")
    admin = factories.user("admin")
    with pytest.raises(PermissionDenied):
        token_create(actor=bob, user=alice, name="x")
    issued = token_create(actor=admin, user=alice, name="x")
    with pytest.raises(PermissionDenied):
        token_revoke(actor=bob, token=issued.record)
    token_revoke(actor=admin, token=issued.record)
    assert issued.record.revoked_at is not None


@pytest.mark.parametrize(
    "value,expected",
    [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("https://Partner.example.org", "https://partner.example.org:443"),
        ("http://[::1]:9000/", "http://[::1]:9000"),
    ],
)
def test_it_normalises_callback_origins(value, expected):
    assert normalise_origin(value) == expected


@pytest.mark.parametrize(
    "value",
    ["ftp://host:21", "http://host:8080/path", "http://:8080", "http://host:99999", "http://u:p@host:80", "host:80"],
)
def test_it_refuses_bad_callback_origins(value):
    with pytest.raises(ValidationError):
        normalise_origin(value)


def test_origin_of_a_full_callback_url():
    assert origin_of("http://127.0.0.1:8080/on-search?x=1") == "http://127.0.0.1:8080"
    assert origin_of("gopher://x") is None


def test_the_command_prints_a_token_with_callbacks(capsys):
    user = factories.user("officer", username="budi")
    call_command("api", "token", "budi", "--callback", "http://127.0.0.1:9999", "--callback", "http://127.0.0.1:9999/")
    token = capsys.readouterr().out.strip()
    record = ApiToken.objects.get()
    assert record.user == user and record.callback_origins == ["http://127.0.0.1:9999"]
    assert authenticate_bearer(_request(f"Bearer {token}"))[1] == record


def test_the_command_refuses_a_callback_with_a_path():
    factories.user("officer", username="budi")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="tanpa path"):
        call_command("api", "token", "budi", "--callback", "http://127.0.0.1:9999/cb")
    assert not ApiToken.objects.exists()


def test_the_command_revokes_by_prefix():
    from django.core.management.base import CommandError

    user = factories.user("officer", username="budi")
    issued = token_create(actor=None, user=user, name="x")
    call_command("api", "revoke", issued.record.prefix)
    assert ApiToken.objects.get().revoked_at is not None
    assert authenticate_bearer(_request(f"Bearer {issued.token}")) is None
    with pytest.raises(CommandError):
        call_command("api", "revoke", "00000000")


@pytest.mark.parametrize("role", ["officer", "partner"])
def test_the_compiled_token_lookup_loads_what_the_queryset_loads(role, django_assert_num_queries):
    # check_token runs the select_related query compiled once (_TokenQuery): the token, its user and the user's
    # organisation (none for an officer) come back field for field as the ORM's queryset gives them, in one query.
    from berdaya.api.authentication import check_token

    user = factories.user(role)
    issued = token_create(actor=user, user=user, name="x", callback_origins=["https://mitra.example"])
    ApiToken.objects.update(last_used=timezone.now())  # no last_used write in the measured call
    expected = ApiToken.objects.select_related("user", "user__organisation").get()
    with django_assert_num_queries(1):
        record = check_token(issued.token)
        assert record is not None
        assert record.user == user
        assert record.user.organisation == user.organisation  # loaded with the token: no second query
    for model_obj, other in ((record, expected), (record.user, expected.user)):
        for field in type(model_obj)._meta.concrete_fields:
            assert getattr(model_obj, field.attname) == getattr(other, field.attname), field.name
    assert record.callback_origins == ["https://mitra.example:443"]
    assert check_token("bdy_00000000_" + "x" * 43) is None
