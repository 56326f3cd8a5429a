"""Outcome figures under the registry's person scope (UU PDP): partner staff read every other participant's surveys
and graduation person by person, with exact counts, so the figures shown to them (survey counts, the impact
estimate in both comparisons, the graduation rate) leave out whoever withdrew consent to sharing with partners; a
figure that still counted her would give hers back by difference. Officers and viewers read the regency's figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from berdaya.outcomes import access, impact, selectors
from berdaya.outcomes import choices as c
from berdaya.outcomes.models import Graduation
from berdaya.registry import choices as rc
from berdaya.registry import services as registry_services
from berdaya.targeting import services as targeting
from berdaya.targeting.models import HouseholdWelfare
from berdaya.testing import factories as f
from berdaya.testing import programmes as tp
from berdaya.testing.clients import client_for

from .helpers import enrolment, survey

pytestmark = pytest.mark.django_db


def _surveyed(person, actor, programme=None):
    survey(person, actor, programme=programme, income_farming=1_000_000)
    survey(
        person,
        actor,
        programme=programme,
        round=c.Round.FOLLOW_UP,
        month=6,
        interview_date=dt.date(2025, 7, 15),
        income_farming=1_500_000,
    )


def _withdraw(officer, person):
    registry_services.consent_withdraw(
        actor=officer, person=person, purpose=rc.ConsentPurpose.SHARING, on=dt.date.today() - dt.timedelta(days=1)
    )


@pytest.fixture
def world(officer, partner):
    """The partner's programme: three surveyed participants, one of whom ("Siti Menarik", in Rina's household)
    withdrew consent to sharing with partners and had graduated; two surveyed poor non-participants, one of whom
    withdrew too."""
    programme = tp.programme(officer, organiser=partner.organisation)
    rina = f.person(name="Rina Peserta")
    withdrawn = f.person(name="Siti Menarik", hh=rina.household, relationship=rc.Relationship.SPOUSE)
    participants = [rina, withdrawn, f.person(name="Ani Peserta")]
    for person in participants:
        _surveyed(person, officer, programme)
        enrolled = enrolment(programme, person, officer)
        if person is withdrawn:
            Graduation.objects.create(enrolment=enrolled, graduated_on=dt.date(2025, 8, 1), checked_on=dt.date.today())
    others = [f.person(name="Bukan Peserta Satu"), f.person(name="Bukan Peserta Menarik")]
    for person in others:
        HouseholdWelfare.objects.create(household=person.household, local_decile=2)
        _surveyed(person, officer)
    _withdraw(officer, withdrawn)
    _withdraw(officer, others[1])
    return {"programme": programme, "rina": rina, "withdrawn": withdrawn}


def _impact_page(user, programme, comparison):
    url = reverse("outcomes:impact", args=[programme.pk])
    return client_for(user).get(url, {"outcome": "income_farming", "comparison": comparison}).content.decode()


def test_the_impact_estimate_shown_to_partner_staff_leaves_her_out(officer, partner, viewer, world):
    programme = world["programme"]
    shown = "Peserta dengan data awal dan tindak lanjut: {p}; calon pembanding: {c}."
    assert shown.format(p=3, c=2) in _impact_page(officer, programme, "matched")
    assert shown.format(p=2, c=1) in _impact_page(partner, programme, "matched")
    # The regency's figure is cached for everyone else; the partner's is its own (asked after the officer's).
    assert shown.format(p="&lt;5", c="&lt;5") in _impact_page(viewer, programme, "matched")
    result = impact.cached_estimate(programme, "income_farming", "matched", access.SHARING_ONLY)
    assert result is not None and result.n_participants_surveyed == 2


def test_the_eligible_comparison_reads_the_candidates_less_withdrawals_for_partner_staff(officer, partner, world):
    programme = world["programme"]
    poor = {"op": "and", "items": [{"type": "decile", "max": 4}]}
    version = targeting.ruleset_save(actor=officer, name="Miskin", programme_id=programme.pk, rules_tree=poor)
    run = targeting.run_create(actor=officer, ruleset=version.ruleset)
    targeting.run_execute(run=run)
    shown = "Peserta dengan data awal dan tindak lanjut: {p}; calon pembanding: {c}."
    assert shown.format(p=3, c=2) in _impact_page(officer, programme, "eligible")
    assert shown.format(p=2, c=1) in _impact_page(partner, programme, "eligible")


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}})
def test_a_background_estimate_for_partner_staff_carries_their_scope(
    client, officer, partner, world, monkeypatch, django_capture_on_commit_callbacks
):
    from berdaya.jobs.models import Job

    monkeypatch.setattr(impact, "INLINE_MAX_SURVEYS", 0)
    client.force_login(partner)
    url = reverse("outcomes:impact", args=[world["programme"].pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.get(url, {"outcome": "income_farming", "comparison": "matched"})
    job = Job.objects.get(kind="outcomes.impact")
    assert job.params["scope"] == access.SHARING_ONLY and job.status == "succeeded", job.error
    page = client.get(url, {"outcome": "income_farming", "comparison": "matched"}).content.decode()
    assert "Peserta dengan data awal dan tindak lanjut: 2;" in page


def test_the_graduation_rate_and_survey_counts_leave_her_out_for_partner_staff(officer, partner, world):
    programme = world["programme"]
    url = reverse("outcomes:graduation", args=[programme.pk])
    assert "(1 / 3)" in client_for(officer).get(url).content.decode()
    page = client_for(partner).get(url).content.decode()
    assert "(0 / 2)" in page and "Siti Menarik" not in page and "Rina Peserta" in page
    counts = {row["pk"]: row for row in selectors.programme_overview(actor=partner)}
    assert (counts[programme.pk]["baselines"], counts[programme.pk]["follow_ups"]) == (2, 2)
    counts = {row["pk"]: row for row in selectors.programme_overview(actor=officer)}
    assert (counts[programme.pk]["baselines"], counts[programme.pk]["follow_ups"]) == (3, 3)


def test_the_survey_form_does_not_count_her_household_for_partner_staff(officer, partner, world):
    url = reverse("outcomes:survey_create", args=[world["rina"].pk])
    assert client_for(officer).get(url).context["form"].initial["household_size"] == 2
    # The members the partner sees would be one short of the household: the number is left to the interview.
    assert client_for(partner).get(url).context["form"].initial["household_size"] is None


def test_a_running_estimate_is_shared_within_a_scope_only(officer, partner, world):
    from berdaya.outcomes import services

    def start(user):
        scope = access.aggregate_scope(user)
        return services.impact_start(
            actor=user, programme=world["programme"], outcome="savings", comparison="matched", scope=scope
        )

    regency, regency_again = start(officer), start(officer)
    theirs, theirs_again = start(partner), start(partner)
    assert regency.pk == regency_again.pk and theirs.pk == theirs_again.pk and regency.pk != theirs.pk
    assert "scope" not in regency.params and theirs.params["scope"] == access.SHARING_ONLY
