"""Graduation: criteria checked as data, who graduated, who is close, who fell back, and the graduation rate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from berdaya.outcomes import choices as c
from berdaya.outcomes import graduation, selectors, services
from berdaya.outcomes.graduation import Status
from berdaya.testing import factories as f
from berdaya.testing import programmes as tp

from .helpers import enrolment, survey

pytestmark = pytest.mark.django_db

LINE = 500_000


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ([], "objek JSON"),
        ({"criteria": []}, "sedikitnya satu kriteria"),
        ({"criteria": [{"type": "magic"}]}, "jenis “magic” tidak dikenal"),
        ({"threshold": 0, "criteria": [{"type": "business_running"}]}, "“threshold” harus"),
        ({"close_at": 90, "threshold": 50, "criteria": [{"type": "business_running"}]}, "tidak boleh lebih besar"),
        ({"criteria": [{"type": "income_above_line", "follow_ups": 9}]}, "“follow_ups” harus"),
        ({"criteria": [{"type": "measure_at_least", "measure": "nik", "value": 1}]}, "“measure” harus"),
        ({"criteria": [{"type": "business_running", "weight": True}]}, "“weight” harus"),
    ],
)
def test_it_refuses_criteria_that_do_not_make_sense(criteria, message):
    assert any(message in e for e in graduation.criteria_errors(criteria))


def test_the_plan_keeps_only_valid_criteria(officer, partner):
    programme = tp.programme(officer)
    with pytest.raises(ValidationError, match="Kriteria 1"):
        services.plan_save(
            actor=officer, programme=programme, follow_up_months=[6], criteria={"criteria": [{}]}, poverty_line=None
        )
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):  # another organisation's programme
        services.plan_save(
            actor=partner,
            programme=programme,
            follow_up_months=[6],
            criteria=graduation.default_criteria(),
            poverty_line=None,
        )


@override_settings(BERDAYA={**__import__("django.conf").conf.settings.BERDAYA, "POVERTY_LINE": LINE})
def test_it_lists_who_graduated_who_is_close_and_who_fell_back(officer):
    programme = tp.programme(officer, start=dt.date(2025, 1, 1))
    services.plan_save(
        actor=officer,
        programme=programme,
        follow_up_months=[6, 12],
        criteria={
            "threshold": 100,
            "close_at": 50,
            "criteria": [
                {"type": "income_above_line", "follow_ups": 2},
                {"type": "business_running", "months": 12},
            ],
        },
        poverty_line=None,
    )
    rising, halfway, falling = f.person(name="Naik"), f.person(name="Setengah"), f.person(name="Turun")
    for p in (rising, halfway, falling):
        enrolment(programme, p, officer)

    def follow(p, month, day, per_person, running):
        survey(
            p,
            officer,
            programme=programme,
            round=c.Round.FOLLOW_UP,
            month=month,
            interview_date=day,
            household_size=2,
            income_farming=per_person * 2,
            business_running=running,
        )

    follow(rising, 6, dt.date(2025, 7, 10), 600_000, True)
    follow(rising, 12, dt.date(2026, 1, 10), LINE, True)  # exactly at the line counts
    follow(halfway, 6, dt.date(2025, 7, 10), 700_000, False)
    follow(halfway, 12, dt.date(2026, 1, 10), 700_000, False)
    follow(falling, 6, dt.date(2025, 7, 10), 800_000, True)
    follow(falling, 12, dt.date(2026, 1, 10), 800_000, True)

    assert services.graduation_refresh(programme=programme, as_of=dt.date(2026, 1, 31))["graduated"] == 2
    follow(falling, 18, dt.date(2026, 7, 10), LINE - 1, True)
    counts = services.graduation_refresh(programme=programme, as_of=dt.date(2026, 7, 31))

    rows = {
        r.person_name: r
        for r in selectors.graduation_list(actor=officer, programme=programme, as_of=dt.date(2026, 7, 31))
    }
    assert counts["fell_back"] == 1
    assert rows["Naik"].status == Status.GRADUATED and rows["Naik"].graduated_on == dt.date(2026, 1, 31)
    assert rows["Setengah"].status == Status.CLOSE and rows["Setengah"].met == [True, False]
    assert rows["Turun"].status == Status.FELL_BACK and rows["Turun"].fell_back_on == dt.date(2026, 7, 31)
    # The rate: graduated and not fallen back by the period's end, among participants then.
    assert selectors.graduation_rate(programme, (dt.date(2025, 1, 1), dt.date(2026, 3, 31))) == selectors.Rate(2, 3)
    assert selectors.graduation_rate(programme, (dt.date(2026, 1, 1), dt.date(2026, 12, 31))) == selectors.Rate(1, 3)
    scoped = selectors.graduation_rate(
        programme, (dt.date(2026, 1, 1), dt.date(2026, 12, 31)), scope=type(rising).objects.filter(pk=halfway.pk)
    )
    assert scoped == selectors.Rate(0, 1)


def test_the_monthly_job_refreshes_every_programme_with_participants(officer):
    from berdaya.jobs.progress import Progress

    programme = tp.programme(officer)
    person = f.person()
    enrolment(programme, person, officer)
    for month, day in ((6, dt.date(2025, 7, 10)), (12, dt.date(2026, 1, 10))):
        survey(
            person,
            officer,
            programme=programme,
            round=c.Round.FOLLOW_UP,
            month=month,
            interview_date=day,
            household_size=1,
            income_farming=10_000_000,
        )

    totals = services.graduation_job(None, Progress())

    assert totals["programmes"] == 1 and totals["graduated"] == 1


def test_the_graduation_page_lists_people_only_to_roles_that_see_them(client, officer, viewer):
    programme = tp.programme(officer)
    enrolment(programme, f.person(name="Sri Mandiri"), officer)
    client.force_login(officer)
    assert "Sri Mandiri" in client.get(reverse("outcomes:graduation", args=[programme.pk])).content.decode()
    client.force_login(viewer)
    page = client.get(reverse("outcomes:graduation", args=[programme.pk])).content.decode()
    assert "Sri Mandiri" not in page and "Tingkat graduasi" in page


def test_partner_staff_read_outcome_figures_of_their_own_organisations_programmes_only(client, officer, partner):
    theirs = tp.programme(officer, organiser=partner.organisation)
    other = tp.programme(officer)
    assert other.organiser_id != partner.organisation_id
    client.force_login(partner)
    for name in ("outcomes:graduation", "outcomes:impact", "outcomes:programme_detail"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 200, name
        assert client.get(reverse(name, args=[other.pk])).status_code == 404, name
    listing = client.get(reverse("outcomes:index")).content.decode()
    assert theirs.name in listing and other.name not in listing
