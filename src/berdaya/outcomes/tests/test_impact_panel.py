"""The panel the impact estimate reads, built from the database in a few set-based queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from berdaya.outcomes import choices as c
from berdaya.outcomes import impact
from berdaya.programmes import choices as pc
from berdaya.targeting.models import HouseholdWelfare
from berdaya.testing import factories as f
from berdaya.testing import programmes as tp

from .helpers import enrolment, survey

pytestmark = pytest.mark.django_db


def test_it_pairs_each_persons_baseline_with_their_latest_follow_up(officer, django_assert_max_num_queries):
    programme, other = tp.programme(officer), tp.programme(officer)
    joined = f.person(name="Peserta")
    HouseholdWelfare.objects.create(
        household=joined.household, local_decile=3, official_decile=2, official_source="DTSEN"
    )
    dropped = f.person(name="Putus")
    outsider = f.person(name="Bukan Peserta", hh=f.household(village="15.02.02.2004"))
    lone = f.person(name="Tanpa Tindak Lanjut")
    enrolment(programme, joined, officer)
    enrolment(programme, dropped, officer, status=pc.EnrolmentStatus.DROPPED_OUT)
    survey(joined, officer, programme=programme, income_farming=1_000_000)
    survey(
        joined,
        officer,
        programme=programme,
        round=c.Round.FOLLOW_UP,
        month=6,
        interview_date=dt.date(2025, 7, 15),
        income_farming=1_400_000,
    )
    survey(
        joined,
        officer,
        programme=programme,
        round=c.Round.FOLLOW_UP,
        month=12,
        interview_date=dt.date(2026, 1, 15),
        income_farming=1_600_000,
    )
    survey(
        joined,
        officer,
        programme=other,
        round=c.Round.FOLLOW_UP,
        month=6,
        interview_date=dt.date(2026, 2, 1),
        income_farming=9,
    )
    survey(dropped, officer, programme=programme, income_farming=500_000)
    survey(dropped, officer, programme=programme, round=c.Round.FOLLOW_UP, month=6, interview_date=dt.date(2025, 7, 15))
    survey(outsider, officer, income_farming=800_000)
    survey(
        outsider,
        officer,
        programme=other,
        round=c.Round.FOLLOW_UP,
        month=6,
        interview_date=dt.date(2025, 8, 1),
        income_farming=900_000,
        household_size=3,
    )
    survey(lone, officer)

    with django_assert_max_num_queries(4):
        panel = impact.load_panel(programme=programme, outcome="income_per_capita")

    rows = {r.person_id: r for r in panel.itertuples()}
    # The drop-out is neither a participant nor a comparison; the one without a follow-up has no change to measure.
    assert set(rows) == {joined.pk, outsider.pk}
    assert (rows[joined.pk].treated, rows[joined.pk].pre, rows[joined.pk].post) == (1, 250_000, 400_000)
    assert (rows[outsider.pk].treated, rows[outsider.pk].pre, rows[outsider.pk].post) == (0, 200_000, 300_000)
    assert rows[joined.pk].decile == 2 and rows[joined.pk].district == "15.02.01" and rows[joined.pk].sex == "F"
    assert rows[outsider.pk].district == "15.02.02"


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}})
def test_a_large_estimate_runs_as_a_background_job(client, officer, monkeypatch, django_capture_on_commit_callbacks):
    from berdaya.jobs.models import Job

    programme = tp.programme(officer)
    survey(f.person(), officer)
    monkeypatch.setattr(impact, "INLINE_MAX_SURVEYS", 0)
    client.force_login(officer)

    url, query = reverse("outcomes:impact", args=[programme.pk]), {"outcome": "savings", "comparison": "matched"}
    with django_capture_on_commit_callbacks(execute=True):
        waiting = client.get(url, query)

    assert "sedang dihitung di latar belakang" in waiting.content.decode()
    job = Job.objects.get(kind="outcomes.impact")
    assert job.params == {"programme": programme.pk, "outcome": "savings", "comparison": "matched"}
    assert job.status == "succeeded", job.error  # the immediate task backend runs it when the request commits
    assert "Sampel terlalu kecil untuk menyimpulkan" in client.get(url, query).content.decode()


def test_the_impact_page_says_when_samples_are_too_small(client, officer, viewer):
    programme = tp.programme(officer)
    client.force_login(viewer)

    page = client.get(
        reverse("outcomes:impact", args=[programme.pk]), {"outcome": "total_income", "comparison": "matched"}
    )

    assert page.status_code == 200
    assert "Sampel terlalu kecil untuk menyimpulkan" in page.content.decode()
