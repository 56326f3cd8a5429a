from __future__ import annotations

import datetime as dt

from django.utils import translation

from berdaya.migration import choices as c
from berdaya.registry.models import Person
from berdaya.registry.selectors import vulnerability_by_district
from berdaya.registry.vulnerability import flag_q, profile, profiles
from berdaya.testing import factories
from berdaya.testing.migration import episode

TODAY = dt.date.today()


def codes(person) -> set[str]:
    return {r.code for r in profile(person)}


def test_it_flags_prospective_current_and_returned_migrant_workers_and_their_family(officer):
    hh = factories.household()
    planning = factories.person(hh=hh, name="Calon", relationship="child", birth_date=dt.date(2000, 1, 1))
    working = factories.person(hh=hh, name="Sedang Bekerja", relationship="spouse", birth_date=dt.date(1990, 1, 1))
    head = factories.person(hh=hh, name="Kepala", sex="M", birth_date=dt.date(1970, 1, 1))
    returned = factories.person(name="Purna")
    episode(planning, officer, stage=c.Stage.PRE_DEPARTURE, destination=c.Destination.TAIWAN)
    episode(working, officer, stage=c.Stage.WORKING, departure_date=TODAY - dt.timedelta(days=90))
    episode(
        returned,
        officer,
        stage=c.Stage.RETURNED,
        destination=c.Destination.RIAU,
        channel=c.Channel.SELF,
        departure_date=TODAY - dt.timedelta(days=900),
        return_date=TODAY - dt.timedelta(days=20),
    )

    assert {"migrant_prospective", "migrant_family"} <= codes(planning)
    assert "migrant_current" in codes(working) and "migrant_family" not in codes(working)
    assert "migrant_family" in codes(head) and not {"migrant_current", "migrant_prospective"} & codes(head)
    assert codes(returned) & {"migrant_returned", "migrant_family"} == {"migrant_returned"}

    with translation.override("id"):
        reasons = {r.code: r.reason for r in profile(working)}
        assert reasons["migrant_current"].startswith("bekerja (penempatan), tujuan Malaysia, berangkat")
        assert "non-prosedural" in reasons["migrant_current"]
        assert "Sedang Bekerja (Malaysia)" in {r.code: r.reason for r in profile(head)}["migrant_family"]
        assert "tujuan Riau" in {r.code: r.reason for r in profile(returned)}["migrant_returned"]


def test_a_returnee_who_left_again_is_current_not_returned(officer, migrant):
    episode(
        migrant,
        officer,
        stage=c.Stage.RETURNED,
        departure_date=TODAY - dt.timedelta(days=900),
        return_date=TODAY - dt.timedelta(days=400),
    )
    episode(migrant, officer, stage=c.Stage.WORKING, departure_date=TODAY - dt.timedelta(days=100))
    assert "migrant_current" in codes(migrant)
    assert "migrant_returned" not in codes(migrant)


def test_the_flags_are_set_based(officer, migrant, django_assert_num_queries):
    episode(migrant, officer, stage=c.Stage.WORKING, departure_date=TODAY - dt.timedelta(days=10))
    for i in range(4):
        factories.person(hh=migrant.household, name=f"Anak {i}", relationship="child", birth_date=dt.date(2010, 1, 1))
    assert Person.objects.filter(flag_q("migrant_family")).count() == 4
    rows = vulnerability_by_district(people=Person.objects.all())
    assert rows[0]["migrant_current"] == 1 and rows[0]["migrant_family"] == 4
    # One query for the flags, then the reasons of the flagged people only: one query for current workers and
    # two for their families (whose household, who works away), however many people there are.
    with django_assert_num_queries(4):
        result = profiles(Person.objects.all())
    assert len(result) == 5
