"""Logging in: throttled after repeated failures, Indonesian messages, roles land on the summary."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from berdaya.testing import factories


@pytest.mark.django_db
def test_it_logs_in_and_lands_on_the_summary(areas):
    factories.user("officer", username="petugas")
    response = Client().post(
        reverse("login"), {"username": "petugas", "password": "kata-sandi-uji-123"}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


@pytest.mark.django_db
def test_it_says_why_in_indonesian_when_the_password_is_wrong(areas):
    factories.user("officer", username="petugas")
    response = Client().post(reverse("login"), {"username": "petugas", "password": "salah"}, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah" in response.content.decode()


@pytest.mark.django_db
def test_it_locks_out_after_five_failures_even_with_the_right_password(areas, settings):
    factories.user("officer", username="petugas")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "petugas", "password": "tebak"}, REMOTE_ADDR="10.0.0.3")
    response = client.post(
        reverse("login"), {"username": "petugas", "password": "kata-sandi-uji-123"}, REMOTE_ADDR="10.0.0.3"
    )
    assert response.status_code == 429
    page = response.content.decode()
    # The lock is on this name from this address, not on the account, and the page says so.
    assert "Nama pengguna ini dikunci sementara dari alamat Anda" in page
    assert "Akun dikunci" not in page and "Alamat jaringan Anda dikunci" not in page
    # Another username from the same address is not locked out by someone else's failures.
    factories.user("officer", username="petugas2")
    other = Client().post(
        reverse("login"), {"username": "petugas2", "password": "kata-sandi-uji-123"}, REMOTE_ADDR="10.0.0.3"
    )
    assert other.status_code == 302


def _fail(client, username, address, **extra):
    return client.post(reverse("login"), {"username": username, "password": "tebak"}, REMOTE_ADDR=address, **extra)


@pytest.mark.django_db
def test_it_locks_an_address_that_tries_many_usernames(areas, settings):
    # Password spraying: one wrong guess for each of many usernames never trips the per-username limit.
    settings.BERDAYA = {**settings.BERDAYA, "LOGIN_ADDRESS_LIMIT": 8}
    factories.user("officer", username="petugas")
    client = Client()
    for i in range(8):
        _fail(client, f"tebakan{i}", "10.0.0.9")
    response = client.post(
        reverse("login"), {"username": "petugas", "password": "kata-sandi-uji-123"}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 429
    page = response.content.decode()
    assert "Alamat jaringan Anda dikunci sementara" in page and "Akun dikunci" not in page
    # The same page for a name that does not exist: the lock reveals nothing about which names are real.
    unknown = client.post(reverse("login"), {"username": "tidak-ada", "password": "x"}, REMOTE_ADDR="10.0.0.9")
    assert unknown.status_code == 429
    assert _alert(unknown.content.decode()) == _alert(page)


def _alert(page: str) -> str:
    return re.search(r'<div class="alert.*?</div>', page, re.DOTALL).group()
    # Other addresses are not affected.
    other = Client().post(
        reverse("login"), {"username": "petugas", "password": "kata-sandi-uji-123"}, REMOTE_ADDR="10.0.0.10"
    )
    assert other.status_code == 302


@pytest.mark.django_db
def test_it_throttles_the_client_behind_a_trusted_proxy_not_the_proxy(areas, settings):
    settings.BERDAYA = {**settings.BERDAYA, "LOGIN_ADDRESS_LIMIT": 8, "TRUSTED_PROXIES": 1}
    factories.user("officer", username="petugas")
    client = Client()
    for i in range(8):
        # The client forges the left-most entry; the proxy appends the real address, which is what counts.
        _fail(client, f"tebakan{i}", "192.168.1.1", HTTP_X_FORWARDED_FOR=f"1.2.3.{i}, 203.0.113.7")
    locked = client.post(
        reverse("login"),
        {"username": "petugas", "password": "kata-sandi-uji-123"},
        REMOTE_ADDR="192.168.1.1",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert locked.status_code == 429
    # Another user through the same proxy is not locked out by the proxy's address.
    other = Client().post(
        reverse("login"),
        {"username": "petugas", "password": "kata-sandi-uji-123"},
        REMOTE_ADDR="192.168.1.1",
        HTTP_X_FORWARDED_FOR="198.51.100.4",
    )
    assert other.status_code == 302
