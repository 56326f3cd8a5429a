"""Commitments and contributions: what a partner promised vs what it delivered, with percentages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from berdaya.partners import services
from berdaya.partners.models import Contribution
from berdaya.partners.selectors import commitment_progress
from berdaya.programmes import services as programme_services
from berdaya.testing import programmes as h


def disburse(actor, programme, person, amount: int, **data):
    a = programme_services.assistance_create(
        actor=actor,
        programme=programme,
        person=person,
        data={"kind": "cash_grant", "amount": amount, "date": data.pop("date", h.today()), **data},
    )
    programme_services.assistance_transition(actor=actor, assistance=a, to_status="approved")
    return programme_services.assistance_transition(actor=actor, assistance=a, to_status="disbursed")


def commit(actor, org, kind, programmes=(), **data):
    return services.commitment_create(
        actor=actor,
        organisation=org,
        data={
            "kind": kind,
            "description": data.pop("description", "Komitmen uji"),
            "start_date": data.pop("start_date", h.today() - dt.timedelta(days=60)),
            "end_date": data.pop("end_date", h.today() + dt.timedelta(days=60)),
            "programmes": list(programmes),
            **data,
        },
    )


@pytest.fixture
def funded(officer, org_a, org_b):
    """A programme org A organises and org B funds."""
    p = h.programme(officer, organiser=org_a, budget=50_000_000, capacity=20)
    p.funders.add(org_b)
    return p


def test_it_refuses_a_contribution_to_a_programme_the_partner_is_not_part_of(officer, org_a, org_b, funded):
    stranger = h.programme(officer, name="Program Dinas Lain")
    x = commit(officer, org_b, "trainers", [funded], quantity=5)
    with pytest.raises(ValidationError) as exc:
        services.contribution_create(
            actor=officer, commitment=x, data={"date": h.today(), "programme": stranger, "quantity": 2}
        )
    message = exc.value.message_dict["programme"][0]
    assert "PT Kopi Sumatra Lestari bukan penyelenggara atau penyandang dana program Program Dinas Lain" in message
    assert not Contribution.objects.exists()
    # a programme it funds is fine
    services.contribution_create(
        actor=officer, commitment=x, data={"date": h.today(), "programme": funded, "quantity": 2}
    )
    assert Contribution.objects.count() == 1


def test_it_refuses_a_commitment_linked_to_someone_elses_programme(officer, org_b):
    stranger = h.programme(officer, name="Program Dinas Lain")
    with pytest.raises(ValidationError) as exc:
        commit(officer, org_b, "funds", [stranger], amount=1_000_000)
    assert "Program Dinas Lain" in exc.value.message_dict["programmes"][0]


def test_it_needs_the_right_measure_for_each_kind(officer, org_b):
    with pytest.raises(ValidationError) as exc:
        commit(officer, org_b, "funds", quantity=3)
    assert "amount" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        commit(officer, org_b, "market_access", quantity=40, unit="ton")
    assert {"commodity", "price_per_kg"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        commit(officer, org_b, "jobs", quantity=5, start_date=h.today(), end_date=h.today() - dt.timedelta(days=1))
    assert "end_date" in exc.value.message_dict


def test_funds_delivered_are_the_disbursed_assistance_of_linked_programmes(officer, org_b, funded):
    people = h.people(4)
    for person in people:
        h.enrol(officer, funded, person)
    disburse(officer, funded, people[0], 2_000_000)
    disburse(officer, funded, people[1], 1_500_000)
    # approved only, and outside the commitment's period: neither counts
    planned = programme_services.assistance_create(
        actor=officer, programme=funded, person=people[2], data={"kind": "cash_grant", "amount": 9_000_000}
    )
    programme_services.assistance_transition(actor=officer, assistance=planned, to_status="approved")
    disburse(officer, funded, people[3], 7_000_000, date=h.today() - dt.timedelta(days=90))
    x = commit(officer, org_b, "funds", [funded], amount=10_000_000)
    # a direct transfer recorded by hand adds up
    services.contribution_create(actor=officer, commitment=x, data={"date": h.today(), "amount": 1_000_000})

    (p,) = commitment_progress([x], actor=officer)
    assert (p.committed, p.derived, p.recorded, p.delivered, p.percent) == (
        Decimal(10_000_000),
        Decimal(3_500_000),
        Decimal(1_000_000),
        Decimal(4_500_000),
        45,
    )


def test_a_contribution_naming_an_assistance_is_not_counted_twice(officer, org_b, funded):
    (person,) = h.people(1)
    h.enrol(officer, funded, person)
    a = disburse(officer, funded, person, 2_000_000)
    x = commit(officer, org_b, "funds", [funded], amount=4_000_000)
    services.contribution_create(
        actor=officer, commitment=x, data={"date": h.today(), "assistance": a, "amount": 2_000_000}
    )
    contribution = Contribution.objects.get()
    assert contribution.programme == funded  # taken from the assistance
    (p,) = commitment_progress([x], actor=officer)
    assert (p.recorded, p.derived, p.percent) == (Decimal(2_000_000), Decimal(0), 50)


def test_trainings_delivered_are_the_sessions_held(officer, org_a, funded):
    for days_ago in (20, 10, 1, -5, -20):  # three held, two still to come
        h.session(officer, funded, days_ago=days_ago)
    x = commit(officer, org_a, "trainings", [funded], quantity=12)
    (p,) = commitment_progress([x], actor=officer)
    assert (p.derived, p.percent, x.unit) == (Decimal(3), 25, "sesi")


def test_market_access_and_jobs_are_what_was_recorded(officer, org_b, funded):
    buyer = commit(
        officer,
        org_b,
        "market_access",
        [funded],
        quantity=40,
        unit="ton",
        commodity="Kopi robusta",
        premium_per_kg=2_000,
    )
    for tonnes in ("6.5", "5"):
        services.contribution_create(
            actor=officer, commitment=buyer, data={"date": h.today(), "programme": funded, "quantity": Decimal(tonnes)}
        )
    (p,) = commitment_progress([buyer], actor=officer)
    assert (p.delivered, p.percent) == (Decimal("11.5"), 28)


def test_progress_is_a_fixed_number_of_queries(officer, org_a, org_b, funded, django_assert_num_queries):
    commitments = [commit(officer, org_b, "funds", [funded], amount=1_000_000 * (i + 1)) for i in range(5)]
    commitments.append(commit(officer, org_a, "trainings", [funded], quantity=4))
    with django_assert_num_queries(2):
        commitment_progress(commitments, actor=officer)


def test_the_partner_page_shows_committed_vs_delivered(client, officer, org_b, funded):
    x = commit(officer, org_b, "trainers", [funded], quantity=8, description="Dosen narasumber")
    services.contribution_create(
        actor=officer, commitment=x, data={"date": h.today(), "programme": funded, "quantity": 2}
    )
    client.force_login(officer)
    html = client.get(reverse("partners:organisation_detail", args=[org_b.pk])).content.decode()
    assert "Dosen narasumber" in html and "25%" in html
    response = client.post(
        reverse("partners:contribution_create", args=[x.pk]),
        {"date": h.today().isoformat(), "programme": h.programme(officer, name="Program Lain").pk, "quantity": "1"},
    )
    assert response.status_code == 200
    assert "bukan penyelenggara atau penyandang dana" in response.content.decode()
    assert Contribution.objects.count() == 1


def test_partner_staff_record_their_own_deliveries_only(partner, partner_b, officer, org_a, org_b, funded):
    from django.core.exceptions import PermissionDenied

    mine = commit(officer, org_a, "jobs", quantity=10)
    theirs = commit(officer, org_b, "jobs", quantity=10)
    services.contribution_create(actor=partner, commitment=mine, data={"date": h.today(), "quantity": 3})
    with pytest.raises(PermissionDenied):
        services.contribution_create(actor=partner, commitment=theirs, data={"date": h.today(), "quantity": 3})
    with pytest.raises(PermissionDenied):
        commit(partner, org_a, "jobs", quantity=10)
