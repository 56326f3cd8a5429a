"""An address under /api/ that names no endpoint answers the API's JSON error, not the site's HTML page."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from berdaya.api.services import token_create
from berdaya.testing.clients import client_for

pytestmark = pytest.mark.django_db

MESSAGES = {"id": "Alamat ini tidak ada di API.", "en": "No such address in the API."}


@pytest.mark.parametrize("path", ["/api/v1/people/abc/", "/api/v1/nope/", "/api/nope", "/api/"])
@pytest.mark.parametrize(("header", "language"), [(None, "id"), ("en-GB,en;q=0.8", "en"), ("fr", "id")])
def test_an_unknown_address_answers_json_in_the_language_asked(path, header, language):
    response = APIClient(**({"HTTP_ACCEPT_LANGUAGE": header} if header else {})).get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response["Content-Language"] == language
    message = MESSAGES[language]
    assert response.json() == {"detail": message, "errors": [{"field": None, "rule": "not_found", "message": message}]}


def test_an_id_that_is_not_a_number_is_answered_like_one_that_does_not_exist(officer):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_create(actor=officer, user=officer, name='t').token}")
    for path in ("/api/v1/people/abc/", "/api/v1/people/999999/"):
        response = api.get(path)
        assert response.status_code == 404 and response.json()["errors"][0]["rule"] == "not_found"


def test_a_page_for_people_keeps_its_html_404(officer):
    # The token page matched an address and found no token: a person clicked, a person reads the answer.
    response = client_for(officer).post("/api/token/999999/cabut/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_the_rest_of_the_site_keeps_its_html_404(officer):
    response = client_for(officer).get("/registri/tidak-ada/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
