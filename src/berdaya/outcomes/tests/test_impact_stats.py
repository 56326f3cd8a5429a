"""The difference-in-differences estimate on simulated data (no database): a known effect is recovered within its
95% interval, no effect gives an interval that covers zero, and small samples are said to be too small."""

from __future__ import annotations

import pandas as pd
import pytest

from berdaya.outcomes.impact import MIN_PER_ARM, Verdict, estimate_did, match, simulate


@pytest.mark.parametrize("seed", [1, 3, 5])
def test_it_recovers_a_known_effect_within_its_interval(seed):
    panel = simulate(n_treated=150, n_control=250, effect=2.0, seed=seed)

    estimate = estimate_did(panel)

    assert estimate.ci_low < 2.0 < estimate.ci_high
    assert estimate.ci_low > 0  # and the effect is found, not just covered
    assert estimate.verdict == Verdict.POSITIVE
    assert (estimate.n_treated, estimate.n_control) == (150, 250)


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_with_no_effect_the_interval_covers_zero(seed):
    panel = simulate(n_treated=150, n_control=250, effect=0.0, seed=seed)

    estimate = estimate_did(panel)

    assert estimate.ci_low < 0 < estimate.ci_high
    assert estimate.verdict == Verdict.NO_EVIDENCE


def test_the_interval_covers_the_true_effect_about_95_times_in_100():
    # A 95% interval misses the truth 5 times in 100 by design: over many simulated programmes it must cover it
    # about 95 times (a too-narrow interval, e.g. ignoring that each person is measured twice, covers far fewer).
    covered = 0
    for seed in range(80):
        estimate = estimate_did(simulate(n_treated=40, n_control=60, effect=1.0, seed=1000 + seed))
        covered += estimate.ci_low < 1.0 < estimate.ci_high
    assert 68 <= covered <= 79  # 85% to 99%: a correct interval lands here (binomial, 80 draws)


def test_it_removes_a_difference_the_groups_started_with():
    # The treated start 0.5 higher (simulate): a plain comparison of the follow-ups would call that an effect.
    panel = simulate(n_treated=300, n_control=300, effect=0.0, seed=7, noise=0.2)

    estimate = estimate_did(panel)

    assert panel.loc[panel.treated == 1, "post"].mean() - panel.loc[panel.treated == 0, "post"].mean() > 0.3
    assert abs(estimate.effect) < 0.1


def test_it_says_when_the_samples_are_too_small_to_conclude():
    panel = simulate(n_treated=MIN_PER_ARM - 1, n_control=200, effect=5.0, seed=8)

    estimate = estimate_did(panel)

    assert estimate.verdict == Verdict.TOO_SMALL
    assert not estimate.conclusive
    assert any("terlalu kecil" in note for note in estimate.notes)


def test_it_reports_no_estimate_when_the_outcome_never_varies():
    panel = simulate(n_treated=40, n_control=40, effect=0.0, seed=10).assign(pre=1.0, post=1.0)

    estimate = estimate_did(panel)

    assert estimate.effect is None and not estimate.conclusive
    assert any("tidak ada variasi" in note for note in estimate.notes)


def test_it_refuses_to_estimate_from_one_person_per_arm():
    panel = simulate(n_treated=1, n_control=1, effect=1.0, seed=9)

    estimate = estimate_did(panel)

    assert estimate.effect is None and estimate.verdict == Verdict.TOO_SMALL


def test_matching_pairs_only_within_the_same_district_group_decile_band_and_sex():
    panel = pd.DataFrame(
        {
            "person_id": [1, 2, 3, 4, 5],
            "treated": [1, 1, 0, 0, 0],
            "pre": [10.0, 20.0, 10.2, 19.9, 10.1],
            "post": [12.0, 22.0, 11.0, 20.0, 11.0],
            "district": ["A", "A", "A", "A", "B"],
            "group": ["x", "x", "x", "x", "x"],
            "decile": [1, 3, 2, 3, 1],  # 1 and 2 share a band; 3 is the next
            "sex": ["F", "F", "F", "M", "F"],
        }
    )

    matched = match(panel, caliper_sd=1.0)

    # Person 1 pairs with 3 (same district, band, sex; 5 is in another district). Person 2 has no control of its
    # sex in its band (4 is a man) and is left out.
    assert sorted(matched.loc[matched.treated == 1, "person_id"]) == [1]
    assert sorted(matched.loc[matched.treated == 0, "person_id"]) == [3]


def test_matching_on_the_baseline_keeps_an_effect_when_arms_start_alike():
    panel = simulate(n_treated=200, n_control=400, effect=1.5, seed=11)
    panel.loc[panel.treated == 1, ["pre", "post"]] -= 0.5  # no head start: matching on the baseline is unbiased

    estimate = estimate_did(match(panel))

    assert estimate.ci_low < 1.5 < estimate.ci_high
    assert estimate.n_treated > 100
