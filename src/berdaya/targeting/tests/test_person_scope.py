"""Targeting under the registry's person scope (UU PDP): partner staff never meet, in a run of theirs or in a run
they view, a person who withdrew consent to sharing with partners; and they neither use nor read the results of the
criteria read from other household members (targeting.access.criteria_withheld). Officers see everyone; facilitators
keep their villages."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from berdaya.areas.models import Village
from berdaya.musdes import access as musdes_access
from berdaya.musdes import documents
from berdaya.musdes import selectors as musdes_selectors
from berdaya.musdes import services as musdes_services
from berdaya.programmes.models import Programme
from berdaya.registry import choices as rc
from berdaya.registry import services as registry_services
from berdaya.targeting import quality, selectors, services
from berdaya.targeting.models import Candidate, HouseholdWelfare, RuleSet, TargetingRun
from berdaya.testing import factories as f

VILLAGE = "15.02.01.2001"
WOMEN_POOR = {"op": "and", "items": [{"type": "sex", "value": "F"}, {"type": "decile", "max": 4}]}
FEMALE_HEADED_POOR = {"op": "and", "items": [{"type": "flag", "value": "female_headed"}, {"type": "decile", "max": 4}]}


def _woman(name, decile, *, org=None, village=VILLAGE):
    hh = f.household(village=village, registered_by_organisation=org)
    HouseholdWelfare.objects.create(household=hh, local_decile=decile)
    return f.person(hh=hh, name=name, sex=rc.Sex.FEMALE)  # the head: her household is female-headed


@pytest.fixture
def world(officer, partner):
    """Women the partner's organisation registered ("Dalam"), one of whom withdrew consent to sharing with partners
    ("Dalam Menarik", decile 1: first on any list), and one it did not register ("Luar")."""
    org = partner.organisation
    programme = Programme.objects.create(
        name="Usaha mikro perempuan",
        kind="field_school",
        organiser=org,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        capacity=10,
        created_by=officer,
        status="open",
    )
    withdrawn = _woman("Dalam Menarik", 1, org=org)
    registry_services.consent_withdraw(actor=officer, person=withdrawn, purpose=rc.ConsentPurpose.SHARING)
    inside = [_woman("Dalam Satu", 2, org=org), _woman("Dalam Dua", 3, org=org)]
    outside = _woman("Luar Satu", 2)
    return {"programme": programme, "withdrawn": withdrawn, "inside": inside, "outside": outside}


def _run(actor, programme, tree=WOMEN_POOR, **version):
    saved = services.ruleset_save(
        actor=actor, name="Perempuan miskin", programme_id=programme.pk, rules_tree=tree, capacity=10, **version
    )
    run = services.run_create(actor=actor, ruleset=saved.ruleset)
    services.run_execute(run=run)
    return TargetingRun.objects.get(pk=run.pk)


def _rule_form(**rows):
    data = {
        "name": "Aturan mitra",
        "root_op": "and",
        "near_miss_limit": "0",
        **{f"op_{g}": "or" for g in "ABC"},
        "c-INITIAL_FORMS": "0",
        "c-MIN_NUM_FORMS": "0",
        "c-MAX_NUM_FORMS": "60",
    }
    conditions = [("decile", {"max": "4"}), *rows.pop("conditions", [])]
    data["c-TOTAL_FORMS"] = str(len(conditions))
    for i, (kind, fields) in enumerate(conditions):
        data[f"c-{i}-kind"] = kind
        data.update({f"c-{i}-{k}": v for k, v in fields.items()})
    data.update(rows)
    return data


# --- the person scope -------------------------------------------------------------------------------------------


def test_a_partner_s_run_and_live_count_leave_out_a_person_who_withdrew_sharing_consent(partner, world, client):
    run = _run(partner, world["programme"])
    names = set(Candidate.objects.filter(run=run).values_list("person__full_name", flat=True))
    assert names == {"Dalam Satu", "Dalam Dua"}
    assert run.eligible_count == 2 and run.selected_count == 2
    assert services.count_matching(WOMEN_POOR, actor=partner) == 2
    client.force_login(partner)
    data = _rule_form(conditions=[("sex", {"value": "F"})])
    assert client.post(reverse("targeting:live_count"), data).context["count"] == 2


def test_a_partner_viewing_an_officer_s_run_does_not_meet_the_withdrawn_person(officer, partner, world, client):
    # given: an officer's regency-wide run for the partner's programme, which lists her first
    run = _run(officer, world["programme"])
    assert Candidate.objects.filter(run=run, person=world["withdrawn"], rank=1).exists()
    client.force_login(partner)
    # then: not on the run's page, in any tab, nor in its figures
    for status in ("", "final", "selected", "reserve", "near_miss", "excluded"):
        page = client.get(reverse("targeting:run_detail", args=[run.pk]), {"status": status})
        assert page.status_code == 200 and "Dalam Menarik" not in page.text
    counts = selectors.candidate_counts(run, viewer=partner)
    assert counts["eligible"] == 2 and counts["selected"] == 2 and counts["final"] == 2
    ranks = sorted(c.shown_rank for c in selectors.candidates(run, viewer=partner, status="selected"))
    assert ranks == [1, 2]  # no gap where she ranks first
    runs = client.get(reverse("targeting:index")).context["runs"]
    assert [(r.shown_eligible, r.shown_selected) for r in runs] == [(2, 2)]
    # nor in the candidate search's "already on the list", the review, the quality of the final list
    found = client.get(reverse("targeting:candidate_search", args=[run.pk]), {"q": "Dalam"})
    assert "Dalam Menarik" not in found.text
    hers = Candidate.objects.get(run=run, person=world["withdrawn"])
    url = reverse("targeting:candidate_review", args=[run.pk, hers.pk])
    assert client.post(url, {"action": "exclude", "reason": "x"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.candidate_exclude(actor=partner, candidate=hers, reason="x")
    final = quality.rule_quality(
        viewer=partner, tree=WOMEN_POOR, final_list=selectors.candidates(run, viewer=partner, status="final")
    )
    assert final.included == 2 and final.people == 2
    # nor in the village meeting's list
    meeting = musdes_services.meeting_plan(
        actor=officer, run=run, village=Village.objects.get(pk=VILLAGE), date=dt.date(2026, 3, 10), place="Balai Desa"
    )
    assert "Dalam Menarik" not in {c.person.full_name for c in musdes_access.meeting_candidates(partner, meeting)}
    with pytest.raises(PermissionDenied):  # the notice board is printed by those who prepare the meeting
        documents.notice_html(actor=partner, meeting=meeting)
    assert "Dalam Menarik" not in client.get(reverse("musdes:meeting_detail", args=[meeting.pk])).text
    # and approving a list that holds her is an officer's decision
    with pytest.raises(PermissionDenied):
        services.run_approve(actor=partner, run=run)


def test_an_officer_still_sees_everyone(officer, partner, world, client):
    run = _run(officer, world["programme"])
    client.force_login(officer)
    page = client.get(reverse("targeting:run_detail", args=[run.pk]), {"status": "selected"})
    assert "Dalam Menarik" in page.text and "Luar Satu" in page.text
    assert selectors.candidate_counts(run, viewer=officer)["selected"] == 4 == run.selected_count
    assert services.count_matching(WOMEN_POOR, actor=officer) == 4
    # a partner's run, seen by an officer, is the partner's people: she was never evaluated in it
    own = _run(partner, world["programme"])
    assert selectors.candidate_counts(own, viewer=officer)["selected"] == 2


def test_a_facilitator_still_sees_everyone_of_their_villages(officer, facilitator, world):
    # Facilitators do not target; they read a run's list through the village meeting, by village, whatever anyone
    # consented to share with partners.
    run = _run(officer, world["programme"])
    meeting = musdes_services.meeting_plan(
        actor=officer, run=run, village=Village.objects.get(pk=VILLAGE), date=dt.date(2026, 3, 10), place="Balai Desa"
    )
    names = {c.person.full_name for c in musdes_access.meeting_candidates(facilitator, meeting)}
    assert {"Dalam Menarik", "Dalam Satu", "Dalam Dua", "Luar Satu"} <= names
    text = documents.document_text(documents.notice_document(actor=facilitator, meeting=meeting))
    assert "Dalam Menarik" in text


# --- criteria read from other household members ------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {"conditions": [("flag", {"value": "female_headed"})]},
        {"conditions": [("flag", {"value": "migrant_family"})]},
        {"conditions": [("household_size", {"max": "3"})]},
        {"priority_1": "female_headed"},
    ],
)
def test_a_partner_cannot_save_a_rule_on_criteria_read_from_other_members(partner, world, client, extra):
    client.force_login(partner)
    response = client.post(
        reverse("targeting:ruleset_create"), _rule_form(programme=str(world["programme"].pk), **extra)
    )
    assert response.status_code == 200
    assert response.context["form"].errors or any(response.context["formset"].errors)
    assert not RuleSet.objects.filter(name="Aturan mitra").exists()


@pytest.mark.parametrize(
    "version",
    [
        {"rules_tree": FEMALE_HEADED_POOR},
        {"rules_tree": {"op": "or", "items": [{"type": "household_size", "min": 5}, {"type": "sex", "value": "F"}]}},
        {"rules_tree": WOMEN_POOR, "priority": ["older", "female_headed"]},
        {"rules_tree": WOMEN_POOR, "quotas": {"minimums": {"female_headed": 30}}, "capacity": 10},
    ],
)
def test_the_service_refuses_a_partner_those_criteria_with_a_message(officer, partner, world, version):
    with pytest.raises(ValidationError) as refused:
        services.ruleset_save(actor=partner, name="Aturan mitra", programme_id=world["programme"].pk, **version)
    assert "dihitung dari anggota rumah tangga lain dan tidak tersedia bagi staf mitra" in str(refused.value)
    assert not RuleSet.objects.filter(name="Aturan mitra").exists()
    # an officer saves the same version
    services.ruleset_save(actor=officer, name="Aturan dinas", programme_id=world["programme"].pk, **version)


def test_the_rule_form_does_not_offer_a_partner_those_criteria(officer, partner, world, client):
    client.force_login(partner)
    page = client.get(reverse("targeting:ruleset_create")).text
    assert "Rumah tangga dikepalai perempuan lebih dulu" not in page
    assert 'name="min_female_headed"' not in page
    assert "tidak tersedia bagi staf mitra" in page
    row = client.get(reverse("targeting:condition_row"), {"index": "0", "redraw": "1", "c-0-kind": "flag"})
    assert "Rumah tangga dikepalai perempuan" not in row.text and "Tanpa dokumen kependudukan" in row.text
    row = client.get(reverse("targeting:condition_row"), {"index": "0"})
    assert "Jumlah anggota rumah tangga" not in row.text
    refused = client.post(
        reverse("targeting:live_count"), _rule_form(conditions=[("flag", {"value": "female_headed"})])
    )
    assert "count" not in refused.context and "dihitung dari anggota rumah tangga lain" in refused.text
    with pytest.raises(ValidationError):
        services.count_matching(FEMALE_HEADED_POOR, actor=partner)
    # officers keep them
    client.force_login(officer)
    page = client.get(reverse("targeting:ruleset_create")).text
    assert "Rumah tangga dikepalai perempuan lebih dulu" in page and 'name="min_female_headed"' in page
    assert services.count_matching(FEMALE_HEADED_POOR, actor=officer) == 4


@pytest.mark.parametrize(
    "version",
    [
        {"tree": FEMALE_HEADED_POOR},
        {"priority": ["female_headed"]},
        {"quotas": {"minimums": {"female_headed": 50}}},
    ],
)
def test_a_run_on_those_criteria_shows_a_partner_nothing_of_its_list(officer, partner, world, client, version):
    # given: an officer's run for the partner's programme that reads the female-headed flag
    run = _run(officer, world["programme"], **version)
    assert Candidate.objects.filter(run=run, person=world["inside"][0]).exists()
    client.force_login(partner)
    page = client.get(reverse("targeting:run_detail", args=[run.pk]), {"status": ""})
    # then: no candidate, no count, no reason; a note that depends on the rule alone
    assert page.status_code == 200 and "Dalam Satu" not in page.text
    assert "hanya ditampilkan kepada petugas dinas" in page.text
    assert not any(selectors.candidate_counts(run, viewer=partner).values())
    assert [(r.shown_eligible, r.shown_selected) for r in client.get(reverse("targeting:index")).context["runs"]] == [
        (0, 0)
    ]
    found = client.get(reverse("targeting:candidate_search", args=[run.pk]), {"q": "Dalam Satu"})
    assert "Dalam Satu" in found.text and "sudah ada di daftar" not in found.text
    assert "dihitung dari anggota rumah tangga lain" in client.get(reverse("targeting:run_quality", args=[run.pk])).text
    # nor in its village meeting, where a decision about her would tell she was on the list
    meeting = musdes_services.meeting_plan(
        actor=officer, run=run, village=Village.objects.get(pk=VILLAGE), date=dt.date(2026, 3, 10), place="Balai Desa"
    )
    musdes_services.decision_set(
        actor=officer, meeting=meeting, person=world["inside"][0], decision="removed", reason="pindah"
    )
    assert not musdes_access.meeting_candidates(partner, meeting).exists()
    assert not musdes_selectors.decisions(actor=partner, meeting=meeting).exists()
    assert musdes_selectors.decisions(actor=officer, meeting=meeting).count() == 1
    assert "Dalam Satu" not in client.get(reverse("musdes:meeting_detail", args=[meeting.pk])).text
    with pytest.raises(PermissionDenied):
        services.candidate_add(actor=partner, run=run, person=world["inside"][1], reason="x")
    with pytest.raises(PermissionDenied):
        services.run_approve(actor=partner, run=run)
    # nor may they run it again themselves
    TargetingRun.objects.filter(pk=run.pk).update(status="approved")
    with pytest.raises(ValidationError):
        services.run_create(actor=partner, ruleset=run.ruleset)
    # the officer reads the list as it is
    client.force_login(officer)
    assert "Dalam Satu" in client.get(reverse("targeting:run_detail", args=[run.pk]), {"status": ""}).text


def test_the_quality_page_gives_a_partner_no_coverage_of_those_flags(officer, partner, world):
    figures = quality.rule_quality(viewer=partner, tree=WOMEN_POOR)
    codes = {g.code for g in figures.groups}
    assert "female_headed" not in codes and "migrant_family" not in codes and "no_nik" in codes
    assert "female_headed" in {g.code for g in quality.rule_quality(viewer=officer, tree=WOMEN_POOR).groups}
    with pytest.raises(ValueError, match="anggota rumah tangga lain"):
        quality.rule_quality(viewer=partner, tree=FEMALE_HEADED_POOR)
