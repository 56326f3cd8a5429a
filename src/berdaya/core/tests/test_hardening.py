"""Small hardening: no cached pages for signed-in users, a health check that names no engine."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from berdaya.testing import factories


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["dashboard", "registry:person_list", "registry:group_list"])
def test_it_forbids_caching_of_every_page_a_signed_in_user_reads(officer, name):
    factories.person(name="Siti Aminah")
    client = Client()
    client.force_login(officer)
    response = client.get(reverse(name))
    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control


@pytest.mark.django_db
def test_it_forbids_caching_of_an_export(officer):
    factories.person(name="Siti Aminah")
    client = Client()
    client.force_login(officer)
    response = client.get(reverse("imports:export"), {"format": "csv"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_leaves_anonymous_pages_to_their_own_caching():
    response = Client().get(reverse("health"))
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.django_db
def test_the_health_check_does_not_name_the_database_engine():
    response = Client().get(reverse("health"))
    assert response.status_code == 200
    body = response.content.decode().lower()
    assert response.json()["status"] == "ok"
    assert not any(engine in body for engine in ("sqlite", "postgres", "mysql", "oracle"))
