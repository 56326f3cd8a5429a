"""A lookup by NIK alone (`nik = %s`: imports, ODK, musdes, dedup, the SPDCI search) finds its rows through an index
on SQLite and PostgreSQL. The partial unique index (living people only) cannot serve it: its condition on the status
is not implied by `nik = %s`, so both databases would scan the table."""

from __future__ import annotations

from django.db import connection

from berdaya.registry.models import Person
from berdaya.testing import factories as f


def plan(sql: str, params: list[object]) -> str:
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(str(row[-1]) for row in cur.fetchall())
        # The table is small here: forbid the sequential scan to see whether an index can serve the lookup at all.
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cur.fetchall())


def test_a_lookup_by_nik_uses_an_index(areas):
    hh = f.household(village="15.02.01.2001")
    person = f.person(hh=hh, name="Siti")
    sql, params = Person.objects.filter(nik=person.nik).values("pk").query.sql_with_params()

    found = plan(sql, list(params))

    assert "person_nik_idx" in found, found
