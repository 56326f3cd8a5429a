"""PostgreSQL planner settings for one block of queries (SET LOCAL: they end with the block's transaction)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

# A request's list query under many concurrent requests: parallel workers only add start-up cost and compete with
# the other requests for the same cores; and the registry is read from memory, where an index probe costs about
# what a sequential page does (PostgreSQL's default random_page_cost of 4 assumes spinning disks, and then prefers
# walking the whole id index over reading a village's few thousand rows through its households' index).
PAGE_OF_A_LIST = {"max_parallel_workers_per_gather": "0", "random_page_cost": "1.1"}


def set_local(values: dict[str, str]) -> None:
    """These planner settings until the current transaction ends (PostgreSQL; a no-op elsewhere). One statement,
    whatever the number of settings. Outside a transaction they would last the statement only: use
    planner_settings."""
    if connection.vendor == "postgresql" and values:
        params = [item for pair in values.items() for item in pair]
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(values)), params)


@contextmanager
def planner_settings(values: dict[str, str]) -> Iterator[None]:
    """Run the block in a transaction with these planner settings (PostgreSQL). Other databases run it as it is:
    SQLite's transactions here begin IMMEDIATE (a write lock), which a read must not take for nothing."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        set_local(values)
        yield
