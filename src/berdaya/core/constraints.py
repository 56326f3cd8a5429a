"""A check constraint that model validation checks in Python when its condition is simple enough.

Django validates a `CheckConstraint` (`Model.full_clean` → `validate_constraints`) by sending its condition to the
database: `SELECT 1 WHERE COALESCE(<condition over the record's values>, true)`, inside a savepoint of its own when a
transaction is open (SAVEPOINT, SELECT, RELEASE: three statements, and the ORM's compilation of the condition, for
each constraint of each record validated). For a condition that only compares the record's own columns with
constants or with each other, the answer does not need the database. `CheckConstraint` here is Django's, with
`validate` answering such a condition in Python by the same rules:

- the record's values are those Django would send (`Model._get_field_expression_map`), each prepared by its field
  (`get_prep_value`) as the lookup prepares both sides;
- SQL's three-valued logic: a comparison with NULL is unknown, NOT unknown is unknown, AND/OR as in SQL, and an
  unknown condition passes (Django's `COALESCE(..., true)`, the database's CHECK);
- a condition that names a field left out of the validation (`exclude`) passes, as Django's FieldError does.

Only `field=value`, `field__exact=value`, `field__isnull=bool`, `field=F("other")` over local concrete fields (or
`pk`), joined by AND, OR and NOT, with values `str`, `int` or `bool` on both sides of a comparison, and `__gt`,
`__gte`, `__lt`, `__lte` with an `int` on both sides (a positive price), are answered here; anything else (another lookup, a relation path, an expression, XOR, a value of another type) goes to
Django's own validation, unchanged. The constraint in the database is the same (this class changes no migration:
it compares equal to Django's), and still refuses what the validation would have missed.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import F, Q


class _Unsupported(Exception):
    """A condition (or a value) this module does not answer: Django's validation answers it."""


def _field(model: type[models.Model], name: str) -> models.Field:
    if name == "pk":
        return model._meta.pk
    for field in model._meta.local_concrete_fields:
        if field.name == name and not field.generated:
            return field
    raise _Unsupported(name)


# Comparisons answered for integers on both sides (a string's order is the database collation's).
_ORDER: dict[str, Any] = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def _names(node: Q) -> set[str]:
    """Every field name the condition reads (its lookups' left sides and F() right sides)."""
    found: set[str] = set()
    for child in node.children:
        if isinstance(child, Q):
            found |= _names(child)
            continue
        if not isinstance(child, tuple) or len(child) != 2:
            raise _Unsupported(child)
        lookup, value = child
        parts = lookup.split("__")
        if len(parts) > 2 or (len(parts) == 2 and parts[1] not in ("exact", "isnull", *_ORDER)):
            raise _Unsupported(lookup)
        found.add(parts[0])
        if isinstance(value, F):
            if "__" in value.name:
                raise _Unsupported(value.name)
            found.add(value.name)
        elif hasattr(value, "resolve_expression"):
            raise _Unsupported(value)
    return found


def _prepared(field: models.Field, value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "resolve_expression"):
        raise _Unsupported(value)
    prepared = field.get_prep_value(value)
    # As the driver sends it: a choice (a str or int enum) is its plain value.
    if isinstance(prepared, bool):
        return bool(prepared)
    if isinstance(prepared, int):
        return int(prepared)
    if isinstance(prepared, str):
        return str.__str__(prepared)
    if prepared is not None:
        raise _Unsupported(prepared)
    return prepared


def _equal(left: Any, right: Any) -> bool | None:
    if left is None or right is None:
        return None
    # Only alike types: a str against an int (or a bool against an int) is the database's to coerce.
    if type(left) is not type(right):
        raise _Unsupported((left, right))
    return bool(left == right)


def _ordered(kind: str, left: Any, right: Any) -> bool | None:
    if left is None or right is None:
        return None
    if type(left) is not int or type(right) is not int:
        raise _Unsupported((left, right))
    return bool(_ORDER[kind](left, right))


def _value(model: type[models.Model], instance: models.Model, name: str) -> Any:
    field = _field(model, name)
    return _prepared(field, instance.pk if name == "pk" else getattr(instance, field.attname))


def _evaluate(model: type[models.Model], node: Q, instance: models.Model) -> bool | None:
    results: list[bool | None] = []
    for child in node.children:
        if isinstance(child, Q):
            results.append(_evaluate(model, child, instance))
            continue
        lookup, value = cast(tuple[str, Any], child)  # checked by _names
        name, _sep, kind = lookup.partition("__")
        if kind == "isnull":
            if not isinstance(value, bool):
                raise _Unsupported(value)
            results.append((_value(model, instance, name) is None) == value)
            continue
        left = _value(model, instance, name)
        if kind in _ORDER:
            if value is None:  # Django refuses None as a comparison's value
                raise _Unsupported(value)
            right = (
                _value(model, instance, value.name) if isinstance(value, F) else _prepared(_field(model, name), value)
            )
            results.append(_ordered(kind, left, right))
        elif value is None:  # Django reads `field=None` as `field__isnull=True`
            results.append(left is None)
        elif isinstance(value, F):
            results.append(_equal(left, _value(model, instance, value.name)))
        else:
            results.append(_equal(left, _prepared(_field(model, name), value)))
    if node.connector == Q.AND:
        verdict = False if False in results else (None if None in results else True)
    elif node.connector == Q.OR:
        verdict = True if True in results else (None if None in results else False)
    else:
        raise _Unsupported(node.connector)
    if node.negated:
        return None if verdict is None else not verdict
    return verdict


def holds(model: type[models.Model], condition: Q, instance: models.Model, exclude: set[str]) -> bool:
    """Whether `instance` satisfies `condition` as Django's validation of a check constraint would answer (a
    condition naming an excluded field holds; an unknown one holds). Raises _Unsupported for a condition or value
    this module does not answer."""
    names = _names(condition)
    for name in names:
        _field(model, name)  # a name that is no local column (a relation path, an attname) is Django's to answer
    if any(name in exclude for name in names):
        return True
    return _evaluate(model, condition, instance) is not False


class CheckConstraint(models.CheckConstraint):
    """Django's CheckConstraint, validated in Python when its condition is a simple comparison of the record's own
    columns (module docstring); otherwise, and in the database, exactly Django's."""

    def validate(
        self, model: type[models.Model], instance: models.Model, exclude: Any = None, using: str = DEFAULT_DB_ALIAS
    ) -> None:
        django_validate = cast(Any, models.CheckConstraint).validate  # Django's own (its stubs do not declare it)
        if not connections[using].features.supports_comparing_boolean_expr:
            # Django checks such a backend without COALESCE (an unknown condition fails there): its own answer.
            django_validate(self, model, instance, exclude=exclude, using=using)
            return
        try:
            ok = holds(model, Q(self.condition), instance, set(exclude or ()))
        except _Unsupported:
            django_validate(self, model, instance, exclude=exclude, using=using)
            return
        if not ok:
            raise ValidationError(self.get_violation_error_message(), code=self.violation_error_code)
