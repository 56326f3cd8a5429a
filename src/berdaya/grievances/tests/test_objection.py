"""An upheld objection to a targeting decision goes into that run's review and changes its final list."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from berdaya.grievances import choices as c
from berdaya.grievances import services
from berdaya.targeting import services as targeting
from berdaya.targeting.models import HouseholdWelfare, ReviewLog
from berdaya.targeting.selectors import final_candidates
from berdaya.testing import factories as f

POOR = {"op": "and", "items": [{"type": "decile", "max": 4}]}


@pytest.fixture
def run(officer):
    people = []
    for i in range(6):
        hh = f.household(village="15.02.01.2001")
        HouseholdWelfare.objects.create(household=hh, local_decile=[1, 2, 3, 7, 8, 9][i])
        people.append(f.person(hh=hh, name=f"Warga {i}", birth_date=dt.date(1970 + i, 1, 1)))
    version = targeting.ruleset_save(actor=officer, name="Miskin", rules_tree=POOR)
    run = targeting.run_create(actor=officer, ruleset=version.ruleset)
    targeting.run_execute(run=run)
    run.refresh_from_db()
    run.people = people
    return run


def _objection(officer, run, person, kind):
    return services.grievance_record(
        actor=officer,
        data={
            "category": c.Category.TARGETING_OBJECTION,
            "objection_kind": kind,
            "description": "Keberatan atas daftar penerima.",
            "person_id": person.pk,
            "run_id": run.pk,
        },
    )


def _final(run):
    return set(final_candidates(run).values_list("person_id", flat=True))


def test_an_upheld_objection_adds_a_person_left_off(officer, run):
    left_off = run.people[3]  # decile 7: not selected
    assert left_off.pk not in _final(run)
    g = _objection(officer, run, left_off, c.ObjectionKind.LEFT_OFF)
    decision = services.grievance_decide(
        actor=officer, grievance=g, outcome=c.Outcome.UPHELD, reason="Verifikasi lapangan: rumah tidak layak."
    )
    assert decision.applied_to_run
    assert left_off.pk in _final(run)
    log = ReviewLog.objects.get(run=run, candidate__person=left_off)
    assert g.code in log.reason
    assert (log.source_kind, log.source_ref) == ("grievance", g.code)


def test_an_upheld_objection_removes_a_person_who_should_not_be_on(officer, run):
    on_list = run.people[0]
    assert on_list.pk in _final(run)
    g = _objection(officer, run, on_list, c.ObjectionKind.SHOULD_NOT_BE_ON)
    services.grievance_decide(actor=officer, grievance=g, outcome=c.Outcome.PARTLY_UPHELD, reason="Sudah mampu.")
    assert on_list.pk not in _final(run)


def test_a_rejected_objection_leaves_the_list_as_it_was(officer, run):
    before = _final(run)
    g = _objection(officer, run, run.people[4], c.ObjectionKind.LEFT_OFF)
    decision = services.grievance_decide(actor=officer, grievance=g, outcome=c.Outcome.REJECTED, reason="Mampu.")
    assert not decision.applied_to_run and _final(run) == before


def test_an_objection_on_an_approved_run_cannot_be_applied_and_nothing_is_written(officer, run):
    g = _objection(officer, run, run.people[3], c.ObjectionKind.LEFT_OFF)
    type(run).objects.filter(pk=run.pk).update(status="approved")
    with pytest.raises(ValidationError, match="tidak bisa ditinjau"):
        services.grievance_decide(actor=officer, grievance=g, outcome=c.Outcome.UPHELD, reason="Ya.")
    g.refresh_from_db()
    assert g.stage == c.Stage.RECEIVED and not g.decisions.exists()


def test_the_public_transparency_page_shows_the_grievance_section(client, officer, run):
    from django.utils import timezone

    services.grievance_record(
        actor=officer, data={"category": "other", "description": "RAHASIA-ISI", "person_id": run.people[0].pk}
    )
    page = client.get(f"/transparansi/15.02.01/?tahun={timezone.localdate().year}").content.decode()
    assert "Pengaduan diterima dan diselesaikan tepat waktu" in page
    assert "RAHASIA-ISI" not in page
