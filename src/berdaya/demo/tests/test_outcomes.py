"""`berdaya demo_outcomes`: baselines and due follow-ups for participants and matched non-participants."""

from __future__ import annotations

import io

from django.core.management import call_command

from berdaya.outcomes import choices as c
from berdaya.outcomes.models import OutcomePlan, OutcomeSurvey
from berdaya.programmes import choices as pc
from berdaya.programmes.models import Enrolment
from berdaya.testing import factories as f


def test_it_surveys_participants_and_comparable_non_participants(officer):
    for i in range(80):
        f.person(name=f"Warga Demo {i}", hh=f.household(village=["15.02.01.2001", "15.02.02.2004"][i % 2]))
    call_command("demo_programmes", seed=2, if_empty=True, stdout=io.StringIO())
    call_command("demo_outcomes", seed=2, if_empty=True, stdout=io.StringIO())

    surveyed = OutcomeSurvey.objects.filter(programme__isnull=False)
    assert surveyed.filter(round=c.Round.BASELINE).exists() and OutcomePlan.objects.exists()
    participants = set(Enrolment.objects.filter(status__in=pc.SEAT_STATUSES).values_list("programme_id", "person_id"))
    assert set(surveyed.values_list("programme_id", "person_id")) <= participants
    comparison = OutcomeSurvey.objects.filter(programme__isnull=True)
    assert comparison.exists()
    # Each participant's follow-ups come after their baseline.
    for person_id, programme_id in surveyed.values_list("person_id", "programme_id").distinct():
        rows = list(surveyed.filter(person_id=person_id, programme_id=programme_id).order_by("interview_date"))
        assert rows[0].round == c.Round.BASELINE
    for survey in OutcomeSurvey.objects.all()[:50]:
        survey.full_clean()

    count = OutcomeSurvey.objects.count()
    call_command("demo_outcomes", seed=2, if_empty=True, stdout=io.StringIO())
    assert OutcomeSurvey.objects.count() == count
