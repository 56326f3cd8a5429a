"""Recording outcome surveys: the rules (in Indonesian), scope (facilitators their villages, partner staff their
programmes' participants, viewers nothing person-level), the pages and their audit rows, and the due list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from berdaya.core.models import AuditEvent
from berdaya.outcomes import access, selectors, services
from berdaya.outcomes import choices as c
from berdaya.outcomes.models import OutcomeSurvey
from berdaya.testing import factories as f
from berdaya.testing import programmes as tp
from berdaya.testing.clients import client_for

from .helpers import enrolment, survey

pytestmark = pytest.mark.django_db

VALID = {
    "round": c.Round.BASELINE,
    "interview_date": dt.date(2025, 1, 15),
    "household_size": 4,
    "income_farming": 1_500_000,
    "income_wages": 300_000,
    "employed": True,
    "hours_worked": 40,
    "wellbeing": 6,
}


def test_it_records_a_baseline_and_audits_it(facilitator):
    person = f.person()  # in the facilitator's village (15.02.01.2001)

    saved = services.survey_record(actor=facilitator, person=person, programme=None, data=VALID)

    assert saved.total_income == 1_800_000 and saved.income_per_capita == 450_000
    assert saved.household == person.household and saved.entered_by == facilitator
    assert AuditEvent.objects.filter(action="create", object_id=str(saved.pk)).exists()


def test_it_refuses_bad_values_with_indonesian_messages_and_writes_nothing(officer):
    person = f.person()
    bad = {
        **VALID,
        "round": c.Round.FOLLOW_UP,
        "round_month": 0,
        "interview_date": dt.date.today() + dt.timedelta(days=3),
        "household_size": 0,
        "income_wages": -5,
        "employed": False,
        "yield_kg": 100,
        "wellbeing": 11,
    }

    with pytest.raises(ValidationError) as caught:
        services.survey_record(actor=officer, person=person, programme=None, data=bad)

    errors = caught.value.message_dict
    assert errors["round_month"] == ["Tindak lanjut bulan ke berapa? Isi 1 sampai 120."]
    assert "Tanggal wawancara tidak boleh di masa depan." in errors["interview_date"]
    assert errors["household_size"] and errors["income_wages"] == ["Tidak boleh negatif."]
    assert errors["hours_worked"] and errors["commodity"] and errors["area_ha"] and errors["wellbeing"]
    assert not OutcomeSurvey.objects.exists()


def test_a_follow_up_needs_the_person_enrolled_and_is_taken_once(officer):
    programme, person = tp.programme(officer), f.person()
    follow_up = {**VALID, "round": c.Round.FOLLOW_UP, "round_month": 6}
    with pytest.raises(ValidationError, match="tidak terdaftar sebagai peserta"):
        services.survey_record(actor=officer, person=person, programme=programme, data=follow_up)
    enrolment(programme, person, officer)
    services.survey_record(actor=officer, person=person, programme=programme, data=follow_up)

    with pytest.raises(ValidationError, match="sudah dicatat"):
        services.survey_record(actor=officer, person=person, programme=programme, data=follow_up)


def test_a_facilitator_records_only_in_their_villages(facilitator):
    elsewhere = f.person(hh=f.household(village="15.02.02.2004"))

    with pytest.raises(PermissionDenied):
        services.survey_record(actor=facilitator, person=elsewhere, programme=None, data=VALID)


def test_partner_staff_see_only_their_programmes_participants(officer, partner):
    own = tp.programme(officer, organiser=partner.organisation)
    other = tp.programme(officer, organiser=f.organisation("Yayasan Lain"))
    mine, theirs = f.person(name="Peserta Kami"), f.person(name="Peserta Mereka")
    enrolment(own, mine, officer)
    enrolment(other, theirs, officer)
    # Registered by the partner's organisation, but never in its programme: registry-visible, outcomes not.
    registered = f.person(hh=f.household(registered_by_organisation=partner.organisation))
    for p in (mine, theirs, registered):
        survey(p, officer)

    visible = set(access.surveys_visible_to(partner).values_list("person_id", flat=True))

    assert visible == {mine.pk}


def test_pages_answer_404_outside_scope_and_audit_a_view(client, facilitator, officer, viewer):
    inside = survey(f.person(), officer)
    outside = survey(f.person(hh=f.household(village="15.02.02.2004")), officer)
    client.force_login(facilitator)

    assert client.get(reverse("outcomes:survey_detail", args=[outside.pk])).status_code == 404
    assert client.get(reverse("outcomes:survey_detail", args=[inside.pk])).status_code == 200
    assert AuditEvent.objects.filter(action="view", object_id=str(inside.pk)).exists()
    client.force_login(viewer)
    assert client.get(reverse("outcomes:survey_detail", args=[inside.pk])).status_code in (403, 404)


def test_the_form_saves_a_survey_and_shows_errors_in_indonesian(client, facilitator):
    person = f.person()
    client.force_login(facilitator)
    url = reverse("outcomes:survey_create", args=[person.pk])
    assert client.get(url).status_code == 200

    bad = client.post(
        url,
        {
            "round": "baseline",
            "interview_date": "2025-01-15",
            "household_size": "4",
            "wellbeing": "5",
            "hours_worked": "30",
        },
    )
    assert "Jam kerja hanya diisi bila bekerja" in bad.content.decode()
    good = client.post(
        url,
        {
            "round": "baseline",
            "interview_date": "2025-01-15",
            "household_size": "4",
            "income_farming": "1.250.000",
            "wellbeing": "5",
        },
    )

    assert good.status_code == 302
    assert OutcomeSurvey.objects.get(person=person).income_farming == 1_250_000


def test_follow_ups_due_are_listed_for_the_facilitator_of_the_village(officer, facilitator):
    programme = tp.programme(officer)
    here = f.person(name="Warga Sini")
    there = f.person(name="Warga Sana", hh=f.household(village="15.02.02.2004"))
    done = f.person(name="Warga Selesai")
    for p in (here, there, done):
        enrolment(programme, p, officer, on=dt.date(2025, 7, 20))
    survey(done, officer, programme=programme, round=c.Round.FOLLOW_UP, month=6, interview_date=dt.date(2026, 1, 20))

    due = selectors.followups_due(actor=facilitator, month=dt.date(2026, 1, 1))
    officer_view = selectors.followups_due(actor=officer, month=dt.date(2026, 1, 1), for_user=facilitator)

    assert [(d.person_id, d.round_month, d.due_on) for d in due] == [(here.pk, 6, dt.date(2026, 1, 20))]
    assert [d.person_id for d in officer_view] == [here.pk]
    assert selectors.followups_due(actor=facilitator, month=dt.date(2025, 12, 1)) == []


def test_the_person_page_lists_each_persons_own_surveys_for_every_role_that_may_read_them(
    officer, admin_user, facilitator, partner
):
    # An officer's and an admin's reads are compiled once (registry.access.sees_every_person) and run again with
    # each person's id; a facilitator's stay scoped per request. Each page links its own person's survey only.
    first = f.person(hh=f.household(village="15.02.01.2001"), name="Pertama")
    second = f.person(hh=f.household(village="15.02.01.2001"), name="Kedua")
    links = [reverse("outcomes:survey_detail", args=[survey(p, officer).pk]) for p in (first, second)]
    for user in (officer, admin_user, facilitator):
        client = client_for(user)
        pages = [client.get(reverse("registry:person_detail", args=[p.pk])).content.decode() for p in (first, second)]
        assert links[0] in pages[0] and links[1] not in pages[0], user.role
        assert links[1] in pages[1] and links[0] not in pages[1], user.role
    # Partner staff may not read these people's surveys (not in their programmes): their pages stay scoped.
    assert not access.people_with_outcomes_visible_to(partner).filter(pk=first.pk).exists()


def test_the_person_page_shows_partner_staff_the_surveys_of_their_own_participants_only(officer, admin_user, partner):
    # The officer's page first, so the regency-wide roles' compiled read exists when partner staff ask: a person the
    # partner's organisation registered but never enrolled is on their registry page without its survey; once the
    # person is enrolled in one of its programmes, the survey shows.
    registered = f.person(hh=f.household(registered_by_organisation=partner.organisation), name="Terdaftar Mitra")
    link = reverse("outcomes:survey_detail", args=[survey(registered, officer).pk])
    page = reverse("registry:person_detail", args=[registered.pk])
    for user in (officer, admin_user):
        assert link in client_for(user).get(page).content.decode(), user.role
    as_partner = client_for(partner)
    first = as_partner.get(page).content.decode()
    assert "Terdaftar Mitra" in first and link not in first
    enrolment(tp.programme(officer, organiser=f.organisation("Yayasan Lain")), registered, officer)
    assert link not in as_partner.get(page).content.decode()
    enrolment(tp.programme(officer, organiser=partner.organisation), registered, officer)
    assert link in as_partner.get(page).content.decode()
