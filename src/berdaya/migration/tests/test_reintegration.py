"""Reintegration (issue 8): a returned worker is matched to reintegration programmes through the programmes matching,
and the episode and case pages show what they received since their return."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from berdaya.migration import choices as c
from berdaya.migration import services
from berdaya.migration.integration import reintegration_for
from berdaya.migration.selectors import returned_episode
from berdaya.programmes import choices as pc
from berdaya.programmes import services as programme_services
from berdaya.programmes.models import Enrolment
from berdaya.testing import programmes as h
from berdaya.testing.clients import client_for
from berdaya.testing.migration import episode

TODAY = dt.date.today()
RETURNED_ON = TODAY - dt.timedelta(days=30)


@pytest.fixture
def returned(officer, migrant):
    return episode(
        migrant,
        officer,
        stage=c.Stage.RETURNED,
        departure_date=TODAY - dt.timedelta(days=800),
        return_date=RETURNED_ON,
    )


@pytest.fixture
def world(officer, migrant, returned):
    """A protection/reintegration programme for migrant workers, a capital programme she already joined, and an
    unrelated farming programme."""
    programme_services.person_needs_set(actor=officer, person=migrant, needs={h.need("reintegration").pk: ""})
    reintegration = h.programme(
        officer,
        name="Reintegrasi Purna PMI: Kewirausahaan",
        kind=pc.ProgrammeKind.PROTECTION,
        target_groups=[pc.TargetGroup.MIGRANT],
        needs=[h.need("reintegration")],
    )
    h.programme(officer, name="Sekolah Lapang Kopi", kind=pc.ProgrammeKind.FIELD_SCHOOL, needs=[h.need("livestock")])
    capital = h.programme(
        officer,
        name="Modal Usaha Purna PMI",
        kind=pc.ProgrammeKind.CAPITAL,
        target_groups=[pc.TargetGroup.MIGRANT],
        start=TODAY - dt.timedelta(days=900),
    )
    h.enrol(officer, capital, migrant)
    grant = {"kind": "cash_grant", "amount": 2_500_000}
    programme_services.assistance_create(
        actor=officer, programme=capital, person=migrant, data={**grant, "date": TODAY - dt.timedelta(days=5)}
    )
    programme_services.assistance_create(
        actor=officer,
        programme=capital,
        person=migrant,
        data={**grant, "description": "Sebelum berangkat", "date": TODAY - dt.timedelta(days=850)},
    )
    # An enrolment from before she left is not "since return".
    old = h.programme(officer, name="Orientasi pra-penempatan lama", start=TODAY - dt.timedelta(days=900))
    h.enrol(officer, old, migrant)
    Enrolment.objects.filter(programme=old).update(created_at=timezone.now() - dt.timedelta(days=820))
    return reintegration, capital


def test_a_returned_worker_is_matched_to_reintegration_programmes_and_sees_what_they_received(
    officer, migrant, returned, world
):
    reintegration, capital = world

    result = reintegration_for(actor=officer, person=migrant, since=returned.return_date)

    assert [s.programme for s in result.suggestions] == [reintegration]
    reasons = result.suggestions[0].reasons
    assert "Termasuk sasaran: Pekerja migran dan keluarganya" in reasons
    assert "Menjawab kebutuhan: Reintegrasi purna pekerja migran" in reasons
    assert [e.programme for e in result.enrolments] == [capital]
    assert [(a.programme, a.amount, a.description) for a in result.assistance] == [(capital, 2_500_000, "")]


def test_the_episode_page_shows_the_suggestions_and_what_was_received(officer, migrant, returned, world):
    body = client_for(officer).get(reverse("migration:episode_detail", args=[returned.pk])).content.decode()
    assert "Reintegrasi Purna PMI: Kewirausahaan" in body
    assert "Sekolah Lapang Kopi" not in body
    assert "Modal Usaha Purna PMI" in body and "Rp2.500.000" not in body  # kinds and dates, not amounts
    assert "Hibah tunai" in body and "Sebelum berangkat" not in body
    assert "Orientasi pra-penempatan lama" not in body
    assert reverse("programmes:person_needs", args=[migrant.pk]) in body


def test_the_case_page_of_a_returned_worker_shows_reintegration(worker, officer, migrant, returned, world):
    case = services.case_intake(
        actor=worker,
        person=migrant,
        data={
            "complaint_type": c.ComplaintType.UNPAID_WAGES,
            "reported_by": c.Reporter.WORKER,
            "summary": "Gaji tiga bulan terakhir belum dibayar",
            "episode": returned,
        },
    )
    body = client_for(worker).get(reverse("migration:case_detail", args=[case.pk])).content.decode()
    assert "Reintegrasi" in body and "Reintegrasi Purna PMI: Kewirausahaan" in body
    assert "Modal Usaha Purna PMI" in body


def test_no_reintegration_for_a_worker_who_left_again(officer, migrant, returned):
    assert returned_episode(migrant) == returned
    episode(migrant, officer, stage=c.Stage.WORKING, departure_date=TODAY - dt.timedelta(days=3))
    assert returned_episode(migrant, preferred=returned) is None
