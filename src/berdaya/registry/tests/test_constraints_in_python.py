"""The person's check constraints are validated in Python (core.constraints), with Django's answers and messages."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, models
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext

from berdaya.core import constraints
from berdaya.registry import rules
from berdaya.registry.models import Person

pytestmark = pytest.mark.django_db


def _django_holds(constraint: models.CheckConstraint, person: Person, exclude: set[str]) -> bool:
    """Django's own validation of the constraint (a query), whatever class the constraint is."""
    try:
        models.CheckConstraint.validate(constraint, Person, person, exclude=exclude)
    except ValidationError:
        return False
    return True


def _python_holds(constraint: models.CheckConstraint, person: Person, exclude: set[str]) -> bool:
    try:
        constraints.CheckConstraint.validate(constraint, Person, person, exclude=exclude)  # type: ignore[arg-type]
    except ValidationError:
        return False
    return True


def _person(**values) -> Person:
    return Person(full_name="Siti", birth_date=dt.date(1990, 1, 1), **values)


# Every combination of the values the two constraints read.
PEOPLE = [
    _person(nik=nik, nik_missing_reason=reason, status=status, merged_into_id=merged)
    for nik, reason, status, merged in itertools.product(
        [None, "", "1502014101900001"], ["", "unknown"], ["active", "merged", "deceased"], [None, 7]
    )
]
# And of those the conditions below read, NULLs included.
OTHERS = [
    _person(sex=sex, relationship=rel, wgss_seeing=seeing, wgss_hearing=hearing, status=status, nik=nik,
            merged_into_id=merged)
    for sex, rel, seeing, hearing, status, nik, merged in itertools.product(
        ["M", "F"], ["head", "M"], [None, 1, 2], [None, 1, 2], ["active", "merged"], [None, "1"], [None, 7]
    )
]  # fmt: skip

# Conditions in the shapes this module answers (three-valued: a NULL wgss answer), and their negations.
CONDITIONS = [
    Q(wgss_seeing=1),
    Q(wgss_seeing__exact=F("wgss_hearing")),
    Q(sex=F("relationship")) | Q(wgss_seeing=2),
    ~Q(status="active") & Q(nik__isnull=True),
    Q(Q(wgss_seeing=1) | Q(wgss_hearing=2), ~Q(sex="F")),
    Q(pk__isnull=True, merged_into=None),
    Q(wgss_seeing=1) | ~Q(wgss_hearing=1),
    # Integer comparisons (a NULL answer is unknown on either side).
    Q(wgss_seeing__gt=1),
    Q(wgss_seeing__lte=F("wgss_hearing")),
    Q(wgss_seeing__gte=2) | Q(sex="F"),
    Q(wgss_hearing__lt=2, status="active"),
]
CONDITIONS += [~condition for condition in CONDITIONS]


@pytest.mark.parametrize("name", ["person_nik_or_reason", "person_merged_has_survivor"])
@pytest.mark.parametrize("exclude", [set(), {"nik"}, {"status"}, {"household"}])
def test_the_persons_constraints_answer_as_djangos_query_does(name, exclude):
    constraint = next(x for x in Person._meta.constraints if x.name == name)
    assert isinstance(constraint, constraints.CheckConstraint)
    answers = [(_python_holds(constraint, p, exclude), _django_holds(constraint, p, exclude)) for p in PEOPLE]
    assert all(python == django for python, django in answers)
    assert any(not python for python, _django in answers) or exclude  # the combinations do break the rule


@pytest.mark.parametrize("condition", CONDITIONS, ids=str)
def test_simple_conditions_answer_as_djangos_query_does_with_sqls_null_logic(condition):
    constraint = models.CheckConstraint(condition=condition, name="test_condition")
    answers = [(_python_holds(constraint, p, set()), _django_holds(constraint, p, set())) for p in OTHERS]
    assert [python for python, _django in answers] == [django for _python, django in answers]
    assert {python for python, _django in answers} == {True, False}


@pytest.mark.parametrize(
    "condition",
    [
        Q(full_name__startswith="S"),
        Q(household__village_id="x"),
        Q(merged_into_id=7),
        Q(wgss_seeing="1") ^ Q(sex="M"),
        Q(full_name__gt="S"),  # a string's order is the database collation's
    ],
    ids=str,
)
def test_other_conditions_are_left_to_django(condition):
    person = OTHERS[0]
    with pytest.raises(constraints._Unsupported):
        constraints.holds(Person, condition, person, set())
    constraint = constraints.CheckConstraint(condition=condition, name="test_condition")
    for p in OTHERS[:40]:
        assert _python_holds(constraint, p, set()) == _django_holds(constraint, p, set())


def test_a_person_is_validated_without_a_query_and_with_the_same_message():
    person = Person(
        full_name="Siti", sex="F", birth_date=dt.date(1990, 1, 1), relationship="head", nik_missing_reason="unknown"
    )
    with CaptureQueriesContext(connection) as queries:
        person.full_clean(exclude=["household"])
    # Before: a SELECT (inside a savepoint of its own) for each check constraint.
    assert queries.captured_queries == []

    # The rule itself: Person.clean reports it on its field (the constraint, whose message is the same words, is
    # then not checked again: Django leaves out a constraint over a field already in error).
    person.nik_missing_reason = ""
    with pytest.raises(ValidationError) as exc:
        person.full_clean(exclude=["household"])
    assert exc.value.message_dict == {"nik_missing_reason": [str(rules.NIK_OR_REASON)]}


def test_a_constraint_broken_past_clean_is_still_refused_with_djangos_message():
    # A merged status without the record it was merged into: no clean() rule says so, the constraint does.
    person = Person(
        full_name="Siti",
        sex="F",
        birth_date=dt.date(1990, 1, 1),
        relationship="head",
        status="merged",
        nik_missing_reason="unknown",
    )
    with pytest.raises(ValidationError) as exc:
        person.validate_constraints()
    constraint = next(x for x in Person._meta.constraints if x.name == "person_merged_has_survivor")
    assert exc.value.message_dict == {NON_FIELD_ERRORS: [constraint.get_violation_error_message()]}
