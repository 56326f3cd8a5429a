# SQL here is assembled from model metadata (table and column names) only; values travel as query parameters.
# ruff: noqa: S608
"""The side effects of a change to the registry, written set-based: the KK number history, life events and change
history rows.

A form changes one household, an import thousands; both leave the same rows behind because both call these
functions (services.py for one household, imports.bulk for a whole file), inside the caller's transaction. Each
function takes the households or people concerned as `Rows`: a SELECT and its parameters, from a queryset, a few
values written out, or a temporary table the import filled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Field, Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import User

from . import choices as c
from .models import KKNumber, LifeEvent
from .signals import history_rows_written


@dataclass(frozen=True)
class Rows:
    """A set of rows for a set-based write: a SELECT (its columns named as each function says) and its parameters."""

    sql: str
    params: Sequence[Any] = ()

    @classmethod
    def of(cls, queryset: QuerySet) -> Rows:
        sql, params = queryset.order_by().query.sql_with_params()
        return cls(sql, tuple(params))

    @classmethod
    def one(cls, **values: Any) -> Rows:
        """One row of values (a form's change). Ids are cast where they are read, so a None is typed there."""
        return cls("SELECT " + ", ".join(f"%s AS {name}" for name in values), tuple(values.values()))


def _truncated(model: type[Model], field: str, text: str) -> str:
    # The form services refuse a longer reason before they get here; an import's label is cut to fit.
    column = model._meta.get_field(field)
    assert isinstance(column, Field)  # a text column, not a relation
    return text[: column.max_length]


def _date(value: dt.date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def _moment(value: dt.datetime | None) -> Any:
    return connection.ops.adapt_datetimefield_value(value or timezone.now())


def kk_numbers_open(*, households: Rows, reason: str, date: dt.date) -> None:
    """The first KK-number row of new households (registration, pecah KK, an import), valid from `date`.
    households: (id, kk_number); a household without a number gets no row."""
    table = KKNumber._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} (household_id, number, valid_from, valid_to, reason) "
            f"SELECT h.id, h.kk_number, %s, NULL, %s FROM ({households.sql}) h WHERE h.kk_number <> ''",
            [_date(date), _truncated(KKNumber, "reason", reason), *households.params],
        )


def kk_numbers_change(
    *, actor: User, changes: Rows, reason: str, date: dt.date, recorded_at: dt.datetime | None = None
) -> None:
    """Households whose KK number changed, already saved with the new one. changes: (household_id, old_number,
    new_number).

    The open history row is closed on `date` and the new number opened; an old number that came in without a history
    row (an import before KK history, an admin edit) is kept as a closed row, so a search by it still finds the
    household. Each change is a KK_CHANGED life event."""
    table = KKNumber._meta.db_table
    source = f"(SELECT CAST(household_id AS BIGINT) AS household_id, old_number, new_number FROM ({changes.sql}) x)"
    day = _date(date)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} (household_id, number, valid_from, valid_to, reason) "
            f"SELECT c.household_id, c.old_number, %s, %s, %s FROM {source} c WHERE c.old_number <> '' "
            f"AND NOT EXISTS (SELECT 1 FROM {table} k WHERE k.household_id = c.household_id "
            "AND k.number = c.old_number)",
            [day, day, _truncated(KKNumber, "reason", _("Nomor lama")), *changes.params],
        )
        cur.execute(
            f"UPDATE {table} SET valid_to = %s WHERE valid_to IS NULL AND household_id IN "
            f"(SELECT household_id FROM {source} c)",
            [day, *changes.params],
        )
        cur.execute(
            f"INSERT INTO {table} (household_id, number, valid_from, valid_to, reason) "
            f"SELECT c.household_id, c.new_number, %s, NULL, %s FROM {source} c WHERE c.new_number <> ''",
            [day, _truncated(KKNumber, "reason", reason), *changes.params],
        )
    life_events_record(
        actor=actor,
        kind=c.LifeEventKind.KK_CHANGED,
        events=Rows(
            f"SELECT household_id, NULL AS person_id, NULL AS new_household_id FROM {source} c", changes.params
        ),
        date=date,
        note=reason,
        recorded_at=recorded_at,
    )


def life_events_record(
    *, actor: User, kind: str, events: Rows, date: dt.date, note: str = "", recorded_at: dt.datetime | None = None
) -> None:
    """One life event of `kind` per row of events: (household_id, person_id, new_household_id), the last two may be
    NULL. A household split records the household left and the one created (and, for an import's move, the person
    who moved)."""
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {LifeEvent._meta.db_table} (kind, date, household_id, person_id, new_household_id, note, "
            "recorded_by_id, recorded_at) SELECT %s, %s, CAST(e.household_id AS BIGINT), "
            "CAST(e.person_id AS BIGINT), CAST(e.new_household_id AS BIGINT), %s, %s, %s "
            f"FROM ({events.sql}) e",
            [
                kind,
                _date(date),
                _truncated(LifeEvent, "note", note),
                actor.pk,
                _moment(recorded_at),
                *events.params,
            ],
        )


def history_rows_write(
    *, model: type[Model], rows: Rows, history_type: str, actor: User, reason: str, at: dt.datetime | None = None
) -> None:
    """django-simple-history rows for records written in bulk (bulk writes fire none of its signals): one row per
    record of `rows` (a queryset of `model`: every concrete column), as the signal would have written it."""
    history = model.history.model  # type: ignore[attr-defined]
    base_columns = {f.column for f in model._meta.concrete_fields}
    columns, exprs, params = [], [], []
    for f in history._meta.concrete_fields:
        if f.name == "history_id":
            continue
        columns.append(f.column)
        if f.name == "history_date":
            exprs.append("%s")
            params.append(_moment(at))
        elif f.name == "history_change_reason":
            exprs.append("%s")
            params.append(_truncated(history, "history_change_reason", reason))
        elif f.name == "history_type":
            exprs.append("%s")
            params.append(history_type)
        elif f.name == "history_user":
            exprs.append("%s")
            params.append(getattr(actor, "pk", None))
        elif f.column in base_columns:
            exprs.append(f"t.{f.column}")
        else:
            exprs.append("NULL")
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {history._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(exprs)} "
            f"FROM ({rows.sql}) t",
            [*params, *rows.params],
        )
    # Bulk writes fire no model signals: say once, for the whole set, that history rows were written (the SPDCI
    # subscriptions read the change history from there, after commit).
    history_rows_written.send(sender=model, history_type=history_type)
