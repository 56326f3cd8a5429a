"""The three SPDCI query types (`idtype-value`, `expression`, `predicate`) compiled to one Django `Q` over people,
for the social registry and the farmer registry, with their attributes, identifier types and sort keys.

A query only narrows a queryset that is already scoped to the client's user (registry.access.people_visible_to):
it can never widen it. Identifying attributes (NIK, KK number, phone) are searchable only by exact value (eq, in)
for a role that sees them masked, so a range query cannot spell out a masked number digit by digit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.core.dates import years_ago
from berdaya.farming.models import Plot
from berdaya.registry import choices as rc
from berdaya.registry.identity import normalise_identity
from berdaya.registry.models import GroupMembership, Household, KKNumber, Person
from berdaya.registry.vulnerability import flag_q

from .models import Registry

OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge", "in")
EXACT = ("eq", "in")
# Mongo-style operators of the `expression` query type, to the predicate's names.
EXPRESSION_OPERATORS = {
    "$eq": "eq",
    "$ne": "ne",
    "$lt": "lt",
    "$lte": "le",
    "$gt": "gt",
    "$gte": "ge",
    "$in": "in",
}
_LOOKUP = {"eq": "exact", "lt": "lt", "le": "lte", "gt": "gt", "ge": "gte", "in": "in"}
MAX_DEPTH = 8


class QueryError(Exception):
    """A query the registry cannot run: `reason` is the spec's status reason code for the request."""

    def __init__(self, message: str, reason: str = "rjct.search_criteria.invalid") -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


# --- values ---------------------------------------------------------------------------------------------------


def _as_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError
    return str(value)


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise ValueError


# An age in years a search may ask about: past it no date is a birth date (and the year would leave the calendar).
AGE_MAX = 150


def _as_age(value: Any) -> int:
    age = _as_int(value)
    if not 0 <= age <= AGE_MAX:
        raise ValueError
    return age


def _as_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError from None


def _as_date(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise ValueError
    return dt.date.fromisoformat(value[:10])


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "1", 1):
        return True
    if value in ("false", "0", 0):
        return False
    raise ValueError


def _as_identity(value: Any) -> str:
    return normalise_identity(_as_text(value))


_SEX = {"m": rc.Sex.MALE, "male": rc.Sex.MALE, "l": rc.Sex.MALE, "f": rc.Sex.FEMALE, "female": rc.Sex.FEMALE}
_SEX["p"] = rc.Sex.FEMALE


def _as_sex(value: Any) -> str:
    sex = _SEX.get(_as_text(value).strip().lower())
    if sex is None:
        raise ValueError
    return sex


# --- attributes -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attribute:
    """A queryable attribute: a column path on Person and how a value is read, or its own `build(op, value)`
    (`build(op, value, members)` when `counts_members`: the people the client may see, Compiler.members)."""

    path: str
    convert: Callable[[Any], Any] = _as_text
    identifying: bool = False
    build: Callable[..., Q] | None = None
    counts_members: bool = False
    sortable: bool = True
    case_insensitive: bool = False


def _compare(path: str, op: str, value: Any) -> Q:
    if op == "ne":
        return ~Q(**{path: value})
    return Q(**{f"{path}__{_LOOKUP[op]}": value})


def _age_q(op: str, value: Any) -> Q:
    today = timezone.localdate()

    def at_least(n: int) -> Q:
        return Q(birth_date__lte=years_ago(n, today))

    def under(n: int) -> Q:
        return Q(birth_date__gt=years_ago(n, today))

    if op == "in":
        q = Q(pk__in=[])
        for n in value:
            q |= at_least(n) & under(n + 1)
        return q
    n = value
    return {
        "eq": at_least(n) & under(n + 1),
        "ne": ~(at_least(n) & under(n + 1)),
        "lt": under(n),
        "le": under(n + 1),
        "gt": at_least(n + 1),
        "ge": at_least(n),
    }[op]


def _disabled_q(op: str, value: Any) -> Q:
    if op not in ("eq", "ne"):
        raise QueryError(_("is_disabled hanya bisa dibandingkan dengan eq atau ne."))
    wanted = value if op == "eq" else not value
    # The registry's one disability rule (WG-SS "a lot of difficulty" or more, or a recorded profile).
    return flag_q("disability") if wanted else ~flag_q("disability")


def _group_size_q(op: str, value: Any, members: QuerySet[Person]) -> Q:
    # The size a Group record shows (records.Mapper.group): the active members the client may see, so a query on
    # size never tells of a member left out of the record. A household with none of them is of size 0.
    counted = Q(members__status=rc.PersonStatus.ACTIVE, members__in=members.values("pk"))
    sized = Household.objects.annotate(dci_size=Count("members", filter=counted))
    return Q(household_id__in=sized.filter(_compare("dci_size", op, value)).values("pk"))


def _kk_q(op: str, value: Any) -> Q:
    # The household's number now, or any number it had (KK history), as the registry's search finds it.
    if op == "ne":
        return ~Q(household__kk_number=value)
    lookup = _LOOKUP[op]
    return Q(**{f"household__kk_number__{lookup}": value}) | Q(
        household_id__in=KKNumber.objects.filter(**{f"number__{lookup}": value}).values("household_id")
    )


def _via_plots(field: str) -> Callable[[str, Any], Q]:
    def build(op: str, value: Any) -> Q:
        plots = Plot.objects.filter(is_active=True)
        if op == "ne":
            return ~Q(pk__in=plots.filter(**{field: value}).values("farmer_id"))
        return Q(pk__in=plots.filter(**{f"{field}__{_LOOKUP[op]}": value}).values("farmer_id"))

    return build


def _group_member_q(op: str, value: Any) -> Q:
    active = GroupMembership.objects.filter(left_on__isnull=True)
    if op == "ne":
        return ~Q(pk__in=active.filter(group_id=value).values("person_id"))
    if op not in EXACT:
        raise QueryError(_("group_id hanya bisa dibandingkan dengan eq, ne atau in."))
    return Q(pk__in=active.filter(**{f"group_id__{_LOOKUP[op]}": value}).values("person_id"))


SOCIAL_ATTRIBUTES: dict[str, Attribute] = {
    "id": Attribute("pk", _as_int),
    "person_id": Attribute("pk", _as_int),
    "household_id": Attribute("household_id", _as_int),
    "nik": Attribute("nik", _as_identity, identifying=True),
    "kk_number": Attribute("household__kk_number", _as_identity, identifying=True, build=_kk_q, sortable=False),
    "phone": Attribute("phone", _as_text, identifying=True),
    "name": Attribute("full_name", _as_text, case_insensitive=True),
    "sex": Attribute("sex", _as_sex),
    "birth_date": Attribute("birth_date", _as_date),
    "age": Attribute("birth_date", _as_age, build=_age_q, sortable=False),
    # The person's own copy of their household's village (Person.village, kept by the database): an index range.
    "village_code": Attribute("village_id", _as_text),
    "district_code": Attribute("household__village__district_id", _as_text),
    "relationship": Attribute("relationship", _as_text),
    "marital_status": Attribute("marital_status", _as_text),
    "education": Attribute("education", _as_text),
    "occupation": Attribute("occupation", _as_text),
    "status": Attribute("status", _as_text),
    "is_disabled": Attribute("pk", _as_bool, build=_disabled_q, sortable=False),
    "group_size": Attribute("pk", _as_int, build=_group_size_q, sortable=False, counts_members=True),
    "group_id": Attribute("pk", _as_int, build=_group_member_q, sortable=False),
    "registration_date": Attribute("created_at__date", _as_date, sortable=False),
    "last_updated": Attribute("updated_at__date", _as_date, sortable=False),
}
# Names other systems use for the same attributes.
SOCIAL_ATTRIBUTES["location"] = SOCIAL_ATTRIBUTES["village_code"]
SOCIAL_ATTRIBUTES["gender"] = SOCIAL_ATTRIBUTES["sex"]

FARMER_ATTRIBUTES: dict[str, Attribute] = {
    **SOCIAL_ATTRIBUTES,
    "plot_id": Attribute("pk", _as_int, build=_via_plots("pk"), sortable=False),
    "commodity": Attribute("pk", _as_text, build=_via_plots("commodity__code"), sortable=False),
    "plot_area_ha": Attribute("pk", _as_decimal, build=_via_plots("area_ha"), sortable=False),
    "tenure": Attribute("pk", _as_text, build=_via_plots("tenure"), sortable=False),
    "plot_village_code": Attribute("pk", _as_text, build=_via_plots("village_id"), sortable=False),
    "farmer_group_id": Attribute("pk", _as_int, build=_group_member_q, sortable=False),
}

# Identifier types of `idtype-value`, to an attribute (exact match).
SOCIAL_ID_TYPES = {
    "NIK": "nik",
    "NATIONALID": "nik",
    "KK": "kk_number",
    "PERSON_ID": "person_id",
    "HOUSEHOLD_ID": "household_id",
}
FARMER_ID_TYPES = {
    **SOCIAL_ID_TYPES,
    "FARMER_ID": "person_id",
    "PLOT_ID": "plot_id",
    "FARMER_GROUP_ID": "farmer_group_id",
}


def attributes(registry: str) -> dict[str, Attribute]:
    return FARMER_ATTRIBUTES if registry == Registry.FARMER else SOCIAL_ATTRIBUTES


def id_types(registry: str) -> dict[str, str]:
    return FARMER_ID_TYPES if registry == Registry.FARMER else SOCIAL_ID_TYPES


def _local_name(value: str) -> str:
    # "ns:org:IdType:NIK" and "NIK" name the same type.
    return value.rsplit(":", 1)[-1].strip()


# --- compiling ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compiler:
    """The queries of one client: `sees_identifiers` as its user does; `members`, the people its user may see
    (services.members_for), which a group's size counts."""

    registry: str
    sees_identifiers: bool
    members: QuerySet[Person]

    def condition(self, name: Any, op: Any, value: Any) -> Q:
        if not isinstance(name, str) or name not in attributes(self.registry):
            raise QueryError(_("Atribut '%(name)s' tidak dikenal.") % {"name": name})
        if op not in OPERATORS:
            raise QueryError(_("Operator '%(op)s' tidak dikenal.") % {"op": op})
        attribute = attributes(self.registry)[name]
        if attribute.identifying and not self.sees_identifiers and op not in EXACT:
            raise QueryError(
                _("Peran Anda hanya boleh mencari %(name)s dengan nilai persis (eq atau in).") % {"name": name}
            )
        try:
            if op == "in":
                # The spec's attribute_value is a scalar: a list is written "a,b,c" (a JSON list is taken too).
                if isinstance(value, str):
                    value = [v.strip() for v in value.split(",") if v.strip()]
                if not isinstance(value, list) or not value or len(value) > 1000:
                    raise ValueError
                converted: Any = [attribute.convert(v) for v in value]
            else:
                converted = attribute.convert(value)
        except (ValueError, TypeError):
            raise QueryError(
                _("Nilai untuk atribut '%(name)s' dengan operator '%(op)s' tidak sah.") % {"name": name, "op": op}
            ) from None
        if attribute.build is not None:
            if attribute.counts_members:
                return attribute.build(op, converted, self.members)
            return attribute.build(op, converted)
        if attribute.case_insensitive and op == "eq":
            return Q(**{f"{attribute.path}__iexact": converted})
        return _compare(attribute.path, op, converted)

    def idtype_value(self, query: Any) -> Q:
        if not isinstance(query, dict) or not isinstance(query.get("type"), str) or "value" not in query:
            raise QueryError(_("Kueri idtype-value harus berisi 'type' dan 'value'."))
        name = id_types(self.registry).get(_local_name(query["type"]).upper())
        if name is None:
            known = ", ".join(sorted(id_types(self.registry)))
            raise QueryError(
                _("Jenis identitas '%(type)s' tidak dikenal. Yang dikenal: %(known)s.")
                % {"type": query["type"], "known": known}
            )
        return self.condition(name, "eq", query["value"])

    def expression(self, query: Any) -> Q:
        # {"type": "...expression", "value": {"expression": {"collection": ..., "query": {"$and": [...]}}}}
        value = query.get("value") if isinstance(query, dict) else None
        expression = value.get("expression") if isinstance(value, dict) else None
        if isinstance(expression, dict) and isinstance(expression.get("query"), dict):
            expression = expression["query"]
        if not isinstance(expression, dict) or not expression:
            raise QueryError(_("Kueri expression harus berisi value.expression.query."))
        return self._mongo(expression, 0)

    def _mongo(self, node: dict[str, Any], depth: int) -> Q:
        if depth > MAX_DEPTH:
            raise QueryError(_("Kueri terlalu bersarang."))
        q = Q()
        for key, value in node.items():
            if key in ("$and", "$or"):
                if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
                    raise QueryError(_("%(key)s harus berisi daftar kondisi.") % {"key": key})
                parts = [self._mongo(v, depth + 1) for v in value]
                combined = parts[0]
                for part in parts[1:]:
                    combined = combined & part if key == "$and" else combined | part
                q &= combined
            elif key == "$not":
                if not isinstance(value, dict):
                    raise QueryError(_("$not harus berisi satu kondisi."))
                q &= ~self._mongo(value, depth + 1)
            elif isinstance(value, dict):
                for op, operand in value.items():
                    if op not in EXPRESSION_OPERATORS:
                        raise QueryError(_("Operator '%(op)s' tidak dikenal.") % {"op": op})
                    q &= self.condition(key, EXPRESSION_OPERATORS[op], operand)
            else:
                q &= self.condition(key, "eq", value)
        return q

    def predicate(self, query: Any) -> Q:
        """A list of {seq_num, expression1, condition, expression2}: each item is expression1 alone, or joined to
        expression2 by its condition ("not": expression1 and not expression2); the items hold together (AND), in
        seq_num order."""
        if not isinstance(query, list) or not query or not all(isinstance(i, dict) for i in query):
            raise QueryError(_("Kueri predicate harus berupa daftar ekspresi."))
        q = Q()
        for item in sorted(query, key=lambda i: i.get("seq_num") if isinstance(i.get("seq_num"), int | float) else 0):
            first = self._expression(item.get("expression1"))
            condition = item.get("condition")
            second = item.get("expression2")
            if second is None:
                q &= ~first if condition == "not" else first
                continue
            other = self._expression(second)
            if condition == "or":
                q &= first | other
            elif condition == "not":
                q &= first & ~other
            elif condition in (None, "and"):
                q &= first & other
            else:
                raise QueryError(_("Kondisi '%(c)s' tidak dikenal (and, or, not).") % {"c": condition})
        return q

    def _expression(self, expression: Any) -> Q:
        if not isinstance(expression, dict):
            raise QueryError(_("expression1 wajib berisi attribute_name, operator dan attribute_value."))
        return self.condition(
            expression.get("attribute_name"), expression.get("operator"), expression.get("attribute_value")
        )

    def compile(self, query_type: Any, query: Any) -> Q:
        if query_type == "idtype-value":
            return self.idtype_value(query)
        if query_type == "expression":
            return self.expression(query)
        if query_type == "predicate":
            return self.predicate(query)
        raise QueryError(
            _("Jenis kueri '%(type)s' tidak didukung (idtype-value, expression, predicate).") % {"type": query_type}
        )

    def order_by(self, sort: Any) -> list[str]:
        """The ORDER BY of a search's `sort` (rjct.sort.invalid on an unknown or unsortable attribute)."""
        if sort in (None, []):
            return ["pk"]
        if not isinstance(sort, list):
            raise QueryError(_("sort harus berupa daftar."), "rjct.sort.invalid")
        order: list[str] = []
        for item in sort:
            name = item.get("attribute_name") if isinstance(item, dict) else None
            attribute = attributes(self.registry).get(name) if isinstance(name, str) else None
            direction = item.get("sort_order", "asc") if isinstance(item, dict) else None
            if attribute is None or not attribute.sortable or direction not in ("asc", "desc"):
                raise QueryError(
                    _("Atribut urutan '%(name)s' tidak bisa dipakai.") % {"name": name}, "rjct.sort.invalid"
                )
            if attribute.identifying and not self.sees_identifiers:
                raise QueryError(
                    _("Peran Anda tidak boleh mengurutkan menurut %(name)s.") % {"name": name}, "rjct.sort.invalid"
                )
            order.append(("-" if direction == "desc" else "") + attribute.path)
        return [*order, "pk"]
