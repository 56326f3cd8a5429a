"""An organisation's results and a commitment's delivered funds under the registry's person scope (UU PDP): partner
staff count their programmes over the people they may see, never a participant who withdrew consent to sharing with
partners, so the participants they are told of equal the people they may open and the funds delivered equal the
assistance ledger they read. Officers count every participant, her included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from berdaya.partners import services
from berdaya.partners.selectors import commitment_progress, organisation_results
from berdaya.programmes import choices as pc
from berdaya.programmes import selectors as programme_selectors
from berdaya.programmes import services as programme_services
from berdaya.registry import choices as rc
from berdaya.registry import services as registry_services
from berdaya.registry.access import people_visible_to
from berdaya.testing import factories as f
from berdaya.testing import programmes as tp
from berdaya.testing.clients import client_for

VILLAGE = "15.02.01.2001"


def _disburse(officer, programme, person, amount):
    a = programme_services.assistance_create(
        actor=officer,
        programme=programme,
        person=person,
        data={"kind": pc.AssistanceKind.CASH_GRANT, "amount": amount, "date": tp.today()},
    )
    programme_services.assistance_transition(actor=officer, assistance=a, to_status=pc.AssistanceStatus.APPROVED)
    programme_services.assistance_transition(actor=officer, assistance=a, to_status=pc.AssistanceStatus.DISBURSED)


@pytest.fixture
def world(officer, partner):
    """The partner's programme, linked to their organisation's funding commitment: two participants received cash;
    "Siti Menarik" withdrew consent to sharing with partners."""
    programme = tp.programme(officer, organiser=partner.organisation, budget=20_000_000)
    seen = f.person(name="Rina Terlihat", hh=f.household(village=VILLAGE))
    withdrawn = f.person(name="Siti Menarik", hh=f.household(village=VILLAGE))
    for person, amount in ((seen, 400_000), (withdrawn, 900_000)):
        tp.enrol(officer, programme, person)
        _disburse(officer, programme, person, amount)
    commitment = services.commitment_create(
        actor=officer,
        organisation=partner.organisation,
        data={
            "kind": "funds",
            "description": "Dana hibah usaha",
            "start_date": tp.today() - dt.timedelta(days=60),
            "end_date": tp.today() + dt.timedelta(days=60),
            "programmes": [programme],
            "amount": 5_000_000,
        },
    )
    registry_services.consent_withdraw(
        actor=officer, person=withdrawn, purpose=rc.ConsentPurpose.SHARING, on=dt.date.today() - dt.timedelta(days=1)
    )
    return {"programme": programme, "withdrawn": withdrawn, "commitment": commitment}


def _ledger_spent(user, programme) -> int:
    rows = programme_selectors.assistance_ledger(actor=user, programme=programme)
    return sum(a.amount for a in rows if a.status in pc.SPENT_STATUSES)


def _participants_seen(user, programme) -> int:
    return (
        people_visible_to(user)
        .filter(enrolments__programme=programme, enrolments__status__in=pc.SEAT_STATUSES)
        .distinct()
        .count()
    )


def test_an_organisations_results_count_for_partner_staff_the_people_they_may_open(officer, partner, world):
    programme, organisation = world["programme"], partner.organisation
    mine, full = organisation_results(organisation, actor=partner), organisation_results(organisation, actor=officer)
    assert mine["participants"] == mine["visible_people"] == _participants_seen(partner, programme)
    assert mine["disbursed"] == _ledger_spent(partner, programme)
    assert full["participants"] == _participants_seen(officer, programme) == mine["participants"] + 1
    assert full["disbursed"] == _ledger_spent(officer, programme) == mine["disbursed"] + 900_000
    assert full["recipients"] == mine["recipients"] + 1
    page = client_for(partner).get(reverse("partners:organisation_detail", args=[organisation.pk]))
    assert page.context["results"] == mine
    assert "Angka dihitung dari peserta yang dapat Anda lihat." in page.content.decode()


def test_a_commitments_funds_delivered_are_the_ledger_partner_staff_read(officer, partner, world):
    programme, commitment = world["programme"], world["commitment"]
    (mine,) = commitment_progress([commitment], actor=partner)
    (full,) = commitment_progress([commitment], actor=officer)
    assert mine.derived == Decimal(_ledger_spent(partner, programme))
    assert full.derived == Decimal(_ledger_spent(officer, programme)) == mine.derived + 900_000
    page = client_for(partner).get(reverse("partners:commitment_detail", args=[commitment.pk]))
    assert page.context["progress"].derived == mine.derived
    assert "Angka dihitung dari peserta yang dapat Anda lihat." in page.content.decode()
