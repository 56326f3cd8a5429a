"""The SQL building blocks of compiled rules: the compilation context, text expressions for reasons, the effective
welfare decile, the household facts view, and the set-based forms of the vulnerability flags."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, ExtractYear, Replace
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThanOrEqual
from django.utils.formats import number_format

from berdaya.registry.vulnerability import FLAG_BY_CODE


class Cat(Func):
    """`a || b || c`: plain SQL concatenation of parts that are never NULL (Django's Concat wraps every part in
    COALESCE, which costs a million times over in a run)."""

    template = "(%(expressions)s)"
    arg_joiner = " || "
    output_field = TextField()


def text(value: str) -> Expression:
    return Cast(Value(value), TextField())


def concat(*parts: Expression) -> Expression:
    parts = tuple(p for p in parts if p is not None)
    if len(parts) == 1:
        return parts[0]
    return Cat(*parts)


def num_text(expr: Expression) -> Expression:
    """A number as text with a decimal comma (Indonesian), the same way on SQLite and PostgreSQL."""
    # django-stubs types Replace's text and replacement as Value; Django takes any expression (here a typed cast).
    return Replace(Cast(Cast(expr, FloatField()), CharField()), text("."), text(","))  # type: ignore[arg-type]


def int_text(expr: Expression) -> Expression:
    return Cast(expr, CharField())


def fmt(value: Any) -> str:
    """A bound of a condition in Indonesian ("0,5", "2"), for descriptions."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return str(value)
    return number_format(Decimal(str(value)), use_l10n=True).rstrip("0").rstrip(",") or "0"


def effective_decile(prefix: str = "household__") -> Coalesce:
    """Verified, else official, else local decile: one SQL expression (NULL when none is known)."""
    w = f"{prefix}welfare__"
    return Coalesce(
        F(f"{w}verified_decile"),
        F(f"{w}official_decile"),
        F(f"{w}local_decile"),
        output_field=IntegerField(),
    )


def range_q(expr: Expression | F, node: dict[str, Any]) -> Q:
    q = Q()
    if node.get("min") is not None:
        q &= Q(GreaterThanOrEqual(expr, Value(node["min"])))
    if node.get("max") is not None:
        q &= Q(LessThanOrEqual(expr, Value(node["max"])))
    return q


@dataclass
class Context:
    """What a compilation needs besides the tree: the reference date for ages and look-back periods."""

    as_of: dt.date
    # Correlated EXISTS instead of uncorrelated IN for conditions on other tables: cheaper when only a few rows are
    # evaluated (the near-miss list), where building a hash of the whole other table would dominate.
    correlated: bool = False

    def age_expr(self) -> Expression:
        """Full years at `as_of`, in SQL, for reasons ("umur 45 tahun")."""
        later = Q(birth_date__month__gt=self.as_of.month) | Q(
            birth_date__month=self.as_of.month, birth_date__day__gt=self.as_of.day
        )
        return (
            Value(self.as_of.year)
            - ExtractYear("birth_date")
            - Case(When(later, then=Value(1)), default=Value(0), output_field=IntegerField())
        )


# Facts about the household from its living members (models.HouseholdFacts, a view). On PostgreSQL the view is joined
# once per query (one hash aggregate), so every mention of them in a rule, its reasons and its priority reads the
# same joined row; COALESCE keeps them two-valued. SQLite materialises the view and builds an automatic index on it
# for each query, which costs more there than an uncorrelated IN subquery per mention, so SQLite keeps those.
FACTS = "household__targeting_facts__"


def facts_joined() -> bool:
    return connection.vendor == "postgresql"


def household_size() -> Expression:
    return Coalesce(F(f"{FACTS}size"), Value(0), output_field=IntegerField())


def female_headed_facts_q(today: dt.date) -> Q:
    """The female-headed flag read from the joined household facts (PostgreSQL). Held against the flag's definition
    by tests/test_fast_flags.py."""
    return Q(Exact(Coalesce(F(f"{FACTS}female_head"), Value(0), output_field=IntegerField()), Value(1)))


def flag_sql_q(code: str, as_of: dt.date, correlated: bool = False) -> Q:
    """A vulnerability flag (berdaya.registry.vulnerability) as a condition of a run or a count: its own definition
    for the few rows of a correlated evaluation, else its set-based form, which scans a million rows faster (and,
    on PostgreSQL, female-headed from the household facts the run joins anyway)."""
    flag = FLAG_BY_CODE[code]
    if correlated:
        return flag.q(as_of)
    if code == "female_headed" and facts_joined():
        return female_headed_facts_q(as_of)
    return flag.fast_q(as_of)
