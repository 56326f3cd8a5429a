"""`ChoiceDisplay`: a model's get_<field>_display() without translating every label of the field on each call."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


class ChoiceDisplay:
    """A model mixin: `get_<field>_display()` through a table of each field's choices built once, where Django builds
    it at every call, translating every label of the field to hash it (make_hashable) to show one. A list of 25 people
    spent a few hundred translations on the relationship, status and sex of its rows. The labels stay lazy: each call
    shows the one it returns in the active language, as Django's does."""

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> Any:
        value = getattr(self, field.attname)
        table = _tables.get(field)
        if table is None or table[0] is not field.choices:
            table = _tables[field] = (field.choices, {make_hashable(k): v for k, v in field.flatchoices})
        return force_str(table[1].get(make_hashable(value), value), strings_only=True)


_tables: dict[models.Field[Any, Any], tuple[Any, dict[Any, Any]]] = {}
