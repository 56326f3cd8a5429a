"""Targeting respects scope (issue 13, item 1): a partner's run covers the people that partner may see; every list,
count and review of a run is filtered by the viewer's scope, whoever started the run."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import reverse

from berdaya.programmes.models import Programme
from berdaya.registry import choices as rc
from berdaya.targeting import services
from berdaya.targeting.models import Candidate, HouseholdWelfare, RuleSet, TargetingRun
from berdaya.testing import factories as f

WOMEN_POOR = {"op": "and", "items": [{"type": "sex", "value": "F"}, {"type": "decile", "max": 4}]}


def _woman(name, decile, *, org=None, with_nik=True, village="15.02.01.2001"):
    hh = f.household(village=village, registered_by_organisation=org)
    HouseholdWelfare.objects.create(household=hh, local_decile=decile)
    return f.person(hh=hh, name=name, sex=rc.Sex.FEMALE, with_nik=with_nik)


@pytest.fixture
def world(officer, partner):
    """Three women the partner's organisation registered ("Dalam") and three it did not ("Luar"): in each group one
    is selected, one in reserve (capacity), one a near miss (decile 8)."""
    org = partner.organisation
    programme = Programme.objects.create(
        name="Usaha mikro perempuan",
        kind="field_school",
        organiser=org,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        capacity=2,
        created_by=officer,
        status="open",
    )
    inside = [_woman("Dalam Satu", 1, org=org), _woman("Dalam Dua", 3, org=org), _woman("Dalam Tiga", 8, org=org)]
    outside = [_woman("Luar Satu", 2), _woman("Luar Dua", 4, village="15.02.02.2004"), _woman("Luar Tiga", 9)]
    return {"programme": programme, "inside": inside, "outside": outside}


def _run(actor, programme, tree=WOMEN_POOR, capacity=2):
    version = services.ruleset_save(
        actor=actor, name="Perempuan miskin", programme_id=programme.pk, rules_tree=tree, capacity=capacity
    )
    run = services.run_create(actor=actor, ruleset=version.ruleset)
    services.run_execute(run=run)
    return TargetingRun.objects.get(pk=run.pk)


def test_an_officer_run_lists_everyone_to_the_officer(officer, world):
    run = _run(officer, world["programme"])
    names = set(Candidate.objects.filter(run=run).values_list("person__full_name", flat=True))
    assert {"Luar Satu", "Luar Dua", "Luar Tiga", "Dalam Satu", "Dalam Dua", "Dalam Tiga"} <= names
    assert run.eligible_count == 4


@pytest.mark.parametrize("status", ["selected", "reserve", "near_miss", "final", "excluded", ""])
def test_a_partner_sees_only_their_people_in_an_officer_run(officer, partner, world, client, status):
    run = _run(officer, world["programme"], capacity=1)
    client.force_login(partner)
    response = client.get(reverse("targeting:run_detail", args=[run.pk]), {"status": status})
    assert response.status_code == 200
    assert "Luar" not in response.text
    counts = response.context["counts"]
    # The partner's figures are those of their own people (2 eligible, 1 near miss), not the regency's (4 and 2).
    assert counts["eligible"] == 2 and counts["near_miss"] == 1
    shown = {c.person.full_name for c in response.context["page"].items}
    expected = {
        "selected": {"Dalam Satu"},
        "reserve": {"Dalam Dua"},
        "near_miss": {"Dalam Tiga"},
        "final": {"Dalam Satu"}
        if Candidate.objects.get(run=run, person=world["inside"][0]).status == "selected"
        else set(),
        "excluded": set(),
        "": {"Dalam Satu", "Dalam Dua", "Dalam Tiga"},
    }[status]
    assert shown == expected


def test_the_run_tables_count_only_what_the_viewer_may_see(officer, partner, world, client):
    run = _run(officer, world["programme"])
    client.force_login(partner)
    for url in (reverse("targeting:index"), reverse("targeting:ruleset_detail", args=[run.ruleset_id])):
        runs = client.get(url).context["runs"]
        assert [(r.shown_eligible, r.shown_selected) for r in runs] == [(2, 1)]
    client.force_login(officer)
    runs = client.get(reverse("targeting:index")).context["runs"]
    assert [(r.shown_eligible, r.shown_selected) for r in runs] == [(4, 2)]


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}})
def test_a_partner_run_with_any_criterion_covers_only_their_people(
    partner, world, client, django_capture_on_commit_callbacks
):
    # People without a NIK inside and outside the partner's scope: the criterion that was a regency-wide search.
    _woman("Dalam Tanpa NIK", 2, org=partner.organisation, with_nik=False)
    _woman("Luar Tanpa NIK", 2, with_nik=False)
    client.force_login(partner)
    data = {
        "name": "Tanpa dokumen",
        "programme": str(world["programme"].pk),
        "root_op": "and",
        "near_miss_limit": "50",
        "op_A": "or",
        "op_B": "or",
        "op_C": "or",
        "c-TOTAL_FORMS": "1",
        "c-INITIAL_FORMS": "0",
        "c-MIN_NUM_FORMS": "0",
        "c-MAX_NUM_FORMS": "60",
        "c-0-kind": "flag",
        "c-0-value": "no_nik",
    }
    assert client.post(reverse("targeting:ruleset_create"), data).status_code == 302
    ruleset = RuleSet.objects.get(name="Tanpa dokumen")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("targeting:run_start", args=[ruleset.pk]))
    run = TargetingRun.objects.get(ruleset=ruleset)
    assert run.status == "succeeded" and run.eligible_count == 1
    assert list(Candidate.objects.filter(run=run).values_list("person__full_name", flat=True)) == ["Dalam Tanpa NIK"]
    for status in ("selected", "reserve", "near_miss", ""):
        page = client.get(response.url, {"status": status})
        assert "Luar Tanpa NIK" not in page.text


def test_the_live_count_counts_only_what_a_partner_may_see(officer, partner, world, client):
    data = {
        "name": "x",
        "root_op": "and",
        "near_miss_limit": "0",
        "op_A": "or",
        "op_B": "or",
        "op_C": "or",
        "c-TOTAL_FORMS": "2",
        "c-INITIAL_FORMS": "0",
        "c-MIN_NUM_FORMS": "0",
        "c-MAX_NUM_FORMS": "60",
        "c-0-kind": "sex",
        "c-0-value": "F",
        "c-1-kind": "decile",
        "c-1-max": "4",
    }
    client.force_login(officer)
    assert client.post(reverse("targeting:live_count"), data).context["count"] == 4
    client.force_login(partner)
    # Not an oracle over the regency: the count is over the partner's own people only (Luar Satu and Luar Dua are
    # not counted), so narrowing the criteria cannot reveal who lives where.
    assert client.post(reverse("targeting:live_count"), data).context["count"] == 2
    data.update({"c-2-kind": "district", "c-2-value": "15.02.02", "c-TOTAL_FORMS": "3"})
    assert client.post(reverse("targeting:live_count"), data).context["count"] == 0


def test_a_partner_cannot_review_or_approve_people_outside_their_scope(officer, partner, world, client):
    run = _run(officer, world["programme"])
    outsider = Candidate.objects.get(run=run, person=world["outside"][0])
    client.force_login(partner)
    url = reverse("targeting:candidate_review", args=[run.pk, outsider.pk])
    assert client.post(url, {"action": "exclude", "reason": "x"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.candidate_exclude(actor=partner, candidate=outsider, reason="x")
    with pytest.raises(PermissionDenied):
        services.run_approve(actor=partner, run=run)
    assert TargetingRun.objects.get(pk=run.pk).status == "succeeded"
    # A list wholly inside the partner's scope is theirs to approve.
    own = _run(partner, world["programme"])
    assert services.run_approve(actor=partner, run=own)["approved"] == 2


def test_the_review_log_names_only_people_the_viewer_may_see(officer, partner, world, client):
    run = _run(officer, world["programme"])
    outsider = Candidate.objects.get(run=run, person=world["outside"][0])
    services.candidate_exclude(actor=officer, candidate=outsider, reason="pindah")
    client.force_login(partner)
    page = client.get(reverse("targeting:run_detail", args=[run.pk]))
    assert "Luar Satu" not in page.text


def test_facilitators_and_viewers_do_not_target(officer, facilitator, viewer, world, client):
    run = _run(officer, world["programme"])
    for user in (facilitator, viewer):
        client.force_login(user)
        assert client.post(reverse("targeting:live_count"), {"name": "x"}).status_code == 403
        assert client.get(reverse("targeting:run_detail", args=[run.pk])).status_code == 403
        with pytest.raises(PermissionDenied):
            services.count_matching(WOMEN_POOR, actor=user)


def test_a_partner_reads_ranks_among_their_own_people_not_the_run_s(officer, partner, world, client):
    # given: an officer's run ranks the six women regency-wide; "Luar" ones sit between the partner's
    run = _run(officer, world["programme"], capacity=4)
    client.force_login(partner)
    ranks = {}
    for status in ("selected", "reserve"):
        for cand in (
            client.get(reverse("targeting:run_detail", args=[run.pk]), {"status": status}).context["page"].items
        ):
            ranks[cand.person.full_name] = cand.shown_rank
    # then: the partner's eligible people read 1, 2, … with no gap where a hidden person ranks between them
    assert sorted(ranks.values()) == list(range(1, len(ranks) + 1)) and len(ranks) >= 2
    run_ranks = Candidate.objects.filter(run=run, person__full_name__in=ranks).values_list("rank", flat=True)
    assert sorted(run_ranks) != sorted(ranks.values())  # the run's own ranks had gaps: the test bites
    client.force_login(officer)
    page = client.get(reverse("targeting:run_detail", args=[run.pk]), {"status": "selected"}).context["page"].items
    assert all(c.shown_rank == c.rank for c in page)


def test_the_rule_set_form_offers_a_partner_only_their_groups_and_programmes(officer, partner, world, client):
    from berdaya.registry.models import Group, GroupMembership

    inside = f.group(name="Kelompok Dalam")
    GroupMembership.objects.create(group=inside, person=world["inside"][0])
    outside = f.group(name="Kelompok Luar")
    GroupMembership.objects.create(group=outside, person=world["outside"][0])
    other = Programme.objects.create(
        name="Program Organisasi Lain",
        kind="field_school",
        organiser=f.organisation("Koperasi Lain"),
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        capacity=10,
        created_by=officer,
        status="open",
    )
    client.force_login(partner)
    page = client.get(reverse("targeting:ruleset_create")).text
    assert world["programme"].name in page and other.name not in page
    row = client.get(reverse("targeting:condition_row"), {"index": "0", "redraw": "1", "c-0-kind": "group"}).text
    assert "Kelompok Dalam" in row and "Kelompok Luar" not in row
    # a crafted post with a group outside the partner's scope is refused, as is another organisation's programme
    data = {
        "name": "Kelompok",
        "programme": str(other.pk),
        "root_op": "and",
        "near_miss_limit": "50",
        **{f"op_{g}": "or" for g in "ABC"},
        "c-TOTAL_FORMS": "1",
        "c-INITIAL_FORMS": "0",
        "c-MIN_NUM_FORMS": "0",
        "c-MAX_NUM_FORMS": "60",
        "c-0-kind": "group",
        "c-0-value": str(outside.pk),
    }
    response = client.post(reverse("targeting:ruleset_create"), data)
    assert response.status_code == 200 and not RuleSet.objects.filter(name="Kelompok").exists()
    assert Group.objects.filter(pk=outside.pk).exists()
    # an officer still has every group and programme
    client.force_login(officer)
    assert other.name in client.get(reverse("targeting:ruleset_create")).text
    row = client.get(reverse("targeting:condition_row"), {"index": "0", "redraw": "1", "c-0-kind": "group"}).text
    assert "Kelompok Luar" in row


def test_the_index_tells_a_partner_rules_run_over_the_people_they_may_see(officer, partner, client):
    client.force_login(partner)
    assert "seluruh registri sekaligus" not in client.get(reverse("targeting:index")).text
    client.force_login(officer)
    assert "seluruh registri sekaligus" in client.get(reverse("targeting:index")).text
