"""The change history of a record, as people read it: who, when, which fields, from what to what."""

from __future__ import annotations

from dataclasses import dataclass

from simple_history.utils import get_app_model_primary_key_name

from berdaya.core.compiled import CompiledQuery
from berdaya.core.masking import is_identifying, mask_field

HIDDEN = {
    "id",
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
    "created_at",
}


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class Entry:
    when: object
    who: str
    kind: str
    changes: list[Change]


def _display(record, field, value) -> str:
    if value is None or value == "":
        return "—"
    try:
        model_field = record.instance._meta.get_field(field)
    except Exception:
        return str(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    return str(value)


# The history read of each kind of record and limit, compiled once (core.compiled): every person and household page
# reads it. Kept by the record's class: `obj.history` makes a manager class on every access (simple_history's
# descriptor, ≈ 0.1 ms), so it is read once per class.
_READS: dict[tuple[type, int], CompiledQuery] = {}


def _records(obj, limit: int) -> list:
    key = (type(obj), limit)
    read = _READS.get(key)
    if read is None:
        history = obj.history.model
        pk_name = get_app_model_primary_key_name(obj)
        read = _READS.setdefault(
            key,
            CompiledQuery(
                lambda pk: (
                    history._default_manager.filter(**{pk_name: pk})
                    .select_related("history_user")
                    .order_by("-history_date", "-history_id")[: limit + 1]
                ),
                pk=int,
            ),
        )
    return read(pk=obj.pk)


def history_entries(obj, *, sees_identifiers: bool, limit: int = 50) -> list[Entry]:
    records = _records(obj, limit)
    entries: list[Entry] = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes: list[Change] = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous)
            for change in delta.changes:
                if change.field in HIDDEN:
                    continue
                label = str(record.instance._meta.get_field(change.field).verbose_name)
                old = _display(record, change.field, change.old)
                new = _display(record, change.field, change.new)
                if is_identifying(change.field) and not sees_identifiers:
                    old = mask_field(change.field, change.old) or "—"
                    new = mask_field(change.field, change.new) or "—"
                changes.append(Change(label, old, new))
        who = record.history_user.get_username() if record.history_user else "sistem"
        entries.append(Entry(record.history_date, who, record.get_history_type_display(), changes))
    return entries
