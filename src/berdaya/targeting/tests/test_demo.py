"""`berdaya demo_targeting`: rule sets for the demo programmes, one list in review with exclusions, one approved
into proposed enrolments; idempotent with --if-empty."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from berdaya.areas.services import areas_load
from berdaya.targeting import choices as c
from berdaya.targeting.models import ReviewLog, RuleSet, TargetingRun


@pytest.fixture
def demo_world(db, settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    areas_load(regency_codes=["15.02"])
    quiet = io.StringIO()
    call_command("demo", households=150, seed=2, ground_truth=tmp_path / "truth.csv", stdout=quiet)
    call_command("demo_programmes", seed=2, stdout=quiet)
    call_command("demo_migration", seed=2, episodes=60, disabilities=40, stdout=quiet)
    call_command("welfare", "compute", stdout=quiet)


def test_it_targets_the_demo_programmes_and_leaves_one_list_in_review(demo_world):
    from berdaya.programmes.models import Enrolment

    out = io.StringIO()
    call_command("demo_targeting", seed=2, if_empty=True, stdout=out)
    text = out.getvalue()

    assert "3 aturan kelayakan demo dibuat." in text
    assert "menunggu persetujuan" in text and "usulan peserta program" in text
    assert RuleSet.objects.count() == 3 and RuleSet.objects.filter(programme_id__isnull=True).count() == 0
    review, approved = TargetingRun.objects.order_by("pk")
    assert review.status == c.RunStatus.SUCCEEDED and review.selected_count > 0
    excluded = review.candidates.filter(review=c.Review.EXCLUDED)
    assert excluded.count() == 2 and all(x.review_reason for x in excluded)
    assert ReviewLog.objects.filter(run=review, action=c.ReviewAction.EXCLUDE).count() == 2
    assert "petani kecil" in review.candidates.filter(status="selected").first().reasons
    assert approved.status == c.RunStatus.APPROVED and approved.selected_count > 0
    proposed = Enrolment.objects.filter(programme_id=approved.programme_id, status="proposed", source="list")
    assert proposed.count() == approved.selected_count

    call_command("demo_targeting", seed=2, if_empty=True, stdout=io.StringIO())
    assert RuleSet.objects.count() == 3 and TargetingRun.objects.count() == 2
