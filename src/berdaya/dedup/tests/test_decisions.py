"""Decisions on pairs after the hostile review: "different" takes the right to merge (partner staff may not take a
pair out of the district office's queue), a decision can be revoked (and the pair comes back), unknown decisions are
refused, undoing a merge needs a reason, one registry run at a time, and the small page fixes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from berdaya.accounts.models import User
from berdaya.core.models import AuditEvent
from berdaya.dedup import review, services
from berdaya.dedup.models import DedupRun, MatchPair, PairDecision
from berdaya.registry import choices as c
from berdaya.registry.matching import ScopedMatches
from berdaya.registry.models import PersonMerge
from berdaya.testing import factories as f
from berdaya.testing.clients import client_for

VILLAGE = "15.02.01.2001"
OTHER_VILLAGE = "15.02.01.2002"


def pair_of(village: str = VILLAGE, org=None) -> MatchPair:
    extra = {"registered_by_organisation": org} if org is not None else {}
    a = f.person(name="Hermawan", sex=c.Sex.MALE, hh=f.household(village=village, **extra))
    b = f.person(name="Wawan", sex=c.Sex.MALE, hh=f.household(village=village, **extra))
    run = DedupRun.objects.filter(status=DedupRun.Status.SUCCEEDED).first() or DedupRun.objects.create(
        status=DedupRun.Status.SUCCEEDED
    )
    low, high = sorted([a, b], key=lambda p: p.pk)
    return MatchPair.objects.create(
        run=run, person_low=low, person_high=high, match_probability=0.97, match_weight=8.1, explanation=[]
    )


def decide(pair: MatchPair, user: User, **data: str):
    return client_for(user).post(reverse("dedup:pair_decide", args=[pair.pk]), data, follow=True)


def in_queue(pair: MatchPair, user: User) -> bool:
    return reverse("dedup:pair_detail", args=[pair.pk]) in client_for(user).get(reverse("dedup:queue")).content.decode()


# 1. Partner staff may not mark "different" (nor see the buttons)


def test_partner_staff_may_not_mark_a_pair_different(areas, partner, officer):
    pair = pair_of(org=partner.organisation)
    # The partner sees the pair (its organisation registered both households)...
    page = client_for(partner).get(reverse("dedup:pair_detail", args=[pair.pk])).content.decode()
    # ...but is offered neither button, only a neutral note.
    assert 'value="different"' not in page and 'value="same"' not in page
    assert "Keputusan atas pasangan ini diambil petugas kabupaten atau pendamping desa." in page
    text = decide(pair, partner, decision="different", reason="bukan").content.decode()
    assert not PairDecision.objects.exists()
    assert "Hanya petugas kabupaten atau pendamping" in text
    assert "tandai pasangan" not in text
    assert in_queue(pair, officer)  # still in the district office's queue
    with pytest.raises(PermissionDenied):
        review.pair_mark_different(actor=partner, pair=pair)
    with pytest.raises(PermissionDenied):
        services.pair_decide(actor=partner, person_a=pair.person_low, person_b=pair.person_high, decision="different")
    assert not PairDecision.objects.exists()


def test_an_officer_still_marks_different_and_sees_the_buttons(areas, officer):
    pair = pair_of()
    page = client_for(officer).get(reverse("dedup:pair_detail", args=[pair.pk])).content.decode()
    assert 'value="different"' in page and 'value="same"' in page
    decide(pair, officer, decision="different", reason="Kakak adik")
    assert PairDecision.objects.get().decision == "different"


def test_the_refusal_is_translated_without_promising_a_flag(areas, partner):
    from berdaya.registry.services import ensure_may_merge

    with translation.override("en"), pytest.raises(PermissionDenied) as exc:
        ensure_may_merge(partner, [])
    assert "Only regency officers or facilitators" in str(exc.value) and "flag" not in str(exc.value)


# 2. Revoking a "different" decision


def test_a_decided_pair_says_so_and_can_be_revoked_back_into_the_queue(areas, officer):
    pair = pair_of()
    decide(pair, officer, decision="different", reason="Kakak adik")
    assert not in_queue(pair, officer)
    client = client_for(officer)
    page = client.get(reverse("dedup:pair_detail", args=[pair.pk])).content.decode()
    assert "Pasangan ini sudah diputuskan" in page and "Kakak adik" in page and str(officer) in page
    assert 'value="different"' not in page and 'value="same"' not in page
    decision = PairDecision.objects.get()
    assert reverse("dedup:decision_revoke", args=[decision.pk]) in page
    # listed among the decisions
    listed = client.get(reverse("dedup:decision_list")).content.decode()
    assert reverse("dedup:decision_revoke", args=[decision.pk]) in listed and "Hermawan" in listed
    # a reason is required
    client.post(reverse("dedup:decision_revoke", args=[decision.pk]), {"reason": "  "})
    assert PairDecision.objects.exists()
    client.post(reverse("dedup:decision_revoke", args=[decision.pk]), {"reason": "x" * 301})
    assert PairDecision.objects.exists()
    client.post(reverse("dedup:decision_revoke", args=[decision.pk]), {"reason": "Ternyata orang yang sama"})
    assert not PairDecision.objects.exists()
    assert in_queue(pair, officer)
    event = AuditEvent.objects.get(detail__event="pair_decision_revoke")
    assert event.actor_id == officer.pk and event.detail["low"] == pair.person_low_id


def test_partner_and_another_villages_facilitator_neither_see_nor_revoke(areas, officer, partner):
    pair = pair_of(org=partner.organisation)
    decide(pair, officer, decision="different", reason="Kakak adik")
    decision = PairDecision.objects.get()
    revoke = reverse("dedup:decision_revoke", args=[decision.pk])
    elsewhere = f.user(User.Role.FACILITATOR, villages=[OTHER_VILLAGE])
    for user in (partner, elsewhere):
        client = client_for(user)
        assert revoke not in client.get(reverse("dedup:decision_list")).content.decode()
        assert client.post(revoke, {"reason": "coba"}).status_code == 404
        assert PairDecision.objects.exists()
    # the partner sees the pair page, told it was decided, but not who decided what and why, nor the form
    page = client_for(partner).get(reverse("dedup:pair_detail", args=[pair.pk])).content.decode()
    assert "Pasangan ini sudah diputuskan" in page and "Kakak adik" not in page and revoke not in page
    assert client_for(elsewhere).get(reverse("dedup:pair_detail", args=[pair.pk])).status_code == 404
    # the village's own facilitator may
    mine = f.user(User.Role.FACILITATOR, villages=[VILLAGE])
    client_for(mine).post(revoke, {"reason": "Ternyata sama"})
    assert not PairDecision.objects.exists()


def test_a_same_decision_is_not_revoked_here(areas, officer):
    pair = pair_of()
    decision = PairDecision.objects.create(
        person_low=pair.person_low, person_high=pair.person_high, decision="same", actor=officer
    )
    with pytest.raises(ValidationError, match="pembatalan penggabungannya"):
        review.decision_revoke(actor=officer, decision=decision, reason="coba")
    assert PairDecision.objects.exists()


def test_after_a_revoke_the_next_run_proposes_the_pair_again(labelled_registry, officer):
    from berdaya.dedup.tests.test_runs import run_now

    run, _job = run_now(officer)
    pair = MatchPair.objects.filter(run=run).order_by("-match_probability").first()
    assert pair is not None
    review.pair_mark_different(actor=officer, pair=pair, reason="beda")
    again, _job = run_now(officer)
    key = {"person_low_id": pair.person_low_id, "person_high_id": pair.person_high_id}
    assert not MatchPair.objects.filter(run=again, **key).exists()
    review.decision_revoke(actor=officer, decision=PairDecision.objects.get(), reason="Ternyata sama")
    third, _job = run_now(officer)
    assert MatchPair.objects.filter(run=third, **key).exists()


# 3. Unknown decisions


@pytest.mark.parametrize("data", [{"decision": "bogus"}, {}, {"decision": ""}])
def test_an_unknown_or_missing_decision_is_refused(areas, officer, data):
    pair = pair_of()
    text = decide(pair, officer, reason="x", **data).content.decode()
    assert "Keputusan tidak dikenal" in text
    assert not PairDecision.objects.exists() and not PersonMerge.objects.exists()


# 4. Undoing a merge needs a reason


def test_undoing_a_merge_needs_a_reason(areas, officer):
    pair = pair_of()
    decide(pair, officer, decision="same", survivor=str(pair.person_high_id), reason="KTP sama")
    record = PersonMerge.objects.get()
    client = client_for(officer)
    text = client.post(reverse("dedup:merge_undo", args=[record.pk]), {"reason": " "}, follow=True).content.decode()
    assert "Tuliskan alasan pembatalan penggabungan." in text
    record.refresh_from_db()
    assert record.undone_at is None
    client.post(reverse("dedup:merge_undo", args=[record.pk]), {"reason": "Salah pilih"})
    record.refresh_from_db()
    assert record.undone_at is not None and record.undo_reason == "Salah pilih"


# 5. One registry run at a time


def test_a_second_registry_run_is_refused_while_one_waits_or_runs(areas, officer, monkeypatch):
    from django.db import transaction

    with transaction.atomic():
        first = services.dedup_run_start(actor=officer)
    client = client_for(officer)
    text = client.post(reverse("dedup:run_start"), follow=True).content.decode()
    assert "sudah menunggu atau berjalan" in text
    assert DedupRun.objects.count() == 1
    DedupRun.objects.filter(pk=first.pk).update(status=DedupRun.Status.RUNNING)
    with pytest.raises(ValidationError, match="sudah menunggu atau berjalan"):
        services.dedup_run_create(actor=officer)
    # the check passed by two requests at once: the constraint refuses the second
    monkeypatch.setattr(DedupRun.objects, "filter", lambda *a, **k: DedupRun.objects.none(), raising=False)
    with pytest.raises(ValidationError, match="sudah menunggu atau berjalan"):
        services.dedup_run_create(actor=officer)
    monkeypatch.undo()
    assert DedupRun.objects.count() == 1
    DedupRun.objects.filter(pk=first.pk).update(status=DedupRun.Status.SUCCEEDED)
    assert services.dedup_run_create(actor=officer).status == DedupRun.Status.QUEUED


def test_the_command_refuses_too(areas, officer):
    from django.core.management import CommandError, call_command

    DedupRun.objects.create(status=DedupRun.Status.RUNNING)
    with pytest.raises(CommandError, match="sudah menunggu atau berjalan"):
        call_command("dedup", "run", "--quiet", "--user", officer.username)


# 6. Small things


def test_the_empty_queue_says_so_once(areas, officer):
    page = client_for(officer).get(reverse("dedup:queue")).content.decode()
    assert page.count("Tidak ada pasangan yang perlu ditinjau.") == 1
    assert "Tidak ada data." not in page


@pytest.mark.parametrize(("n", "word"), [(1, "(1 record)."), (2, "(2 records).")])
def test_the_hidden_match_count_is_pluralised_in_english(n, word):
    from berdaya.registry.matching import Candidate

    matches = ScopedMatches(hidden=[Candidate(person_id=i, reasons=()) for i in range(n)])
    with translation.override("en"):
        assert word in matches.elsewhere
    with translation.override("id"):
        assert f"({n} data)" in matches.elsewhere


# The second review's findings


def test_a_different_decisions_reason_over_300_characters_is_refused_not_cut(areas, officer):
    pair = pair_of()
    text = decide(pair, officer, decision="different", reason="x" * 301).content.decode()
    assert not PairDecision.objects.exists()
    assert "Alasan paling banyak 300 karakter (tertulis 301)." in text
    decide(pair, officer, decision="different", reason="y" * 300)
    assert PairDecision.objects.get().reason == "y" * 300
    other = pair_of()
    decide(other, officer, decision="different")  # a reason stays optional for "different"
    assert PairDecision.objects.count() == 2


def test_the_merge_history_offers_undo_only_to_who_may_undo(areas, officer, partner):
    pair = pair_of(org=partner.organisation)
    decide(pair, officer, decision="same", survivor=str(pair.person_high_id), reason="KTP sama")
    record = PersonMerge.objects.get()
    undo = reverse("dedup:merge_undo", args=[record.pk])
    assert undo in client_for(officer).get(reverse("dedup:merge_list")).content.decode()
    page = client_for(partner).get(reverse("dedup:merge_list")).content.decode()
    assert f"#{record.merged_id}" in page  # the partner sees the merge...
    assert undo not in page  # ...but no undo form it could not use
