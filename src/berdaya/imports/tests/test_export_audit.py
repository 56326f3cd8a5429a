"""An export's audit row says what was filtered without holding the NIK, name or phone number searched for."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from berdaya.core.audit import fingerprint
from berdaya.core.models import AuditEvent
from berdaya.testing import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("search", ["nik", "name", "phone"])
def test_an_export_filtered_by_a_person_keeps_only_a_fingerprint_of_the_search(client, officer, search):
    person = factories.person(name="Siti Rahmawati", phone="081298765432")
    q = {"nik": person.nik, "name": "Siti Rahmawati", "phone": "081298765432"}[search]
    client.force_login(officer)
    response = client.get(reverse("imports:export"), {"format": "csv", "q": q})
    assert response.status_code == 200
    b"".join(response.streaming_content)
    event = AuditEvent.objects.get(action="export")
    stored = json.dumps(event.detail)
    assert person.nik not in stored and "Rahmawati" not in stored and "98765432" not in stored
    # An investigator holding the number can still find the export.
    assert event.detail["filter"]["q"] == fingerprint(q)
