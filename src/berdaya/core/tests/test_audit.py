"""Audit details never hold an identity or phone number, however a caller passes one."""

from __future__ import annotations

import json

import pytest

from berdaya.core.audit import audit, fingerprint
from berdaya.core.models import AuditEvent

NIK = "1502015403850012"

pytestmark = pytest.mark.django_db


def test_it_replaces_numbers_anywhere_in_the_detail_by_their_fingerprint(officer):
    audit(
        actor=officer,
        action="export",
        object_type="registry.person",
        filter={"q": f"nik {NIK}", "phones": ["0812-3456-7890", "+6281234567890"]},
        note=f"KK 1502 0115 0618 0003, NIK {NIK}",
        rows=3,
    )
    detail = AuditEvent.objects.get().detail
    stored = json.dumps(detail)
    assert NIK not in stored and "3456" not in stored and "0618" not in stored
    assert detail["rows"] == 3
    assert detail["filter"]["q"] == f"nik [disamarkan {fingerprint(NIK)}]"
    # The same phone number in two notations has one fingerprint.
    assert detail["filter"]["phones"][0] == detail["filter"]["phones"][1]


def test_a_fingerprint_is_stable_keyed_and_ignores_notation(settings):
    assert fingerprint(NIK) == fingerprint("1502 0154 0385 0012") == fingerprint(" 1502.0154.0385.0012 ")
    assert fingerprint("Siti Aminah") == fingerprint("siti aminah")
    assert NIK not in fingerprint(NIK)
    before = fingerprint(NIK)
    settings.SECRET_KEY = "another-deployment-" + "x" * 40
    assert fingerprint(NIK) != before


def test_it_replaces_a_nik_prefix_and_an_encoded_number_in_the_detail(officer):
    audit(
        actor=officer,
        action="export",
        object_type="registry.person",
        filter={"q": "150201070169", "village": "15.02.01.2001"},
        next="/registri/?q=15020107016900%30%35&page=2",
        rows=12,
        when="2026-11-28",
    )
    detail = AuditEvent.objects.get().detail
    assert "0107" not in json.dumps(detail)
    assert detail["filter"]["q"] == f"[disamarkan {fingerprint('150201070169')}]"
    assert fingerprint("15020107016900%30%35") == fingerprint("1502010701690005")
    assert detail["rows"] == 12 and detail["when"] == "2026-11-28" and detail["filter"]["village"] == "15.02.01.2001"
