from __future__ import annotations

import datetime as dt

import pytest

from berdaya.migration.models import CaseWorker
from berdaya.testing import factories


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    # Case documents go to DATA_DIR/private: keep them out of the project's var/ during tests.
    settings.DATA_DIR = tmp_path


@pytest.fixture
def worker(areas):
    user = factories.user("officer", username="pengelola")
    CaseWorker.objects.create(user=user)
    return user


@pytest.fixture
def supervisor(areas):
    user = factories.user("officer", username="supervisor")
    CaseWorker.objects.create(user=user, is_supervisor=True)
    return user


@pytest.fixture
def migrant(areas):
    # Lives in 15.02.01.2001, the facilitator fixture's village.
    return factories.person(name="Rina Marlina", birth_date=dt.date(1995, 4, 2))
