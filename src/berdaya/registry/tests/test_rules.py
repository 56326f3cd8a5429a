"""The row rules (rules.py) are what the models enforce: random values at and around every limit get the same verdict
and the same message from the rule's Python check and from the model's clean() and field validators.

imports/tests/test_row_rules.py holds the import's two forms (Python validator, check SQL) to the same rules."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import NOT_PROVIDED
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from berdaya.core.phone import PHONE as CORE_PHONE
from berdaya.core.phone import validate_phone as phone_validator
from berdaya.registry import choices as c
from berdaya.registry import rules
from berdaya.registry.models import Household, Person, rt_rw


def _errors(call) -> dict[str, list[str]]:
    """The messages of the ValidationError `call` raises, by field ("" for a field validator's own)."""
    try:
        call()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            return {key: [str(m) for m in messages] for key, messages in exc.message_dict.items()}
        return {"": list(exc.messages)}
    return {}


def test_the_required_fields_are_the_models_fields_without_blank_or_default():
    required = {
        f.attname
        for model in (Household, Person)
        for f in model._meta.concrete_fields
        if not f.blank and f.default is NOT_PROVIDED and not f.primary_key
    }
    # A person's household is the grouping of the rows (or the form), not a value typed in.
    assert required - {"household_id"} == set(rules.REQUIRED_FIELDS)


def _around(limit: dt.date) -> st.SearchStrategy[dt.date]:
    return st.integers(min_value=-3, max_value=3).map(lambda days: limit + dt.timedelta(days=days))


births = st.one_of(
    _around(rules.MIN_BIRTH),
    st.deferred(lambda: _around(timezone.localdate())),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
)


@settings(max_examples=200, deadline=None)
@given(birth=births)
def test_a_persons_birth_date_follows_the_rule(birth):
    person = Person(full_name="A", sex=c.Sex.FEMALE, birth_date=birth, relationship=c.Relationship.HEAD)
    person.nik_missing_reason = c.NikMissingReason.choices[0][0]
    expected = rules.birth_date_error(birth, today=timezone.localdate())
    assert _errors(person.clean).get("birth_date") == ([expected] if expected else None)


lands = st.one_of(
    st.sampled_from([Decimal("0"), Decimal("0.01"), rules.LAND_MAX_HA, rules.LAND_MAX_HA + Decimal("0.01")]),
    st.decimals(min_value=Decimal("-1"), max_value=Decimal("20000"), places=rules.LAND_DECIMAL_PLACES),
)


@settings(max_examples=200, deadline=None)
@given(land=lands, tenure=st.sampled_from([value for value, _label in c.LandTenure.choices]))
def test_a_households_land_and_tenure_follow_the_rules(land, tenure):
    household = Household(village_id="15.02.01.2001", land_operated_ha=land, land_tenure=tenure)
    expected = rules.land_tenure_error(land, tenure)
    assert _errors(household.clean).get("land_tenure") == ([expected] if expected else None)
    field = Household._meta.get_field("land_operated_ha")
    refused = bool(_errors(lambda: field.clean(land, household)))
    assert refused == (rules.land_error(land) is not None)


@settings(max_examples=200, deadline=None)
@given(area=st.integers(min_value=-10, max_value=10_000) | st.sampled_from([0, 5000, 5001]))
def test_a_households_floor_area_follows_the_rule(area):
    field = Household._meta.get_field("floor_area_m2")
    refused = bool(_errors(lambda: field.clean(area, Household())))
    assert refused == (rules.floor_area_error(area, str(area)) is not None)


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.sampled_from("+0123456789"), min_size=1, max_size=17))
def test_phone_and_rt_rw_validators_are_the_rules_patterns(text):
    assert (not _errors(lambda: phone_validator(text))) == bool(re.fullmatch(rules.PHONE, text, re.ASCII))
    assert (not _errors(lambda: phone_validator(text))) == bool(CORE_PHONE.fullmatch(text))
    assert (not _errors(lambda: rt_rw(text))) == bool(re.fullmatch(rules.RT_RW, text))
