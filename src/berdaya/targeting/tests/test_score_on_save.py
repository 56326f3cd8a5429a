"""A household registered or changed gets its welfare score and decile when it is saved, not "Belum dihitung"
until someone recomputes (issue #15, item 13)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from berdaya.areas.models import Village
from berdaya.registry import services as registry
from berdaya.targeting import scoring, services
from berdaya.targeting.models import HouseholdWelfare
from berdaya.testing import factories as f

from .test_scoring import _registry


def test_a_new_household_is_scored_and_placed_against_the_existing_cut_points(
    officer, score_config, django_capture_on_commit_callbacks
):
    # given a regency ranked once
    _registry(30)
    services.welfare_compute(actor=officer)
    cuts = scoring.cut_points(score_config.version)
    before = dict(HouseholdWelfare.objects.values_list("household_id", "local_decile"))

    # when an officer registers a household
    with django_capture_on_commit_callbacks(execute=True):
        hh = registry.household_register(
            actor=officer,
            household={
                "village": Village.objects.get(pk="15.02.01.2001"),
                "land_operated_ha": 0,
                "floor_material": "earth",
            },
            members=[f.member(name="Kepala Baru", education="none")],
        )

    # then it has a score (the one the full computation would give) and a decile from the cut points
    welfare = HouseholdWelfare.objects.get(household=hh)
    assert welfare.score == sum(c.points for c in scoring.breakdown(hh, score_config.weights))
    assert welfare.local_decile == scoring.decile_against(welfare.score, cuts)
    assert welfare.config_version == score_config.version
    # and nobody else was re-ranked
    after = dict(HouseholdWelfare.objects.exclude(household=hh).values_list("household_id", "local_decile"))
    assert after == before


def test_a_changed_household_is_rescored(officer, score_config, django_capture_on_commit_callbacks):
    households = _registry(20)
    services.welfare_compute(actor=officer)
    hh = households[1]
    old = HouseholdWelfare.objects.get(household=hh).score
    with django_capture_on_commit_callbacks(execute=True):
        registry.household_update(
            actor=officer, household=hh, data={"asset_car": True, "asset_refrigerator": True, "land_operated_ha": 6}
        )
    new = HouseholdWelfare.objects.get(household=hh).score
    assert new > old


def test_before_any_full_ranking_the_score_shows_and_the_decile_waits(
    officer, score_config, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        hh = registry.household_register(
            actor=officer,
            household={"village": Village.objects.get(pk="15.02.01.2001")},
            members=[f.member(name="Kepala Pertama")],
        )
    welfare = HouseholdWelfare.objects.get(household=hh)
    assert welfare.score is not None and welfare.local_decile is None


@given(st.lists(st.integers(min_value=-50, max_value=150), min_size=20, max_size=200, unique=True))
def test_placing_a_ranked_score_against_the_cut_points_gives_its_own_decile(scores):
    # The cut points are the top score of each NTILE(10) decile; with distinct scores, every score placed against
    # them lands in the decile the full ranking gave it.
    ranked = sorted(scores)
    n = len(ranked)
    # NTILE(10): the first n % 10 deciles hold one more row.
    sizes = [n // 10 + (1 if d < n % 10 else 0) for d in range(10)]
    deciles, start = [], 0
    for d, size in enumerate(sizes, start=1):
        deciles += [d] * size
        start += size
    cuts = [max(s for s, d in zip(ranked, deciles, strict=True) if d == k) for k in range(1, 10)]
    for score, decile in zip(ranked, deciles, strict=True):
        assert scoring.decile_against(score, cuts) == decile
