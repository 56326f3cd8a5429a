"""The SQL form of the graduation criteria (graduation.annotate_graduation) gives every participant the status the
plain-Python definition (graduation.evaluate) gives, on random surveys and random criteria.

Hypothesis draws, for a few participants, surveys of every round (baseline, follow-ups at various months, ad-hoc),
of this programme and of another, dated before and after the day evaluated, with incomes around the poverty line
times the household size (ties included), business running yes/no/unknown, savings and well-being; and criteria
lists of every type with every measure, weights, thresholds and close-at levels. This is the pattern of
targeting/tests/test_rules_property.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from berdaya.outcomes import choices as c
from berdaya.outcomes import graduation
from berdaya.outcomes.models import OutcomeSurvey
from berdaya.programmes.models import Enrolment
from berdaya.testing import factories as f
from berdaya.testing import programmes as tp

from .helpers import enrolment

LINE = 500_000
AS_OF = dt.date(2026, 6, 30)

survey_st = st.fixed_dictionaries(
    {
        "other_programme": st.booleans(),
        "round": st.sampled_from([c.Round.BASELINE, c.Round.FOLLOW_UP, c.Round.FOLLOW_UP, c.Round.ADHOC]),
        "month": st.sampled_from([3, 6, 12, 18]),
        "day": st.integers(0, 40),  # days after 2026-06-01: some after AS_OF; few values, so ties happen
        "household_size": st.integers(1, 4),
        # Per-person income around the line: below, exactly at (x1.0 and x1.5 rounding), above.
        "per_person": st.sampled_from([0, 400_000, 499_999, 500_000, 600_000, 750_000, 1_000_000]),
        "business_running": st.sampled_from([None, True, False]),
        "savings": st.sampled_from([0, 100_000, 500_000]),
        "wellbeing": st.integers(0, 10),
        "hours_worked": st.sampled_from([None, 0, 40]),
        "price_obtained": st.sampled_from([None, 8_000, 12_000]),
    }
)
criterion_st = st.one_of(
    st.fixed_dictionaries(
        {
            "type": st.just("income_above_line"),
            "follow_ups": st.integers(1, 3),
            "multiple": st.sampled_from([1, 1.5, 0.8]),
            "weight": st.integers(1, 3),
        }
    ),
    st.fixed_dictionaries(
        {"type": st.just("business_running"), "months": st.sampled_from([0, 6, 12, 18]), "weight": st.integers(1, 3)}
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("measure_at_least"),
            "measure": st.sampled_from(list(graduation.MEASURES)),
            "value": st.sampled_from([0, 5, 40, 100_000, 500_000, 1_500_000]),
            "weight": st.integers(1, 3),
        }
    ),
)
criteria_st = st.fixed_dictionaries(
    {
        "threshold": st.sampled_from([100, 67, 50, 34]),
        "close_at": st.sampled_from([0, 25, 33]),
        "criteria": st.lists(criterion_st, min_size=1, max_size=4),
    }
)


@pytest.mark.django_db
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    people=st.lists(st.lists(survey_st, max_size=6), min_size=1, max_size=4),
    criteria_list=st.lists(criteria_st, min_size=2, max_size=2),
)
def test_sql_gives_each_participant_the_status_python_gives(officer, people, criteria_list):
    with transaction.atomic():
        programme, other = tp.programme(officer), tp.programme(officer)
        for surveys in people:
            person = f.person(name="Peserta", hh=f.household())
            enrolment(programme, person, officer)
            rows = []
            for s in surveys:
                rows.append(
                    OutcomeSurvey(
                        person=person,
                        household_id=person.household_id,
                        programme=other if s["other_programme"] else programme,
                        round=s["round"],
                        round_month=0 if s["round"] == c.Round.BASELINE else s["month"],
                        interview_date=dt.date(2026, 6, 1) + dt.timedelta(days=s["day"]),
                        household_size=s["household_size"],
                        income_farming=s["per_person"] * s["household_size"] // 2,
                        income_wages=s["per_person"] * s["household_size"] - s["per_person"] * s["household_size"] // 2,
                        employed=s["hours_worked"] is not None,
                        hours_worked=s["hours_worked"],
                        business_running=s["business_running"],
                        savings=s["savings"],
                        wellbeing=s["wellbeing"],
                        price_obtained=s["price_obtained"],
                        entered_by=officer,
                    )
                )
            OutcomeSurvey.objects.bulk_create(rows)
        surveys_by_person: dict[int, list[OutcomeSurvey]] = {}
        for survey in OutcomeSurvey.objects.all():
            surveys_by_person.setdefault(survey.person_id, []).append(survey)
        for criteria in criteria_list:
            assert graduation.criteria_errors(criteria) == [], criteria
            sql = dict(
                graduation.annotate_graduation(
                    Enrolment.objects.filter(programme=programme), criteria, as_of=AS_OF, poverty_line=LINE
                ).values_list("person_id", "grad_status")
            )
            for person_id, status in sql.items():
                reference = graduation.evaluate(
                    criteria,
                    surveys_by_person.get(person_id, []),
                    programme_id=programme.pk,
                    as_of=AS_OF,
                    poverty_line=LINE,
                )
                assert status == reference.status, (criteria, reference)
        transaction.set_rollback(True)
