"""Acceptance: every measure equals the value counted by hand on the known world (tests/world.py), including every
disaggregation and their combination, for each scope."""

from __future__ import annotations

import datetime as dt

import pytest

from berdaya.monitoring import measures as m
from berdaya.monitoring import refresh
from berdaya.monitoring.measures import Filters
from berdaya.registry.models import Person
from berdaya.registry.vulnerability import FLAGS

from . import world as w

REGENCY = m.Scope.regency()


@pytest.fixture
def known(officer):
    data = w.build(officer)
    refresh.rebuild(today=w.TODAY)
    return data


def value(key, *, filters=None, by=(), scope=REGENCY, actor=None):
    result = m.compute(key, actor=actor, filters=filters or Filters(), by=by, scope=scope, today=w.TODAY)
    if by:
        return {tuple(row[d] for d in by) if len(by) > 1 else row[by[0]]: row["value"] for row in result.rows}
    return result.total if result.total is not None else result.rows[0]["value"]


def test_people_and_every_disaggregation(known):
    assert value("people") == 5
    assert value("people", by=("sex",)) == {"F": 3, "M": 2}
    assert value("people", by=("district",)) == {"15.02.01": 4, "15.02.02": 1}
    assert value("people", by=("village",)) == {w.A: 4, w.B: 1}
    assert value("people", by=("age_band",)) == {"0-17": 1, "30-44": 3, "60+": 1}
    assert value("people", by=("disability",)) == {False: 4, True: 1}
    # All four together, as the issue asks.
    assert value("people", by=("sex", "age_band", "disability", "district")) == {
        ("F", "30-44", False, "15.02.01"): 1,  # P1
        ("M", "30-44", False, "15.02.01"): 1,  # P2
        ("F", "0-17", False, "15.02.01"): 1,  # P3
        ("M", "60+", True, "15.02.01"): 1,  # P4
        ("F", "30-44", False, "15.02.02"): 1,  # P5
    }
    assert value("people", filters=Filters(sex="F", district="15.02.01")) == 2
    assert value("people", filters=Filters(disability=True)) == 1


def test_households_by_their_head(known):
    assert value("households") == 3
    assert value("households", by=("district",)) == {"15.02.01": 2, "15.02.02": 1}
    assert value("households", by=("sex",)) == {"F": 2, "M": 1}  # heads: P1, P4, P5
    assert value("households", by=("age_band", "disability")) == {("30-44", False): 2, ("60+", True): 1}


def test_vulnerable_groups_follow_the_flag_registry(known):
    by_group = value("vulnerable", by=("group",))
    assert by_group["disability"] == 1  # P4
    assert by_group["elderly"] == 1  # P4
    assert by_group["child"] == 1  # P3
    assert by_group["no_nik"] == 1  # P3
    # Every group equals the flag's own definition over the residents (the one rule, held by its Q form).
    residents = Person.objects.filter(status="active")
    for flag in FLAGS:
        assert by_group[flag.code] == residents.filter(flag.q(w.TODAY)).count(), flag.code
    flagged = residents.filter(_any_flag()).count()
    assert value("vulnerable") == flagged
    assert value("people", filters=Filters(group="child")) == 1
    assert value("vulnerable", by=("group", "sex"))[("disability", "M")] == 1


def _any_flag():
    q = FLAGS[0].q(w.TODAY)
    for flag in FLAGS[1:]:
        q |= flag.q(w.TODAY)
    return q


def test_reached_is_distinct_people_per_year_programme_and_organisation(known):
    # 2026: P1 (X, completed), P4 (Y, active), P5 (assistance from X); P2 dropped out, P3 proposed: not reached.
    assert value("reached", filters=Filters(year=2026)) == 3
    assert value("reached", filters=Filters(year=2025)) == 1  # P4: Y runs in 2025
    assert value("reached", filters=Filters(year=2026, programme=known["x"].pk)) == 2
    assert value("reached", filters=Filters(year=2026, organisation=known["o2"].pk)) == 1
    assert value("reached", filters=Filters(year=2026), by=("sex", "district")) == {
        ("F", "15.02.01"): 1,
        ("M", "15.02.01"): 1,
        ("F", "15.02.02"): 1,
    }
    assert value("reached", filters=Filters(year=2026), by=("programme",)) == {known["x"].pk: 2, known["y"].pk: 1}
    assert value("reached", filters=Filters(year=2026), by=("group",))["elderly"] == 1
    # A person reached by two programmes is one person: rows per programme have no total.
    by_programme = m.compute("reached", actor=None, filters=Filters(year=2026), by=("programme",), scope=REGENCY)
    assert by_programme.total is None


def test_share_of_each_group_reached(known):
    shares = m.compute(
        "reached_share", actor=None, filters=Filters(year=2026), by=("group",), scope=REGENCY, today=w.TODAY
    )
    row = {r["group"]: r for r in shares.rows}
    assert (row["elderly"]["part"], row["elderly"]["whole"], row["elderly"]["value"]) == (1, 1, 100.0)
    assert (row["child"]["part"], row["child"]["whole"], row["child"]["value"]) == (0, 1, 0.0)


def test_enrolments_completions_dropouts(known):
    assert value("enrolled") == 3  # all years: P1, P2 (2026), P4 (2025)
    assert value("enrolled", filters=Filters(year=2026)) == 2
    assert value("enrolled", by=("year",)) == {2025: 1, 2026: 2}
    assert value("completed", filters=Filters(year=2026)) == 1
    assert value("dropped", filters=Filters(year=2026), by=("sex",)) == {"M": 1}
    assert value("enrolled", by=("programme", "sex")) == {
        (known["x"].pk, "F"): 1,
        (known["x"].pk, "M"): 1,
        (known["y"].pk, "M"): 1,
    }


def test_money_and_budget(known):
    assert value("disbursed", filters=Filters(year=2026)) == 1_000_000
    assert value("disbursed", by=("year",)) == {2025: 750_000, 2026: 1_000_000}
    assert value("disbursed", by=("disability",)) == {False: 1_000_000, True: 750_000}
    assert value("budget", filters=Filters(year=2026)) == 15_000_000
    assert value("budget", filters=Filters(year=2025)) == 5_000_000
    assert value("budget", filters=Filters(year=2026), by=("programme",)) == {
        known["x"].pk: 10_000_000,
        known["y"].pk: 5_000_000,
    }


def test_cases_and_prices(known):
    assert value("cases_open") == 1
    assert value("cases_overdue", by=("district",)) == {"15.02.02": 1}
    assert value("price", filters=Filters(year=2026), by=("month",)) == {3: 9_000, 4: 12_000}


def test_scope_facilitator_partner_and_viewer(known, facilitator, viewer, partner):
    # A facilitator of village A: the four residents there.
    assert value("people", scope=m.Scope.of(facilitator), actor=facilitator) == 4
    assert value("people", by=("district",), scope=m.Scope.of(facilitator), actor=facilitator) == {"15.02.01": 4}
    # Partner staff of O1: the household its programme reached (hh1: P1, P2, P3) and its own programme only.
    partner.organisation = known["o1"]
    partner.save()
    scope = m.Scope.of(partner)
    assert value("people", scope=scope) == 3
    assert value("enrolled", filters=Filters(year=2026), scope=scope) == 2
    # Reached: P1 only. P5, given assistance by X though her household is outside O1's scope, is not one they see.
    assert value("reached", filters=Filters(year=2026), scope=scope) == 1
    assert value("reached", filters=Filters(year=2026, organisation=known["o2"].pk), scope=scope) == 0
    assert value("budget", filters=Filters(year=2026), scope=scope) == 10_000_000
    # A viewer reads regency figures, small ones suppressed (and a total that would give one back is hidden too).
    scope = m.Scope.of(viewer)
    assert value("people", scope=scope) == 5
    assert value("people", by=("sex",), scope=scope) == {"F": "<5", "M": "<5"}
    assert value("reached_share", filters=Filters(year=2026), by=("group",), scope=scope)["elderly"] is None
    # Money given to fewer than five people is hidden like their count; budgets are the programme's, shown.
    assert value("disbursed", filters=Filters(year=2026), scope=scope) == "<5"
    assert value("disbursed", by=("programme",), scope=scope) == {known["x"].pk: "<5", known["y"].pk: "<5"}
    assert value("budget", filters=Filters(year=2026), scope=scope) == 15_000_000


def test_figures_stand_still_until_the_next_refresh(known, officer):
    p = known["people"][0]
    Person.objects.filter(pk=p.pk).update(status="moved_out")
    assert value("people") == 5  # the tables show the records as of the last refresh
    refresh.rebuild(today=w.TODAY)
    assert value("people") == 4


def test_unknown_filters_and_dimensions_are_ignored_not_trusted(known):
    filters = Filters.from_mapping({"year": "abc", "group": "not-a-flag", "sex": "X", "programme": "1; drop"})
    assert filters == Filters()
    result = m.compute("budget", actor=None, filters=Filters(sex="F"), by=("sex",), scope=REGENCY, today=w.TODAY)
    assert result.by == () and result.ignored == {"sex"}
    with pytest.raises(KeyError):
        m.compute("nope", actor=None, scope=REGENCY)


def test_graduation_rate_is_the_outcomes_rule_per_row(known):
    """P1 (X, completed) graduated in 2026; P4 (Y, active since 2025) graduated in 2025 and fell back in March 2026.
    Participants are the enrolments holding a seat (P1, P4); P2 dropped out, P3 is proposed, P5 was rejected."""
    from berdaya.outcomes.models import Graduation
    from berdaya.programmes.models import Enrolment

    p1 = Enrolment.objects.get(programme=known["x"], status="completed")
    p4 = Enrolment.objects.get(programme=known["y"], status="active")
    Graduation.objects.create(enrolment=p1, graduated_on=dt.date(2026, 5, 1), checked_on=dt.date(2026, 5, 1))
    Graduation.objects.create(
        enrolment=p4,
        graduated_on=dt.date(2025, 12, 1),
        fell_back_on=dt.date(2026, 3, 1),
        checked_on=dt.date(2026, 3, 1),
    )
    rows = m.compute("graduated", actor=None, filters=Filters(year=2026), scope=REGENCY, today=w.TODAY).rows
    assert [(r["part"], r["whole"], r["value"]) for r in rows] == [(1, 2, 50.0)]
    assert value("graduated", filters=Filters(year=2026), by=("programme",)) == {
        known["x"].pk: 100.0,
        known["y"].pk: 0.0,
    }
    assert value("graduated", filters=Filters(year=2026), by=("sex",)) == {"F": 100.0, "M": 0.0}
    assert value("graduated", filters=Filters(year=2025), by=("programme",)) == {known["y"].pk: 100.0}
    assert value("graduated", filters=Filters(year=2026, district="15.02.02"), by=("sex",)) == {"F": None}


def test_every_unit_reads_as_a_plural_count_in_english():
    """A tile reads "2,000 households", not "2,000 household": Indonesian has one word for both, so a unit that is
    also a noun elsewhere ("rumah tangga") is translated in its own context."""
    from django.utils import translation

    with translation.override("en"):
        units = {measure.key: str(measure.unit) for measure in m.measures()}
    assert units["households"] == "households"
    assert units["people"] == "people"
