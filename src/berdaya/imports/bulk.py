# SQL here is assembled only from column names defined in code (columns.py, model meta) and from literals built by
# sqlcheck.lit(); values from the file travel through COPY, executemany or query parameters.
# ruff: noqa: S608
"""The bulk write: the checked rows of the file into the registry, in the import's one transaction.

New households and people are streamed in (transport.py: PostgreSQL COPY, SQLite executemany) with ids reserved as
a block; changed ones are updated with a handful of UPDATE ... FROM statements. What a change leaves behind besides
the rows (KK number history, life events, change-history rows) is written by the registry's own set-based functions
(registry.changes), the ones the form services use, so an import and a form record a change alike.

A large first load drops the secondary indexes (and, for an exclusive load on PostgreSQL, the foreign keys) of the
tables it at least doubles inside that transaction and rebuilds them at the end (docs/decisions.md, "Bulk import").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import OperationalError, connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.core.conf import conf
from berdaya.registry import choices as c
from berdaya.registry.access import registers_for_organisation
from berdaya.registry.changes import Rows, history_rows_write, kk_numbers_change, kk_numbers_open, life_events_record
from berdaya.registry.models import Household, Person

from . import sqlcheck as q
from .columns import BY_KEY, HOUSEHOLD_KEYS, PERSON_KEYS

if TYPE_CHECKING:
    from .pipeline import Import

# A first load this large rebuilds indexes instead of maintaining them row by row.
BULK_MIN_ROWS = 50_000
# The tables registry pages read while an import runs (list, search, household pages).
READ_TABLES = {"registry_household", "registry_person", "registry_kknumber"}
SQL_TYPES = {"int": "integer", "decimal": "numeric(8,2)", "bool": "boolean", "date": "date", "wgss": "smallint"}
CREATED, CHANGED = "+", "~"  # django-simple-history's history_type


def _sql_type(key: str) -> str:
    return SQL_TYPES.get(BY_KEY[key].kind, "text")


def exclusive_load() -> bool:
    return bool(conf().import_exclusive_load)


def bulk_tables(run: Import, cur, hh_new: int, p_new: int) -> list[str]:
    """The tables this import at least doubles: for those, one index build beats row-by-row maintenance.

    On PostgreSQL dropping an index locks its table against readers until the import commits, so the tables
    registry pages read are left out unless the deployment asks for an exclusive first load
    (BERDAYA_IMPORT_EXCLUSIVE_LOAD). SQLite readers see the last commit (WAL) whatever the import does."""
    if p_new < BULK_MIN_ROWS:
        return []
    skip = READ_TABLES if run.transport.index_drop_blocks_readers and not exclusive_load() else set()
    tables = []
    for table, rows in (
        ("registry_household", hh_new),
        ("registry_historicalhousehold", hh_new),
        ("registry_kknumber", hh_new),
        ("registry_person", p_new),
        ("registry_historicalperson", p_new),
    ):
        if table in skip:
            continue
        cur.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT %s) x", [rows + 1])
        if cur.fetchone()[0] <= rows:
            tables.append(table)
    return tables


def begin_bulk_load(run: Import, cur, tables: list[str]) -> list[str]:
    """Drop the secondary indexes of `tables` (and the foreign keys, for an exclusive load) for a large first load.

    Maintaining six indexes (one of them a trigram GIN) row by row and checking a million deferred foreign keys one
    by one costs several times more than building them once at the end. Returns the statements that restore them."""
    return run.transport.drop_indexes(cur, tables, foreign_keys=exclusive_load())


def write(run: Import, cur) -> None:
    transport = run.transport
    stamp = timezone.now()
    now_text = transport.moment(stamp)
    today = timezone.localdate()
    reason = _("Impor: %(label)s") % {"label": run.label}
    org = registers_for_organisation(run.actor)
    org_sql = str(int(org)) if org else "NULL"
    hh_new, p_new = run.result.households_new, run.result.new

    restore: list[str] = []
    bulk = bulk_tables(run, cur, hh_new, p_new)
    if bulk:
        try:
            with transaction.atomic():
                restore = begin_bulk_load(run, cur, bulk)
        except OperationalError:
            # The caller's transaction has deferred checks pending on these tables (ALTER TABLE refuses):
            # maintain the indexes row by row instead.
            restore = []
    # A large first load: the two timestamps, the same for every row, come from the database where it can (see
    # Transport.stamp_by_default), not sent with every row.
    loaded: list[str] = [t for t in ("registry_household", "registry_person") if restore and t in bulk]
    stamped = transport.stamp_by_default(cur, loaded, now_text)

    def stamps(table: str) -> tuple[list[str], str]:
        if table in stamped:
            return [], ""
        return ["created_at", "updated_at"], f", {now_text}, {now_text}"

    def progress(start: float, end: float):
        def report(sent: int) -> None:
            if run.result.total:
                run.step(start + (end - start) * min(sent / run.result.total, 1.0))

        return report

    hh_base = transport.reserve_ids(cur, "registry_household", hh_new) if hh_new else 0
    p_base = transport.reserve_ids(cur, "registry_person", p_new) if p_new else 0
    run.d(
        f"UPDATE hh SET hh_id = {hh_base} + x.rn - 1 FROM (SELECT hh_key, row_number() OVER (ORDER BY first_row) "
        "AS rn FROM hh WHERE is_new) x WHERE x.hh_key = hh.hh_key"
    )
    sent = transport.as_sent
    hh_vals = [sent(k) if BY_KEY[k].kind in ("decimal", "date") else k for k in HOUSEHOLD_KEYS]
    if hh_new:
        stamp_cols, stamp_vals = stamps("registry_household")
        transport.stream(
            cur,
            "registry_household",
            ["id", *HOUSEHOLD_KEYS, "kk_override_reason", "status", "registered_by_organisation_id", *stamp_cols],
            f"SELECT hh_id, {', '.join(hh_vals)}, '', {q.lit(c.HouseholdStatus.ACTIVE)}, {org_sql}"
            f"{stamp_vals} FROM hh WHERE is_new ORDER BY hh_id",
            on_rows=progress(0.4, 0.5),
        )
        run.step(0.5)
    run.progress.check_cancelled()
    if p_new:
        p_vals = [sent(f"c.{k}") if BY_KEY[k].kind in ("decimal", "date") else f"c.{k}" for k in PERSON_KEYS]
        stamp_cols, stamp_vals = stamps("registry_person")
        # Each person's village is their household's (Person.village): the database checks every row against the
        # household and rewrites the ones that differ (registry migration 0014), so sending it right saves a second
        # write of every row. A household whose village the file changes is moved below (write_updates), and the
        # database moves its people with it.
        transport.stream(
            cur,
            "registry_person",
            ["id", "household_id", "village_id", *PERSON_KEYS, "nik_override_reason", "status", *stamp_cols],
            f"SELECT {p_base} + row_number() OVER (ORDER BY c.row_no) - 1 AS id, h.hh_id, h.village_id, "
            f"{', '.join(p_vals)}, "
            f"'', {q.lit(c.PersonStatus.ACTIVE)}{stamp_vals} FROM conv c "
            "JOIN hh h ON h.hh_key = c.hh_key WHERE c.person_id IS NULL ORDER BY id",
            on_rows=progress(0.5, 0.75),
        )
    transport.clear_stamp_default(cur, stamped)
    run.lap("write_rows")
    run.step(0.75)
    if hh_new:
        new_households = Household.objects.filter(id__range=(hh_base, hh_base + hh_new - 1))
        kk_numbers_open(households=Rows.of(new_households.values("id", "kk_number")), reason=reason, date=today)
        history_rows_write(
            model=Household,
            rows=Rows.of(new_households),
            history_type=CREATED,
            actor=run.actor,
            reason=reason,
            at=stamp,
        )
    run.step(0.8)
    if p_new:
        history_rows_write(
            model=Person,
            rows=Rows.of(Person.objects.filter(id__range=(p_base, p_base + p_new - 1))),
            history_type=CREATED,
            actor=run.actor,
            reason=reason,
            at=stamp,
        )
    run.lap("write_history")
    run.step(0.9)
    transport.restore_indexes(cur, restore)
    run.lap("write_indexes")
    run.step(0.95)
    write_updates(run, cur, stamp, today, reason)
    run.lap("write_updates")


def write_updates(run: Import, cur, stamp, today, reason: str) -> None:
    """Changed households and people: a handful of UPDATE ... FROM statements, and what the registry records for
    each change (KK number history, the life event of a move, history rows)."""
    now = connection.ops.adapt_datetimefield_value(stamp)
    if run.result.households_updated:
        cols = [
            ("hh_id", "bigint"),
            ("kk_changed", "boolean"),
            ("old_kk", "text"),
            *((k, _sql_type(k)) for k in HOUSEHOLD_KEYS),
        ]
        run.push(
            cur,
            "imp_hh_upd",
            cols,
            f"SELECT h.hh_id, h.kk_changed, e.kk_number, {', '.join(f'h.{k}' for k in HOUSEHOLD_KEYS)} "
            "FROM hh h JOIN ex_h e ON e.id = h.hh_id WHERE h.changed",
        )
        set_hh = ", ".join(f"{k} = imp_hh_upd.{k}" for k in HOUSEHOLD_KEYS)
        cur.execute(
            f"UPDATE registry_household SET {set_hh}, updated_at = %s FROM imp_hh_upd "
            "WHERE registry_household.id = imp_hh_upd.hh_id",
            [now],
        )
        # The KK number history, as household_update records it for one household.
        kk_numbers_change(
            actor=run.actor,
            changes=Rows(
                "SELECT hh_id AS household_id, old_kk AS old_number, kk_number AS new_number FROM imp_hh_upd "
                "WHERE kk_changed"
            ),
            reason=reason,
            date=today,
            recorded_at=stamp,
        )
        history_rows_write(
            model=Household,
            rows=Rows.of(Household.objects.filter(id__in=RawSQL("SELECT hh_id FROM imp_hh_upd", ()))),
            history_type=CHANGED,
            actor=run.actor,
            reason=reason,
            at=stamp,
        )
    run.progress.check_cancelled()
    changed = run.one("SELECT count(*) FROM conv WHERE p_changed")[0]
    if changed:
        values = ", ".join(f"arg_max(c.{k}, c.row_no) AS {k}" for k in PERSON_KEYS)
        run.push(
            cur,
            "imp_p_upd",
            [
                ("person_id", "bigint"),
                ("household_id", "bigint"),
                ("moved_from", "bigint"),
                *((k, _sql_type(k)) for k in PERSON_KEYS),
            ],
            f"SELECT c.person_id, any_value(h.hh_id), any_value(CASE WHEN c.hh_exist <> h.hh_id THEN c.hh_exist "
            f"END), {values} FROM conv c JOIN hh h ON h.hh_key = c.hh_key WHERE c.p_changed GROUP BY c.person_id",
        )
        set_p = ", ".join(f"{k} = imp_p_upd.{k}" for k in [*PERSON_KEYS, "household_id"])
        cur.execute(
            f"UPDATE registry_person SET {set_p}, updated_at = %s FROM imp_p_upd "
            "WHERE registry_person.id = imp_p_upd.person_id",
            [now],
        )
        # A move leaves the event household_split records (the household left, the one joined), with the person.
        life_events_record(
            actor=run.actor,
            kind=c.LifeEventKind.SPLIT,
            events=Rows(
                "SELECT moved_from AS household_id, person_id, household_id AS new_household_id FROM imp_p_upd "
                "WHERE moved_from IS NOT NULL"
            ),
            date=today,
            note=reason,
            recorded_at=stamp,
        )
        history_rows_write(
            model=Person,
            rows=Rows.of(Person.objects.filter(id__in=RawSQL("SELECT person_id FROM imp_p_upd", ()))),
            history_type=CHANGED,
            actor=run.actor,
            reason=reason,
            at=stamp,
        )
    run.progress.check_cancelled()
