"""Eligibility rules as data, in four parts:

- `schema`: the JSON shape of a rule tree, its limits, and the validator with Indonesian messages;
- `conditions`: the condition types (a registry), each with its SQL, its reasons and its plain-Python meaning;
- `compile`: the tree as one SQL WHERE clause (a Django Q over Person, user values always as parameters), its
  description and the SQL text of its reasons; `sql` holds the building blocks;
- `reference`: the plain-Python evaluator that the property tests compare the SQL against.

A flag condition reads the vulnerability flags of berdaya.registry.vulnerability, registered by the apps that own
their data: their set-based SQL form in a run, their Python definition in the reference.

The names callers use are imported here: `from berdaya.targeting import rules; rules.compile_q(...)`.
"""

from .compile import base_people, compile_q, describe, failed_expr, matching_people, reason_expr
from .conditions import CONDITIONS, ConditionType, Param, condition_choices, months_ago, register
from .reference import Facts, evaluate, evaluate_python, gather_facts
from .schema import MAX_CONDITIONS, MAX_DEPTH, RULES_SCHEMA, is_empty, is_group, leaves, rule_errors, uses_condition
from .sql import Context, concat, effective_decile, flag_sql_q, fmt, int_text, text

__all__ = [
    "CONDITIONS",
    "MAX_CONDITIONS",
    "MAX_DEPTH",
    "RULES_SCHEMA",
    "ConditionType",
    "Context",
    "Facts",
    "Param",
    "base_people",
    "compile_q",
    "concat",
    "condition_choices",
    "describe",
    "effective_decile",
    "evaluate",
    "evaluate_python",
    "failed_expr",
    "flag_sql_q",
    "fmt",
    "gather_facts",
    "int_text",
    "is_empty",
    "is_group",
    "leaves",
    "matching_people",
    "months_ago",
    "reason_expr",
    "register",
    "rule_errors",
    "text",
    "uses_condition",
]
