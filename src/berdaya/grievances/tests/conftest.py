from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from berdaya.grievances.models import GrievanceHandler
from berdaya.testing import factories


@pytest.fixture(autouse=True)
def grievance_settings(settings):
    settings.BERDAYA = {
        **settings.BERDAYA,
        "GRIEVANCE_INBOUND_TOKEN": "rahasia-gateway",
        "GRIEVANCE_FORM_MIN_SECONDS": 0,
        "GRIEVANCE_PUBLIC_PER_HOUR": 5,
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def handler(areas):
    user = factories.user("officer", username="petugas")
    GrievanceHandler.objects.create(user=user)
    return user


@pytest.fixture
def supervisor(areas):
    user = factories.user("officer", username="supervisor-aduan")
    GrievanceHandler.objects.create(user=user, is_supervisor=True)
    return user


@pytest.fixture
def resident(areas):
    # Lives in 15.02.01.2001, the facilitator fixture's village.
    return factories.person(name="Siti Aminah", birth_date=dt.date(1980, 5, 1))
