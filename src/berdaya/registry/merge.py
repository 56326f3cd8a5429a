"""Merging two records of one person, and undoing it.

A merge moves every row that points at the duplicate (`merged`) to the record that stays (`survivor`): the relations
are found through `Person._meta` (foreign keys, one-to-ones and many-to-many tables of every installed app), so a
relation added later is covered without the registry importing the app that owns it. Each relation moves with one
UPDATE; every row moved or changed is written to PersonMergeMove with the values it had, so an undo puts back exactly
what was there. The duplicate stays as an alias (status merged, `merged_into`): old links and ids resolve to the
survivor (`resolve_alias`), and it is left out of every list and count (`PersonQuerySet.current()`).

Where a unique constraint would make two rows of one person clash (both enrolled in one programme, both in one
group...), the app that owns the table resolves it: it registers a handler from its `AppConfig.ready()`
(`register_merge_handler`). `unhandled_unique_constraints()` lists every constraint on a person reference that has no
handler; a test keeps it empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Model, QuerySet
from django.utils import timezone
from simple_history.models import HistoricalChanges

from .models import Person, PersonMerge, PersonMergeMove


@dataclass(frozen=True)
class Relation:
    """One column of some table that points at a person."""

    model: type[Model]
    field: str

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def attname(self) -> str:
        return self.model._meta.get_field(self.field).attname  # type: ignore[union-attr]

    def rows(self, person_id: int) -> QuerySet[Any]:
        return self.model._default_manager.filter(**{self.attname: person_id})


@dataclass
class MergeContext:
    """What a handler works with: the two records, the merge being written, and the two ways to write rows so that
    an undo can put them back (`move`, `change`)."""

    merge: PersonMerge
    survivor: Person
    merged: Person
    today: dt.date

    def move(self, rows: QuerySet[Any], field: str, **also: Any) -> int:
        """Point `rows` (of one table) at the survivor through `field`, setting `also` on them too, in one UPDATE."""
        return self._write(rows, field, also)

    def change(self, rows: QuerySet[Any], **values: Any) -> int:
        """Set `values` on `rows` where they are, in one UPDATE (the duplicate's rows that stay with the alias, or
        the survivor's rows that absorb the duplicate's)."""
        return self._write(rows, "", values)

    def change_record(self, obj: Person | Any, actor: Any, **values: Any) -> None:
        """Set `values` on one registry record through save(), so its change history shows the merge too."""
        from berdaya.core.audit import set_history_user

        model = type(obj)
        PersonMergeMove.objects.create(
            merge=self.merge,
            model=model._meta.label,
            object_pk=str(obj.pk),
            old={_attname(model, name): getattr(obj, _attname(model, name)) for name in values},
        )
        for name, value in values.items():
            setattr(obj, name, value)
        set_history_user(obj, actor)
        obj.save(update_fields=[*values, *(["updated_at"] if hasattr(obj, "updated_at") else [])])

    def _write(self, rows: QuerySet[Any], field: str, values: dict[str, Any]) -> int:
        model = rows.model
        columns = [_attname(model, name) for name in values]
        before = list(rows.values("pk", *columns))
        if not before:
            return 0
        PersonMergeMove.objects.bulk_create(
            PersonMergeMove(
                merge=self.merge,
                model=model._meta.label,
                object_pk=str(row["pk"]),
                field=field,
                moved=bool(field),
                old={column: row[column] for column in columns},
            )
            for row in before
        )
        update = {_attname(model, name): value for name, value in values.items()}
        if field:
            update[_attname(model, field)] = self.survivor.pk
        return model._default_manager.filter(pk__in=[row["pk"] for row in before]).update(**update)


def _attname(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    # A foreign key is set by its id column, so handlers may pass ids.
    return field.attname if isinstance(field, models.ForeignKey) else name


MergeHandler = Callable[[MergeContext, QuerySet[Any]], None]
_handlers: dict[tuple[str, str], MergeHandler] = {}


def register_merge_handler(model_label: str, field: str, handler: MergeHandler) -> None:
    """Let the app that owns `model_label` decide how the duplicate's rows reach the survivor through `field`.

    The handler gets the duplicate's rows and writes them through `ctx.move`/`ctx.change` only (never a plain
    update or delete: undo replays what those recorded). Rows it neither moves nor changes stay with the alias,
    where they still resolve. Registering again replaces the handler."""
    _handlers[(model_label, field)] = handler


def keep_with_alias(ctx: MergeContext, rows: QuerySet[Any]) -> None:
    """A handler for rows that describe the record itself rather than the person (match pairs, match keys): they
    stay with the alias."""


def move_all(ctx: MergeContext, rows: QuerySet[Any], field: str) -> None:
    ctx.move(rows, field)


def person_relations() -> list[Relation]:
    """Every column of every installed app that points at a person, except the change history (it keeps who was
    who) and the merge's own records."""
    found: list[Relation] = []
    for rel in Person._meta.get_fields(include_hidden=True):
        if not rel.auto_created or rel.concrete or rel.many_to_many:
            # A many-to-many's own table points at the person with a hidden foreign key: it is listed by that.
            continue
        model = rel.related_model
        assert isinstance(model, type) and issubclass(model, Model)
        meta = model._meta
        if issubclass(model, HistoricalChanges) or meta.proxy or not meta.managed:
            continue
        if model in (Person, PersonMerge, PersonMergeMove):
            # Person.merged_into: an older alias keeps pointing at the record it was merged into (resolve_alias
            # follows the chain).
            continue
        found.append(Relation(model, rel.field.name))  # type: ignore[union-attr]
    return sorted(found, key=lambda r: (r.label, r.field))


def _unique_sets(model: type[Model]) -> Iterable[tuple[str, tuple[str, ...]]]:
    meta = model._meta
    for constraint in meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            yield constraint.name, tuple(constraint.fields)
    for names in meta.unique_together:
        yield "unique_together", tuple(names)
    for field in meta.concrete_fields:
        if field.unique and not field.primary_key:
            yield f"{field.name} unique", (field.name,)


def unhandled_unique_constraints() -> list[str]:
    """The unique constraints on a person reference with no registered handler: a merge could break each of them."""
    missing = []
    for relation in person_relations():
        field = relation.model._meta.get_field(relation.field)
        if (relation.label, relation.field) in _handlers:
            continue
        if getattr(field, "primary_key", False):
            missing.append(f"{relation.label}.{relation.field} (primary key)")
            continue
        for name, fields in _unique_sets(relation.model):
            if relation.field in fields:
                missing.append(f"{relation.label}.{relation.field}: {name}")
    return missing


def move_related(ctx: MergeContext) -> None:
    """Every row of the duplicate, relation by relation: through its handler, or moved as it is."""
    for relation in person_relations():
        rows = relation.rows(ctx.merged.pk)
        handler = _handlers.get((relation.label, relation.field))
        if handler is not None:
            handler(ctx, rows)
        else:
            ctx.move(rows, relation.field)


def undo_moves(merge: PersonMerge) -> None:
    """Put back what `merge` moved and changed, last write first. Rows moved with no other change go back per table
    in one UPDATE; rows with recorded values get those values back one by one (a person has few such rows)."""
    moves = list(merge.moves.order_by("-id"))
    i = 0
    while i < len(moves):
        move = moves[i]
        model = apps.get_model(move.model)
        if move.moved and not move.old:
            batch = [move]
            while (
                i + len(batch) < len(moves)
                and moves[i + len(batch)].moved
                and not moves[i + len(batch)].old
                and (moves[i + len(batch)].model, moves[i + len(batch)].field) == (move.model, move.field)
            ):
                batch.append(moves[i + len(batch)])
            model._default_manager.filter(pk__in=[m.object_pk for m in batch]).update(
                **{_attname(model, move.field): merge.merged_id}
            )
            i += len(batch)
            continue
        values = {column: model._meta.get_field(column).to_python(value) for column, value in move.old.items()}
        if move.moved:
            values[_attname(model, move.field)] = merge.merged_id
        model._default_manager.filter(pk=move.object_pk).update(**values)
        i += 1


def resolve_alias(person_id: int | str) -> int | None:
    """The id a merged record now stands for (following a chain of merges), or None when `person_id` is not an
    alias or does not exist."""
    try:
        current = int(person_id)
    except (TypeError, ValueError):
        return None
    seen: set[int] = set()
    target = None
    while current not in seen:
        seen.add(current)
        nxt = Person.objects.filter(pk=current, merged_into__isnull=False).values_list("merged_into", flat=True).first()
        if nxt is None:
            return target
        target = current = nxt
    return target


def today() -> dt.date:
    return timezone.localdate()


def merge_memberships(ctx: MergeContext, rows: QuerySet[Any]) -> None:
    """Both records active in one group: the survivor's membership stands (a group counts its member once); the
    duplicate's is ended on the day of the merge and stays with the alias. The rest move."""
    from .models import GroupMembership

    active_groups = GroupMembership.objects.filter(person=ctx.survivor, left_on__isnull=True).values("group")
    clash = list(rows.filter(left_on__isnull=True, group__in=active_groups).values_list("pk", flat=True))
    ctx.change(GroupMembership.objects.filter(pk__in=clash), left_on=ctx.today)
    ctx.move(rows.exclude(pk__in=clash), "person")


def register() -> None:
    register_merge_handler("registry.GroupMembership", "person", merge_memberships)
    # An officer's "not the same person" describes those two records at that time: it stays with the alias.
    register_merge_handler("registry.DistinctConfirmation", "person", keep_with_alias)
    register_merge_handler("registry.DistinctConfirmation", "other", keep_with_alias)
