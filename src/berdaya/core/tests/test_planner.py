"""core.planner: planner settings hold for the block's queries only."""

from __future__ import annotations

import pytest
from django.db import connection

from berdaya.core.planner import planner_settings

pytestmark = pytest.mark.django_db(transaction=True)


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [name])
        return str(cursor.fetchone()[0])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL planner settings")
def test_it_sets_the_planner_for_the_block_only():
    before = _setting("random_page_cost")
    with planner_settings({"random_page_cost": "1.1", "max_parallel_workers_per_gather": "0"}):
        assert connection.in_atomic_block
        assert _setting("random_page_cost") == "1.1"
        assert _setting("max_parallel_workers_per_gather") == "0"
    assert _setting("random_page_cost") == before


def test_it_opens_no_transaction_on_other_databases():
    with planner_settings({"random_page_cost": "1.1"}):
        assert connection.in_atomic_block == (connection.vendor == "postgresql")
