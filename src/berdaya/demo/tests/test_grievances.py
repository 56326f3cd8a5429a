"""`berdaya demo_musdes`, `demo_grievances` and `demo_privacy`: the demo fills the grievance, village-consultation
and data-protection pages, each record reachable through the app's own selectors as the roles allow, and
--if-empty adds nothing the second time."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command

from berdaya.accounts.models import User
from berdaya.areas.services import areas_load
from berdaya.grievances import choices as c
from berdaya.grievances.access import get_grievance_or_404, grievances_visible_to
from berdaya.grievances.models import Grievance
from berdaya.grievances.selectors import grievance_list
from berdaya.musdes import choices as mc
from berdaya.musdes.access import meetings_visible_to
from berdaya.musdes.models import Meeting
from berdaya.musdes.selectors import decisions
from berdaya.privacy import choices as pc
from berdaya.privacy.models import DataRequest
from berdaya.privacy.selectors import request_list
from berdaya.targeting import choices as tc
from berdaya.targeting.models import Candidate, ReviewLog
from berdaya.testing.worlds import built_once

pytestmark = pytest.mark.django_db

STEPS = ("demo_musdes", "demo_grievances", "demo_privacy")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with built_once(django_db_blocker):
        areas_load(regency_codes=["15.02"])
        quiet = io.StringIO()
        truth = tmp_path_factory.mktemp("demo") / "truth.csv"
        call_command("demo", households=300, seed=2, ground_truth=truth, people_only=True, no_logins=True, stdout=quiet)
        call_command("demo_programmes", seed=2, stdout=quiet)
        call_command("demo_migration", seed=2, episodes=60, disabilities=40, stdout=quiet)
        call_command("welfare", "compute", stdout=quiet)
        call_command("demo_targeting", seed=2, stdout=quiet)
        out = io.StringIO()
        for name in STEPS:
            call_command(name, seed=2, if_empty=True, stdout=out)
        yield out.getvalue()


def _user(username: str) -> User:
    return User.objects.get(username=username)


def test_it_fills_every_stage_and_channel(world):
    stages = Counter(Grievance.objects.values_list("stage", flat=True))
    assert set(stages) == set(c.Stage.values), stages
    assert set(Grievance.objects.values_list("channel", flat=True)) == set(c.Channel.values)
    anonymous = Grievance.objects.filter(anonymous=True)
    assert anonymous.count() >= 2 and not anonymous.exclude(complainant_name="").exists()
    assert Grievance.objects.filter(sensitivity__in=c.RESTRICTED).exists()
    # the summary line tells the stages as the database holds them
    received = stages[c.Stage.RECEIVED]
    assert f"{Grievance.objects.count()} pengaduan demo ({received} diterima," in world


def test_one_grievance_is_past_its_deadline(world):
    officer = _user("petugas")
    overdue = grievance_list(actor=officer, filters={"tahap": "terbuka", "tenggat": "breached"})
    assert overdue.count() >= 1
    assert all(g.overdue for g in overdue)
    # and the others are not (the badge tells one apart)
    assert grievance_list(actor=officer, filters={"tahap": "terbuka"}).filter(overdue=False).exists()


def test_every_grievance_is_reachable_for_the_officer(world):
    officer = _user("petugas")
    everything = set(Grievance.objects.values_list("pk", flat=True))
    assert len(everything) >= 8
    assert set(grievance_list(actor=officer, filters={"tahap": "semua"}).values_list("pk", flat=True)) == everything
    for pk in everything:
        assert get_grievance_or_404(officer, pk).pk == pk


def test_the_facilitator_sees_her_villages_only(world):
    facilitator = _user("pendamping")
    hers = set(facilitator.villages.values_list("pk", flat=True))
    visible = grievances_visible_to(facilitator)
    assert visible.exists()
    assert set(visible.values_list("village_id", flat=True)) <= hers
    # there are grievances elsewhere, and the restricted one in her village is not hers to read
    assert Grievance.objects.exclude(village_id__in=hers).exists()
    restricted = Grievance.objects.filter(sensitivity__in=c.RESTRICTED).get()
    assert restricted.village_id in hers and not visible.filter(pk=restricted.pk).exists()
    assert set(meetings_visible_to(facilitator).values_list("village_id", flat=True)) <= hers


def test_the_upheld_objection_took_the_neighbour_off_the_list(world):
    objection = Grievance.objects.get(
        category=c.Category.TARGETING_OBJECTION, objection_kind=c.ObjectionKind.SHOULD_NOT_BE_ON
    )
    assert objection.anonymous and objection.stage == c.Stage.FOLLOW_UP
    assert objection.decisions.get().applied_to_run
    candidate = Candidate.objects.get(run_id=objection.run_id, person_id=objection.person_id)
    assert candidate.review == tc.Review.EXCLUDED
    log = ReviewLog.objects.get(candidate=candidate, source_kind=tc.ReviewSource.GRIEVANCE)
    assert log.source_ref == objection.code


def test_a_meeting_was_held_and_applied_and_another_is_planned(world):
    officer = _user("petugas")
    held = Meeting.objects.get(status=mc.MeetingStatus.APPLIED)
    assert Meeting.objects.filter(status=mc.MeetingStatus.PLANNED).count() == 1
    assert set(meetings_visible_to(officer)) == set(Meeting.objects.all())
    assert held.attendees > 0 and held.documents.exists() and held.minutes_number
    kinds = Counter(decisions(actor=officer, meeting=held).values_list("decision", flat=True))
    assert kinds[mc.Decision.REMOVED] == 1 and kinds[mc.Decision.ADDED] == 1 and kinds[mc.Decision.AGREED] >= 1
    changed = ReviewLog.objects.filter(run=held.run, source_kind=tc.ReviewSource.MUSDES, source_ref=str(held.pk))
    assert changed.count() == 2


def test_three_data_subject_requests_in_three_states(world):
    officer = _user("petugas")
    requests = request_list(actor=officer, filters={"status": "all"})
    assert requests.count() == DataRequest.objects.count() == 3
    assert set(requests.values_list("status", flat=True)) == {
        pc.RequestStatus.RECEIVED,
        pc.RequestStatus.IN_PROGRESS,
        pc.RequestStatus.DONE,
    }
    overdue = request_list(actor=officer, filters={"status": "overdue"})
    assert [r.status for r in overdue] == [pc.RequestStatus.RECEIVED]
    done = requests.get(status=pc.RequestStatus.DONE)
    assert done.outcome and not done.is_overdue
    assert not request_list(actor=_user("pendamping"), filters={"status": "all"}).exists()


def test_if_empty_adds_nothing_the_second_time(world):
    before = (Grievance.objects.count(), Meeting.objects.count(), DataRequest.objects.count())
    out = io.StringIO()
    for name in STEPS:
        call_command(name, seed=2, if_empty=True, stdout=out)
    assert (Grievance.objects.count(), Meeting.objects.count(), DataRequest.objects.count()) == before
    assert out.getvalue().count("tidak dibuat") == 3
