"""The plain-Python meaning of a rule tree: the specification that the property tests hold the compiled SQL against.
Slow on purpose, over facts gathered with plain Python: the person, their household and its members and what the
vulnerability flags load (berdaya.registry.vulnerability.load_facts), the person's groups, enrolments and assistance.
A flag condition is the flag's own Python definition, registered by the app that owns it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from berdaya.programmes.models import Assistance, Enrolment
from berdaya.registry.models import GroupMembership, Person
from berdaya.registry.vulnerability import Facts as FlagFacts
from berdaya.registry.vulnerability import load_facts

from .compile import base_people
from .conditions import CONDITIONS
from .schema import is_group
from .sql import Context


@dataclass
class Facts(FlagFacts):
    """Everything the reference evaluator knows about one person."""

    group_memberships: list[tuple[int, str]] = field(default_factory=list)  # active: (group id, group kind)
    enrolments: list[tuple[int, str]] = field(default_factory=list)  # (programme id, status)
    assistance: list[tuple[str, str, dt.date]] = field(default_factory=list)  # (kind, status, date)

    @property
    def decile(self) -> int | None:
        """The household's effective welfare decile (loaded for the poverty flag, berdaya.targeting.flags)."""
        return self["decile"]


def gather_facts(people: Iterable[Person]) -> list[Facts]:
    """Facts for each person (small sets only: tests and single-person explanations)."""
    people = list(people)
    groups: dict[int, list] = {}
    for gm in GroupMembership.objects.filter(person__in=people, left_on__isnull=True).select_related("group"):
        groups.setdefault(gm.person_id, []).append((gm.group_id, gm.group.kind))
    enrolments: dict[int, list] = {}
    for e in Enrolment.objects.filter(person__in=people):
        enrolments.setdefault(e.person_id, []).append((e.programme_id, e.status))
    assistance: dict[int, list] = {}
    for a in Assistance.objects.filter(person__in=people):
        assistance.setdefault(a.person_id, []).append((a.kind, a.status, a.date))
    return [
        Facts(
            **{f.name: getattr(base, f.name) for f in fields(FlagFacts)},
            group_memberships=groups.get(base.person.pk, []),
            enrolments=enrolments.get(base.person.pk, []),
            assistance=assistance.get(base.person.pk, []),
        )
        for base in load_facts(people)
    ]


def evaluate(node: dict, facts: Facts, ctx: Context) -> bool:
    """The plain-Python meaning of a rule tree for one person."""
    if is_group(node):
        results = [evaluate(item, facts, ctx) for item in node["items"]]
        value = all(results) if node["op"] == "and" else any(results)
    else:
        value = CONDITIONS[node["type"]].py(node, facts, ctx)
    return (not value) if node.get("not") else value


def evaluate_python(tree: dict, as_of: dt.date) -> set[int]:
    """Ids of the people the reference evaluator selects (for tests)."""
    ctx = Context(as_of)
    people = base_people().select_related("household")
    return {f.person.pk for f in gather_facts(people) if evaluate(tree, f, ctx)}
