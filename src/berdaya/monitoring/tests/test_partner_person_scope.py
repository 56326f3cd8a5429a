"""Partner staff's figures are counted over the people they see (registry.access.people_visible_to), not over the
households of their scope: a participant who withdrew consent to sharing with partners is in no figure they read,
nor in the downloads of those figures, while the regency's officers still count her.

Each expected figure is counted here from the rows partner staff see (their people, and the enrolments, assistance
and graduations of those people), never typed in.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from berdaya.monitoring import measures as m
from berdaya.monitoring import refresh, services
from berdaya.monitoring.models import Indicator, PersonOrganisation
from berdaya.outcomes.models import Graduation
from berdaya.outcomes.selectors import graduation_rate
from berdaya.programmes import choices as pc
from berdaya.programmes.models import Assistance, Enrolment, Programme
from berdaya.registry import choices as rc
from berdaya.registry import services as registry_services
from berdaya.registry.access import partner_people_q, people_visible_to, person_scope_q
from berdaya.registry.models import ConsentRecord, Person
from berdaya.testing import consent
from berdaya.testing import factories as f

A, B = "15.02.01.2001", "15.02.02.2004"


@pytest.fixture
def world(officer, partner):
    """Partner staff of an organisation running programme X this year, with:
    - Siti, who heads a household in B that the organisation reaches only through her enrolment, completed X,
      was given Rp1.500.000 and graduated, then withdrew consent to sharing with partners; her husband Budi is
      seen (his household is reached through her);
    - Ani, in a household the organisation registered, active in X and given Rp1.000.000;
    - the two households of berdaya.testing.consent: one whose head withdrew (he dropped out of X), one whose head
      died, each with a child they see (the first child is active in X)."""
    org = partner.organisation
    year = timezone.localdate().year
    x = Programme.objects.create(
        name="Program X",
        kind=pc.ProgrammeKind.SKILLS_TRAINING,
        organiser=org,
        start_date=dt.date(year, 1, 1),
        end_date=dt.date(year, 12, 31),
        budget=10_000_000,
        capacity=20,
        created_by=officer,
    )
    siti_hh = f.household(village=B)
    siti = f.person(hh=siti_hh, name="Siti", sex=rc.Sex.FEMALE, birth_date=dt.date(1988, 2, 1))
    budi = f.person(hh=siti_hh, name="Budi", sex=rc.Sex.MALE, birth_date=dt.date(1960, 7, 1))
    ani = f.person(
        hh=f.household(village=A, registered_by_organisation_id=org.pk),
        name="Ani",
        sex=rc.Sex.FEMALE,
        birth_date=dt.date(1995, 5, 5),
    )
    made = consent.hidden_and_headless(officer, org.pk, A)
    es = pc.EnrolmentStatus
    for person, status, start, end in [
        (siti, es.COMPLETED, dt.date(year, 1, 10), dt.date(year, 3, 1)),
        (ani, es.ACTIVE, dt.date(year, 2, 1), None),
        (made["hidden"]["head"], es.DROPPED_OUT, dt.date(year, 1, 10), dt.date(year, 2, 1)),
        (made["hidden"]["child"], es.ACTIVE, dt.date(year, 1, 10), None),
    ]:
        enrolment = Enrolment.objects.create(
            programme=x,
            person=person,
            status=status,
            enrolled_on=start,
            ended_on=end,
            reason="Pindah kerja" if status in pc.REASON_REQUIRED else "",
            created_by=officer,
        )
        if person == siti:
            Graduation.objects.create(enrolment=enrolment, graduated_on=end, checked_on=end)
    for person, amount in [(siti, 1_500_000), (ani, 1_000_000)]:
        Assistance.objects.create(
            programme=x,
            person=person,
            kind=pc.AssistanceKind.CASH_GRANT,
            amount=amount,
            date=dt.date(year, 1, 20),
            status=pc.AssistanceStatus.DISBURSED,
            created_by=officer,
        )
    on = timezone.localdate() - dt.timedelta(days=3)
    registry_services.consent_withdraw(actor=officer, person=siti, purpose=rc.ConsentPurpose.SHARING, on=on)
    refresh.rebuild()
    assert siti not in people_visible_to(partner) and budi in people_visible_to(partner)
    return {"x": x, "year": year, "siti": siti, "hidden_head": made["hidden"]["head"]}


def figure(key, actor, *, by=(), **filters):
    result = m.compute(key, actor=actor, filters=m.Filters(**filters), by=by)
    if by:
        return {tuple(row[d] for d in by) if len(by) > 1 else row[by[0]]: row["value"] for row in result.rows}
    return result.total if result.total is not None else result.rows[0]["value"]


def residents(user):
    """The residents `user` sees (the analytics tables count residents: status active), with their age band."""
    today = timezone.localdate()
    return (
        people_visible_to(user).filter(status=rc.PersonStatus.ACTIVE).annotate(band=refresh.age_band_expression(today))
    )


def representatives(user):
    """Per household, the resident `user` sees that the household is counted by: its head among them, else the first
    of them."""
    reps: dict[int, Person] = {}
    for person in sorted(residents(user), key=lambda p: (p.relationship != rc.Relationship.HEAD, p.pk)):
        reps.setdefault(person.household_id, person)
    return list(reps.values())


def seen_enrolments(user, programme, statuses):
    return Enrolment.objects.filter(
        programme=programme, status__in=statuses, person__in=people_visible_to(user).values("pk")
    )


def test_people_are_those_partner_staff_see(world, partner, officer):
    people = list(residents(partner))
    assert figure("people", partner) == len(people)
    assert figure("people", partner, by=("sex",)) == dict(Counter(p.sex for p in people))
    assert figure("people", partner, by=("age_band",)) == dict(Counter(p.band for p in people))
    assert figure("people", partner, by=("village",)) == dict(Counter(p.village_id for p in people))
    # The regency's officers still count her.
    everyone = list(residents(officer))
    assert world["siti"] in everyone and figure("people", officer) == len(everyone)


def test_households_are_broken_down_by_a_member_they_see(world, partner, officer):
    # Siti's household is counted by Budi, the hidden head's by the child they see.
    reps = representatives(partner)
    assert figure("households", partner) == len(reps)
    assert figure("households", partner, by=("sex",)) == dict(Counter(p.sex for p in reps))
    assert figure("households", partner, by=("age_band",)) == dict(Counter(p.band for p in reps))
    # The regency's officers still count her household by her.
    reps = representatives(officer)
    assert world["siti"] in reps
    assert figure("households", officer, by=("sex",)) == dict(Counter(p.sex for p in reps))


def test_reach_enrolments_and_money_are_those_of_the_people_they_see(world, partner, officer):
    x, year = world["x"], world["year"]
    seen = people_visible_to(partner).values("pk")
    reached = (
        Person.objects.filter(pk__in=seen, status=rc.PersonStatus.ACTIVE)
        .filter(pk__in=Enrolment.objects.filter(programme=x, status__in=pc.SEAT_STATUSES).values("person"))
        .count()
    )
    assert figure("reached", partner, year=year) == reached
    assert figure("reached", partner, year=year, by=("programme",)) == {x.pk: reached}
    enrolled = seen_enrolments(partner, x, refresh.ENROLLED_STATUSES)
    assert figure("enrolled", partner, year=year) == enrolled.count()
    assert figure("enrolled", partner, year=year, by=("sex",)) == dict(Counter(e.person.sex for e in enrolled))
    completed = seen_enrolments(partner, x, [pc.EnrolmentStatus.COMPLETED]).count()
    dropped = seen_enrolments(partner, x, [pc.EnrolmentStatus.DROPPED_OUT]).count()
    assert (figure("completed", partner, year=year), figure("dropped", partner, year=year)) == (completed, dropped)
    paid = Assistance.objects.filter(programme=x, status__in=pc.SPENT_STATUSES, person__in=seen)
    assert figure("disbursed", partner, year=year) == sum(a.amount for a in paid)
    # The regency's officers still count her enrolment, her assistance and the head who dropped out.
    assert (
        figure("enrolled", officer, year=year)
        == Enrolment.objects.filter(programme=x, status__in=refresh.ENROLLED_STATUSES).count()
    )
    assert figure("completed", officer, year=year) == completed + 1
    assert figure("disbursed", officer, year=year) == sum(
        a.amount for a in Assistance.objects.filter(programme=x, status__in=pc.SPENT_STATUSES)
    )
    assert figure("reached", officer, year=year) == reached + 1  # Siti (the head who dropped out holds no seat)


def test_the_graduation_measure_counts_only_the_participants_they_see(world, partner, officer):
    x, year = world["x"], world["year"]
    period = (dt.date(year, 1, 1), dt.date(year, 12, 31))
    rate = graduation_rate(x, period, people_visible_to(partner))
    rows = m.compute("graduated", actor=partner, filters=m.Filters(year=year)).rows
    assert [(r["part"], r["whole"]) for r in rows] == [(rate.graduated, rate.participants)]
    everyone = graduation_rate(x, period)
    rows = m.compute("graduated", actor=officer, filters=m.Filters(year=year)).rows
    assert [(r["part"], r["whole"]) for r in rows] == [(everyone.graduated, everyone.participants)]
    assert everyone.graduated == rate.graduated + 1  # Siti


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_downloads_and_indicators_are_the_figures_they_see(world, partner, admin_user):
    c = Client()
    c.force_login(partner)
    year = world["year"]
    people = list(residents(partner))
    rows = _csv(c.get(f"/pemantauan/rincian/unduh.csv?measure=people&by=sex&year={year}"))
    labels = {str(label): code for code, label in rc.Sex.choices}
    assert {labels[r[0]]: int(r[1]) for r in rows[1:]} == dict(Counter(p.sex for p in people))
    districts = _csv(c.get(f"/pemantauan/bagan/districts/unduh.csv?year={year}"))
    assert sum(int(r[1]) for r in districts[1:]) == len(people)
    xlsx = c.get(f"/pemantauan/rincian/unduh.xlsx?measure=enrolled&year={year}")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    indicator = Indicator.objects.create(
        code="peserta", name="Peserta", measure="enrolled", disaggregations=["sex"], created_by=admin_user
    )
    value, breakdowns = services.indicator_value(indicator, year=year, actor=partner)
    enrolled = seen_enrolments(partner, world["x"], refresh.ENROLLED_STATUSES)
    assert value == enrolled.count()
    assert {r["code"]: r["value"] for r in breakdowns["sex"]} == dict(Counter(e.person.sex for e in enrolled))


# --- One rule: the analytics tables' partner scope is people_visible_to for a user of the organisation ---------------

HOMES = ("registered", "other_organisation", "reached", "outside")
STATUSES = tuple(rc.PersonStatus.values)
CONSENTS = ("none", "sharing", "all", "sharing_renewed", "targeting", "sharing_today")
PEOPLE = st.lists(st.tuples(st.sampled_from(HOMES), st.sampled_from(STATUSES), st.sampled_from(CONSENTS)), max_size=8)


def _consent(person, kind: str, officer) -> None:
    if kind == "none":
        return
    today = timezone.localdate()
    purpose = {"all": rc.ConsentPurpose.ALL, "targeting": rc.ConsentPurpose.TARGETING}.get(
        kind, rc.ConsentPurpose.SHARING
    )
    withdrawn = today if kind == "sharing_today" else today - dt.timedelta(days=30)

    def record(given_at: dt.date, withdrawn_at: dt.date | None = None) -> None:
        ConsentRecord.objects.create(
            person=person,
            basis=rc.ConsentBasis.CONSENT,
            given_by=rc.ConsentGivenBy.SELF,
            purpose="uji",
            purpose_kind=purpose,
            given_at=given_at,
            withdrawn_at=withdrawn_at,
            recorded_by=officer,
        )

    record(withdrawn - dt.timedelta(days=30), withdrawn)
    if kind == "sharing_renewed":
        record(today - dt.timedelta(days=10))


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(PEOPLE)
def test_partner_people_q_and_the_partner_scope_table_are_what_a_user_of_the_organisation_sees(
    officer, partner, people
):
    org = partner.organisation
    with transaction.atomic():
        other = f.organisation("Lain")
        x = Programme.objects.create(
            name="X",
            kind=pc.ProgrammeKind.SKILLS_TRAINING,
            organiser=org,
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2026, 12, 31),
            capacity=9,
            created_by=officer,
        )
        survivor = f.person(hh=f.household(), name="Penyintas")
        for home, status, kind in people:
            by = {"registered": org.pk, "other_organisation": other.pk}.get(home)
            person = f.person(
                hh=f.household(registered_by_organisation_id=by),
                name="Orang",
                status=status,
                merged_into=survivor if status == rc.PersonStatus.MERGED else None,
                with_nik=False,
            )
            if home == "reached":
                Enrolment.objects.create(
                    programme=x, person=person, status=pc.EnrolmentStatus.PROPOSED, created_by=officer
                )
            _consent(person, kind, officer)
        seen = set(people_visible_to(partner).values_list("pk", flat=True))
        assert set(Person.objects.filter(partner_people_q(org.pk)).values_list("pk", flat=True)) == seen
        assert set(Person.objects.filter(person_scope_q(partner)).current().values_list("pk", flat=True)) == seen
        refresh.rebuild()
        counted = set(PersonOrganisation.objects.filter(organisation_id=org.pk).values_list("fact_id", flat=True))
        assert counted == set(
            Person.objects.filter(pk__in=seen, status=rc.PersonStatus.ACTIVE).values_list("pk", flat=True)
        )
        transaction.set_rollback(True)
