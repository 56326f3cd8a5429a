"""The shape of a rule tree (a JSON schema), its limits, and the validator that reports every problem in Indonesian.

A rule tree is a group or a condition; any node may carry `"not": true`:

    {"op": "and", "items": [
        {"type": "flag", "value": "smallholder"},
        {"type": "decile", "max": 4},
        {"op": "or", "not": true, "items": [{"type": "sex", "value": "M"}, {"type": "age", "max": 17}]}
    ]}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import jsonschema
from django.utils.translation import gettext as _

from .conditions import CONDITIONS

MAX_DEPTH = 4
MAX_CONDITIONS = 60

RULES_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$ref": "#/$defs/group",
    "$defs": {
        "group": {
            "type": "object",
            "required": ["op", "items"],
            "additionalProperties": False,
            "properties": {
                "op": {"enum": ["and", "or"]},
                "not": {"type": "boolean"},
                "items": {"type": "array", "items": {"$ref": "#/$defs/node"}},
            },
        },
        "condition": {
            "type": "object",
            "required": ["type"],
            "additionalProperties": False,
            "properties": {
                "type": {"type": "string", "minLength": 1, "maxLength": 40},
                "not": {"type": "boolean"},
                "value": {"type": ["string", "integer"]},
                "min": {"type": ["number", "null"]},
                "max": {"type": ["number", "null"]},
                "months": {"type": "integer", "minimum": 1, "maximum": 240},
            },
        },
        "node": {
            "if": {"type": "object", "required": ["op"]},
            "then": {"$ref": "#/$defs/group"},
            "else": {"$ref": "#/$defs/condition"},
        },
    },
}


def is_group(node: dict) -> bool:
    return "op" in node


# --- Validation -----------------------------------------------------------------------------------------------


def leaves(node: dict) -> Iterable[dict]:
    if is_group(node):
        for item in node.get("items", []):
            yield from leaves(item)
    else:
        yield node


def is_empty(tree: dict) -> bool:
    return not list(leaves(tree))


def rule_errors(tree: Any, *, allow_empty: bool = False) -> list[str]:
    """Every problem with a rule tree, in Indonesian; empty when it is valid."""
    validator = jsonschema.Draft202012Validator(RULES_SCHEMA)
    schema_errors = list(validator.iter_errors(tree))
    if schema_errors:
        messages = []
        for error in schema_errors[:5]:
            where = "/".join(str(p) for p in error.absolute_path) or _("akar")
            messages.append(_("Struktur aturan tidak sah di %(w)s: %(m)s") % {"w": where, "m": error.message})
        return messages
    errors: list[str] = []

    def walk(node: dict, depth: int) -> None:
        if depth > MAX_DEPTH:
            errors.append(_("Aturan terlalu bertingkat (maksimal %(n)s tingkat).") % {"n": MAX_DEPTH})
            return
        if is_group(node):
            if depth > 0 and not node["items"]:
                errors.append(_("Ada kelompok syarat yang kosong."))
            for item in node["items"]:
                walk(item, depth + 1)
            return
        condition = CONDITIONS.get(node["type"])
        if condition is None:
            errors.append(_("Kriteria tidak dikenal: '%(t)s'.") % {"t": node["type"]})
            return
        errors.extend(condition.validate(node))

    walk(tree, 0)
    count = len(list(leaves(tree)))
    if count > MAX_CONDITIONS:
        errors.append(_("Terlalu banyak syarat (%(n)s; maksimal %(m)s).") % {"n": count, "m": MAX_CONDITIONS})
    if not errors and count == 0 and not allow_empty:
        errors.append(
            _("Aturan tanpa syarat akan memilih semua penduduk. Centang konfirmasi bila memang itu yang dimaksud.")
        )
    return errors


def uses_condition(tree: dict, code: str) -> bool:
    return any(leaf.get("type") == code for leaf in leaves(tree))
