"""The review queue pages (/duplikat/): scoped pairs, side by side with masked identifiers, "same" merges,
"different" is remembered, merge history with undo."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from berdaya.accounts.models import User
from berdaya.dedup import review
from berdaya.dedup.models import DedupRun, MatchPair, PairDecision
from berdaya.registry import choices as c
from berdaya.registry.models import Person, PersonMerge
from berdaya.testing import factories as f
from berdaya.testing.clients import client_for

VILLAGE = f.AREAS["15.02.01"][1][0]
BANGKO = f.AREAS["15.02.02"][1][0]


def pair_of(village: str = VILLAGE, probability: float = 0.97) -> MatchPair:
    a = f.person(name="Hermawan", sex=c.Sex.MALE, hh=f.household(village=village), phone="081234500009")
    b = f.person(name="Wawan", sex=c.Sex.MALE, hh=f.household(village=village))
    run = DedupRun.objects.filter(status=DedupRun.Status.SUCCEEDED).first() or DedupRun.objects.create(
        status=DedupRun.Status.SUCCEEDED
    )
    low, high = sorted([a, b], key=lambda p: p.pk)
    return MatchPair.objects.create(
        run=run,
        person_low=low,
        person_high=high,
        match_probability=probability,
        match_weight=8.1,
        explanation=[{"field": "name", "label": "Nama panggilan cocok (Wawan ~ Hermawan)", "weight": 3.2}],
    )


def test_it_lists_pairs_above_the_threshold_in_scope(areas, settings):
    settings.BERDAYA = {**settings.BERDAYA, "DEDUP_REVIEW_THRESHOLD": 0.9}
    mine, low, theirs = pair_of(), pair_of(probability=0.5), pair_of(village=BANGKO)
    facilitator = f.user(User.Role.FACILITATOR, villages=[VILLAGE])
    page = client_for(facilitator).get(reverse("dedup:queue")).content.decode()
    assert reverse("dedup:pair_detail", args=[mine.pk]) in page
    assert reverse("dedup:pair_detail", args=[low.pk]) not in page
    assert reverse("dedup:pair_detail", args=[theirs.pk]) not in page
    assert client_for(facilitator).get(reverse("dedup:pair_detail", args=[theirs.pk])).status_code == 404
    # another organisation's partner sees neither
    partner = f.user(User.Role.PARTNER, org=f.organisation("LSM Lain"))
    assert client_for(partner).get(reverse("dedup:pair_detail", args=[mine.pk])).status_code == 404


def test_the_pair_page_shows_both_side_by_side_masked_with_reasons(areas, facilitator, viewer):
    pair = pair_of()
    page = client_for(f.user(User.Role.PARTNER, org=None)).get(reverse("dedup:pair_detail", args=[pair.pk]))
    assert page.status_code == 404  # outside the partner's organisation
    officer = f.user(User.Role.OFFICER)
    text = client_for(officer).get(reverse("dedup:pair_detail", args=[pair.pk])).content.decode()
    assert "Nama panggilan cocok" in text and "table-warning" in text
    assert "081234500009" in text or "+6281234500009" in text  # officers see identifiers
    assert client_for(viewer).get(reverse("dedup:queue")).status_code == 403


def test_a_reviewer_may_lower_the_bar_down_to_the_runs_own_threshold(areas, settings):
    """The queue shows pairs from the review threshold (0.9) by default; once those are decided, a reviewer may look
    at the less certain pairs the run stored (down to its threshold, 0.6), in scope as ever; another bar is refused
    by falling back to the default, and the pager keeps the bar chosen."""
    settings.BERDAYA = {**settings.BERDAYA, "DEDUP_REVIEW_THRESHOLD": 0.9, "PAGE_SIZE": 1}
    DedupRun.objects.create(status=DedupRun.Status.SUCCEEDED, threshold=0.6)
    sure, unsure, faint, theirs = (
        pair_of(),
        pair_of(probability=0.75),
        pair_of(probability=0.62),
        pair_of(village=BANGKO, probability=0.75),
    )
    facilitator = f.user(User.Role.FACILITATOR, villages=[VILLAGE])
    client = client_for(facilitator)
    queue = reverse("dedup:queue")

    def shown(query: str) -> set[int]:
        ids = set()
        for page in (1, 2, 3, 4):
            text = client.get(f"{queue}?{query}&page={page}").content.decode()
            ids |= {p.pk for p in (sure, unsure, faint, theirs) if reverse("dedup:pair_detail", args=[p.pk]) in text}
        return ids

    assert review.queue_thresholds(DedupRun.objects.get()) == [0.9, 0.8, 0.7, 0.6]
    assert shown("") == {sure.pk}
    assert shown("min=0.70") == {sure.pk, unsure.pk}
    assert shown("min=0.60") == {sure.pk, unsure.pk, faint.pk}  # never the pair of another village
    for bad in ("0.1", "0", "-1", "nan", "inf", "1e308", "abc", "0.65", ""):
        assert shown(f"min={bad}") == {sure.pk}, bad
    # The pager's links keep the bar: page 2 of the 0.6 queue is the second pair, not the default queue's.
    page_one = client.get(f"{queue}?min=0.60").content.decode()
    assert "min=0.60&amp;page=2" in page_one
    assert 'value="0.60" selected' in page_one


def test_each_reason_says_whether_it_speaks_for_or_against_or_neither(areas, officer):
    pair = pair_of()
    pair.explanation = [
        {"field": "name", "label": "Nama mirip", "weight": 3.2},
        {"field": "nik", "label": "NIK berbeda", "weight": -1.1},
        # A level the model learnt nothing from weighs 0 bits: it is neither for nor against.
        {"field": "household", "label": "KK dan orang tua berbeda", "weight": 0.01},
    ]
    pair.save()
    text = " ".join(client_for(officer).get(reverse("dedup:pair_detail", args=[pair.pk])).content.decode().split())
    assert 'Nama mirip <span class="text-muted small">(mendukung, bobot 3,2)' in text
    assert 'NIK berbeda <span class="text-muted small">(menentang, bobot -1,1)' in text
    assert 'KK dan orang tua berbeda <span class="text-muted small">(netral, bobot 0,0)' in text


def test_different_is_remembered_and_leaves_the_queue(areas, officer):
    pair = pair_of()
    client = client_for(officer)
    client.post(reverse("dedup:pair_decide", args=[pair.pk]), {"decision": "different", "reason": "Kakak adik"})
    assert PairDecision.objects.get().decision == "different"
    assert reverse("dedup:pair_detail", args=[pair.pk]) not in client.get(reverse("dedup:queue")).content.decode()


def test_same_merges_into_the_chosen_record_and_undo_brings_it_back(areas, officer):
    pair = pair_of()
    client = client_for(officer)
    response = client.post(
        reverse("dedup:pair_decide", args=[pair.pk]),
        {"decision": "same", "survivor": pair.person_high_id, "reason": "KTP sama"},
        follow=True,
    )
    # the duplicate headed a household of its own: the officer is told it was closed
    assert "tidak punya anggota aktif lagi dan ditutup" in response.content.decode()
    merged = Person.objects.get(pk=pair.person_low_id)
    assert merged.status == c.PersonStatus.MERGED and merged.merged_into_id == pair.person_high_id
    record = PersonMerge.objects.get()
    assert str(record.merged_id) in client.get(reverse("dedup:merge_list")).content.decode()
    client.post(reverse("dedup:merge_undo", args=[record.pk]), {"reason": "salah pilih"})
    assert Person.objects.get(pk=pair.person_low_id).status == c.PersonStatus.ACTIVE
    assert not PairDecision.objects.exists()


def test_same_without_a_survivor_is_refused_in_indonesian(areas, officer):
    pair = pair_of()
    response = client_for(officer).post(
        reverse("dedup:pair_decide", args=[pair.pk]), {"decision": "same", "reason": "x"}, follow=True
    )
    assert "Pilih data yang dipertahankan" in response.content.decode()
    assert not PersonMerge.objects.exists()


@pytest.mark.parametrize("name", ["dedup:queue", "dedup:merge_list", "dedup:run_list"])
def test_the_pages_answer(areas, officer, name):
    assert client_for(officer).get(reverse(name)).status_code == 200


def test_the_engine_reasons_are_translated_for_display_only():
    stored = [
        {"field": "name", "label": "Nama mirip", "weight": 2.5},
        {"field": "nik", "label": "NIK beda satu angka", "weight": -4.0},
        {"field": "name", "label": "Alasan lama yang tidak dikenal", "weight": 1.0},
    ]
    pair = MatchPair(explanation=[dict(e) for e in stored])
    with translation.override("en"):
        reasons = review.pair_reasons(pair)
    assert [r["label"] for r in reasons] == [
        "NIK differs by one digit",
        "Similar name",
        "Alasan lama yang tidak dikenal",
    ]
    with translation.override("id"):
        assert review.pair_reasons(pair)[1]["label"] == "Nama mirip"
    assert pair.explanation == stored  # the stored explanation keeps the engine's Indonesian labels


def test_partner_staff_see_no_merge_of_someone_who_withdrew_sharing(areas, officer, partner):
    # Two merges inside households the partner's organisation registered; the survivor of one withdrew consent to
    # sharing with partners. The merge history names both records: hers is not the partner's to read.
    from berdaya.registry import services as registry_services

    org = partner.organisation
    merges = {}
    for name in ("Menarik", "Terlihat"):
        hh = f.household(village=VILLAGE, registered_by_organisation=org)
        survivor = f.person(name=f"Sinta {name}", hh=hh)
        duplicate = f.person(name=f"Sinta {name} Ganda", hh=hh, relationship=c.Relationship.CHILD)
        merges[name] = registry_services.persons_merge(
            actor=officer, survivor=survivor, merged=duplicate, reason="Data ganda"
        )
    registry_services.consent_withdraw(
        actor=officer, person=merges["Menarik"].survivor, purpose=c.ConsentPurpose.SHARING
    )
    page = client_for(partner).get(reverse("dedup:merge_list")).content.decode()
    assert "Sinta Terlihat" in page and "Sinta Menarik" not in page
    assert "Sinta Menarik" in client_for(officer).get(reverse("dedup:merge_list")).content.decode()
