"""A rule tree compiled to one SQL WHERE clause (a Django Q over Person; user values always as query parameters),
with its description and the SQL text of the reasons a person meets it or fails it."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Expression, Q, QuerySet, TextField, When
from django.utils.translation import gettext as _

from berdaya.registry import choices as rc
from berdaya.registry.consent import excluded_for
from berdaya.registry.models import Person

from .conditions import CONDITIONS
from .schema import is_group
from .sql import Context, concat, text


def compile_q(node: dict, ctx: Context) -> Q:
    """The rule tree as one Q over Person (a single WHERE clause; values are query parameters)."""
    if is_group(node):
        parts = [compile_q(item, ctx) for item in node["items"]]
        if not parts:
            q = Q() if node["op"] == "and" else Q(pk__in=[])
        else:
            q = parts[0]
            for part in parts[1:]:
                q = (q & part) if node["op"] == "and" else (q | part)
            # Q() alone means "everything": keep it explicit so that NOT works.
            if q == Q():
                q = Q(pk__isnull=False)
    else:
        q = CONDITIONS[node["type"]].q(node, ctx)
        if q == Q():
            q = Q(pk__isnull=False)
    return ~q if node.get("not") else q


def describe(node: dict) -> str:
    if is_group(node):
        joiner = _(" dan ") if node["op"] == "and" else _(" atau ")
        inner = joiner.join(describe(item) for item in node["items"]) or _("tanpa syarat")
        body = f"({inner})" if len(node["items"]) > 1 else inner
    else:
        condition = CONDITIONS.get(node["type"])
        body = condition.describe(node) if condition else f"? {node['type']}"
    return _("bukan %(x)s") % {"x": body} if node.get("not") else body


def reason_expr(node: dict, ctx: Context) -> Expression:
    """Text that says why a person meets `node` (call only for rows that meet it), e.g.
    "petani kecil: lahan 0,8 ha ≤ 2 ha". Parts end with "; "."""
    if node.get("not") or not is_group(node):
        value = None if node.get("not") else CONDITIONS[node["type"]].value_text(node, ctx)
        if value is None:
            return text(describe(node) + "; ")
        return concat(text(describe(node) + ": "), value, text("; "))
    if node["op"] == "and":
        return concat(*[reason_expr(item, ctx) for item in node["items"]])
    # OR: only the branches the person meets.
    return concat(
        *[
            Case(When(compile_q(item, ctx), then=reason_expr(item, ctx)), default=text(""), output_field=TextField())
            for item in node["items"]
        ]
    )


def failed_expr(node: dict, ctx: Context) -> Expression:
    """Text naming an unmet condition with the person's own value, e.g. "desil kesejahteraan ≤ 4 (desil 6)"."""
    if node.get("not") or is_group(node):
        return text(_("tidak memenuhi: %(d)s") % {"d": describe(node)})
    value = CONDITIONS[node["type"]].value_text(node, ctx)
    if value is None:
        return text(_("tidak memenuhi: %(d)s") % {"d": describe(node)})
    return concat(text(_("tidak memenuhi: %(d)s (") % {"d": describe(node)}), value, text(")"))


def base_people() -> QuerySet[Person]:
    """The people a rule is evaluated over: living members who still live in an active household, less those who
    withdrew consent to targeting (registry.consent)."""
    return Person.objects.filter(status=rc.PersonStatus.ACTIVE, household__status=rc.HouseholdStatus.ACTIVE).exclude(
        excluded_for(rc.ConsentPurpose.TARGETING)
    )


def matching_people(tree: dict, as_of: dt.date) -> QuerySet[Person]:
    return base_people().filter(compile_q(tree, Context(as_of)))
