"""schemathesis against /api/schema/ on a live server: no operation answers a server error or breaks its own schema
(status codes, content types, bodies), whatever the generated parameters and bodies. Bounded: a few examples per
operation and a time budget for the whole run."""

from __future__ import annotations

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks

from berdaya.api.services import token_create
from berdaya.testing import factories
from berdaya.testing import programmes as tp

EXAMPLES = 6
BUDGET_SECONDS = 60
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def token(live_server, transactional_db, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "100000/min", "anon": "100000/min"},
    }
    factories.make_areas()
    officer = factories.user("officer")
    org = factories.organisation("Mitra Uji")
    hh = factories.household(registered_by_organisation=org, kk_number=factories.kk_number())
    person = factories.person(hh=hh, phone="+6281234567890")
    factories.person(hh=hh, name="Anak", birth_date=factories.dt.date(2015, 1, 1))
    programme = tp.programme(officer, organiser=org)
    tp.enrol(officer, programme, person)
    return token_create(actor=officer, user=officer, name="schemathesis").token


def test_the_api_keeps_to_its_schema(live_server, token):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json")
    headers = {"Authorization": f"Bearer {token}"}
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:
        if time.monotonic() - started > BUDGET_SECONDS:
            pytest.fail(f"schemathesis went over its budget of {BUDGET_SECONDS} s at {operation.label}")

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            response = case.call(base_url=f"{live_server.url}", headers=headers, timeout=10)
            case.validate_response(response, checks=CHECKS)

        run()
