"""The term frequencies' denominator: the keys counted, or on a large PostgreSQL table its statistics."""

from __future__ import annotations

import duckdb
import pytest
from django.db import connection

from berdaya.dedup import incremental, services
from berdaya.dedup.models import PersonKey
from berdaya.testing import factories as f


def _people(n: int) -> list:
    hh = f.household()
    return [f.person(hh=hh, name=f"Warga Kunci {i}") for i in range(n)]


def _keys(people) -> None:
    PersonKey.objects.bulk_create(
        PersonKey(person=p, name_key=p.full_name.upper(), first_token="WARGA") for p in people
    )


def test_a_small_table_is_counted_exactly(areas):
    people = _people(5)
    _keys(people[:3])
    assert incremental.key_count() == 3
    _keys(people[3:])
    assert incremental.key_count() == 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics")
def test_a_large_postgresql_table_is_read_from_its_statistics_which_a_rebuild_of_the_keys_refreshes(areas, monkeypatch):
    people = _people(6)
    duck = duckdb.connect()
    duck.execute(
        "CREATE TABLE people (unique_id BIGINT, name_sorted VARCHAR, first_name VARCHAR, birth_date VARCHAR, "
        "district_id VARCHAR, kk_number VARCHAR, phone VARCHAR)"
    )
    duck.executemany(
        "INSERT INTO people VALUES (?, ?, 'WARGA', '1990-01-01', '15.02.01', '', '')",
        [(p.pk, p.full_name.upper()) for p in people[:4]],
    )
    assert services._write_keys(duck) == 4
    monkeypatch.setattr(incremental, "ESTIMATE_FROM", 1)
    # The rebuild analyzed the table: its statistics hold the 4 keys it wrote.
    assert incremental.key_count() == 4
    _keys(people[4:])
    # Read from the statistics, not counted: the 2 keys added since are not in them.
    assert incremental.key_count() == 4
    monkeypatch.setattr(incremental, "ESTIMATE_FROM", 100)
    assert incremental.key_count() == 6
