"""A signed-in session read faster (core.sessions, accounts.middleware) ends exactly when Django's would: a
deactivated user, a changed password, a logout, an expired or deleted session; a session stored before stays valid."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from berdaya.accounts import middleware
from berdaya.core.sessions import SessionStore
from berdaya.testing import factories

pytestmark = pytest.mark.django_db

HOME = "/"


@pytest.fixture
def calls(monkeypatch):
    """How many times Django's own get_user answered (the slow path)."""
    seen = []
    real = auth.get_user

    def counting(request):
        seen.append(request.path)
        return real(request)

    monkeypatch.setattr(middleware.auth, "get_user", counting)
    return seen


def signed_in(areas, username="petugas"):
    user = factories.user("officer", username=username)
    client = Client()
    response = client.post(
        reverse("login"), {"username": username, "password": factories.PASSWORD}, REMOTE_ADDR="10.9.0.1"
    )
    assert response.status_code == 302
    return user, client


def home(client):
    return client.get(HOME, HTTP_ACCEPT="text/html")


def test_a_valid_session_is_read_without_djangos_get_user(areas, calls):
    user, client = signed_in(areas)
    calls.clear()  # the login page's own request: anonymous, Django's
    response = home(client)
    assert response.status_code == 200
    assert response.wsgi_request.user.pk == user.pk and response.wsgi_request.user.is_authenticated
    assert calls == []


def test_a_deactivated_user_is_signed_out_at_once(areas, calls):
    user, client = signed_in(areas)
    calls.clear()  # the login page's own request: anonymous, Django's
    assert home(client).status_code == 200
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    response = home(client)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert calls == [HOME]


def test_a_changed_password_ends_the_session_and_deletes_it(areas, calls):
    user, client = signed_in(areas)
    calls.clear()  # the login page's own request: anonymous, Django's
    key = client.cookies["sessionid"].value
    assert home(client).status_code == 200
    user.set_password("kata-sandi-baru-456")
    user.save()
    response = home(client)
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()  # flushed, as Django does
    assert calls == [HOME]


def test_a_logout_ends_the_session_for_any_copy_of_the_cookie(areas):
    _user, client = signed_in(areas)
    copy = Client()
    copy.cookies["sessionid"] = client.cookies["sessionid"].value
    assert home(copy).status_code == 200
    client.post(reverse("logout"))
    assert home(client).status_code == 302
    assert home(copy).status_code == 302


def test_an_expired_session_is_not_read(areas):
    _user, client = signed_in(areas)
    Session.objects.filter(session_key=client.cookies["sessionid"].value).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    assert home(client).status_code == 302


def test_a_session_stored_by_djangos_own_store_stays_valid(areas, calls):
    user = factories.user("officer", username="lama")
    stored = DjangoSessionStore()
    stored[SESSION_KEY] = str(user.pk)
    stored[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    stored[HASH_SESSION_KEY] = user.get_session_auth_hash()
    stored.save()
    client = Client()
    client.cookies["sessionid"] = stored.session_key
    response = home(client)
    assert response.status_code == 200 and response.wsgi_request.user.pk == user.pk
    assert calls == []
    # And the other way: what this store reads is what Django's reads.
    assert SessionStore(stored.session_key).load() == DjangoSessionStore(stored.session_key).load()


def test_a_session_without_a_password_hash_or_of_another_backend_goes_to_django(areas, calls):
    user = factories.user("officer", username="tanpa-hash")
    for backend, with_hash in (("django.contrib.auth.backends.ModelBackend", False), ("lain.Backend", True)):
        stored = DjangoSessionStore()
        stored[SESSION_KEY] = str(user.pk)
        stored[BACKEND_SESSION_KEY] = backend
        if with_hash:
            stored[HASH_SESSION_KEY] = user.get_session_auth_hash()
        stored.save()
        client = Client()
        client.cookies["sessionid"] = stored.session_key
        assert home(client).status_code == 302
    assert calls == [HOME, HOME]


def test_a_hash_of_the_previous_secret_key_is_moved_to_the_new_one_by_django(areas, settings, calls):
    user, client = signed_in(areas)
    calls.clear()  # the login page's own request: anonymous, Django's
    old_key = client.cookies["sessionid"].value
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-only-0123456789-abcdefghijkl"
    response = home(client)
    assert response.status_code == 200 and response.wsgi_request.user.pk == user.pk
    assert calls == [HOME]  # Django's get_user verified the old hash and cycled the key
    assert client.cookies["sessionid"].value != old_key
    assert home(client).status_code == 200
    assert calls == [HOME]  # from then on, the current key's hash: the fast path again


def test_an_unknown_session_key_reads_as_empty_and_is_forgotten(areas):
    store = SessionStore("x" * 32)
    assert store.load() == {}
    assert store.session_key is None
