"""An address under /dci/ that names no endpoint answers the spec's HttpErrorResponse, not the site's HTML page."""

from __future__ import annotations

import pytest
from django.test import Client

from berdaya.dci import spec
from berdaya.testing.clients import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("registry", "path"), [("social", "/dci/social/registry/serach"), ("farmer", "/dci/farmer/x"), ("social", "/dci/")]
)
def test_an_unknown_address_answers_the_specs_error_body(registry, path):
    response = Client().post(path, "{}", content_type="application/json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body == {
        "errors": [{"code": "err.request.not_found", "message": "Alamat ini tidak ada di antarmuka SPDCI."}]
    }
    # The spec's HttpErrorResponse (the 401/403/500 answer of every endpoint).
    assert spec.errors(registry, "/registry/search", body, part="response", status="401") == []


def test_a_page_for_people_keeps_its_html_404(admin_user):
    response = client_for(admin_user).post("/dci/pengiriman/999999/kirim-ulang/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
