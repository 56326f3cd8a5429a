"""Graduation asks first, says how many, and counts the sessions still scheduled (issue #15, item 6)."""

from __future__ import annotations

from django.urls import reverse

from berdaya.programmes import choices as c
from berdaya.programmes import services
from berdaya.programmes.models import Certificate, Enrolment
from berdaya.testing import programmes as h
from berdaya.testing.clients import client_for


def _course(officer, *, threshold: int):
    """Two sessions held (both attended by both participants) and a third still scheduled."""
    p = h.programme(officer, threshold=threshold)
    held = [h.session(officer, p, days_ago=3), h.session(officer, p, days_ago=1)]
    h.session(officer, p, days_ago=-7, topic="Menjahit lanjutan")
    crowd = h.people(2)
    for person in crowd:
        h.enrol(officer, p, person)
    ids = [x.pk for x in crowd]
    for s in held:
        services.attendance_record(actor=officer, session=s, roster=ids, present=ids)
    return p


def test_two_of_two_held_is_not_enough_while_a_third_session_is_scheduled(officer):
    p = _course(officer, threshold=75)
    assert services.programme_complete(actor=officer, programme=p) == 0
    assert not Enrolment.objects.filter(programme=p, status=c.EnrolmentStatus.COMPLETED).exists()


def test_graduation_asks_first_with_the_count_and_then_certifies_against_every_session(officer):
    p = _course(officer, threshold=60)
    client = client_for(officer)
    url = reverse("programmes:programme_complete", args=[p.pk])

    # the first click only shows what will happen
    page = client.post(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "2 peserta aktif ditetapkan lulus" in html
    assert "3 sesi: 2 sudah berlangsung, 1 masih dijadwalkan" in html
    assert "tidak dapat dibatalkan" in html
    assert not Certificate.objects.exists()

    # confirming does it
    response = client.post(url, {"confirmed": "yes"})
    assert response.status_code == 302
    assert Certificate.objects.filter(enrolment__programme=p).count() == 2
    enrolment = Enrolment.objects.filter(programme=p).first()
    certificate = client.get(reverse("programmes:certificate", args=[enrolment.pk])).content.decode()
    assert "2 dari 3" in certificate


def test_graduating_one_participant_asks_first_too(officer):
    p = _course(officer, threshold=60)
    enrolment = Enrolment.objects.filter(programme=p).select_related("person").first()
    client = client_for(officer)
    url = reverse("programmes:enrolment_transition", args=[enrolment.pk])
    page = client.post(url, {"to_status": "completed", "next": "programme"})
    assert page.status_code == 200
    assert "Kehadiran 2 dari 3 sesi" in page.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == c.EnrolmentStatus.ACTIVE
    client.post(url, {"to_status": "completed", "next": "programme", "confirmed": "yes"})
    enrolment.refresh_from_db()
    assert enrolment.status == c.EnrolmentStatus.COMPLETED
