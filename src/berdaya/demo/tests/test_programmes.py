"""`berdaya demo_programmes`: every kind, every state, valid rows, and idempotent with --if-empty."""

from __future__ import annotations

from django.core.management import call_command

from berdaya.programmes import choices as c
from berdaya.programmes.models import Assistance, Certificate, Enrolment, EnrolmentEvent, Programme, Session
from berdaya.programmes.selectors import budget_summary, min_sessions, sessions_held
from berdaya.testing import factories as f


def test_it_builds_a_living_programme_world_over_existing_people(officer):
    for i in range(120):
        f.person(name=f"Warga Demo {i}", hh=f.household(village=["15.02.01.2001", "15.02.02.2004"][i % 2]))
    call_command("demo_programmes", seed=3, if_empty=True)

    assert set(Programme.objects.values_list("kind", flat=True)) == set(c.ProgrammeKind.values)
    assert {"Dinas Sosial Kabupaten Merangin", "Yayasan Tani Lestari Merangin"} <= set(
        Programme.objects.values_list("organiser__name", flat=True)
    )
    statuses = set(Enrolment.objects.values_list("status", flat=True))
    assert {"completed", "dropped_out", "active", "proposed", "rejected"} <= statuses
    for model in (Programme, Session, Enrolment, Assistance):
        for row in model.objects.all():
            row.full_clean()
    for p in Programme.objects.all():
        assert budget_summary(p, actor=officer).remaining >= 0
    # completion is consistent with the threshold, and every completion has a certificate and its events
    for e in Enrolment.objects.filter(status="completed").select_related("programme"):
        held = sessions_held(e.programme).count()
        attended = e.person.attendance.filter(session__programme=e.programme, present=True).count()
        assert attended >= min_sessions(e.programme, held)
    assert Certificate.objects.count() == Enrolment.objects.filter(status="completed").count()
    assert EnrolmentEvent.objects.filter(to_status="completed").count() == Certificate.objects.count()

    count = Programme.objects.count()
    call_command("demo_programmes", seed=3, if_empty=True)
    assert Programme.objects.count() == count
