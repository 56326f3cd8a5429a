"""SP4N-LAPOR! service levels on the working-day clock: due dates, at risk and past due, escalation, closing
without reply."""

import datetime as dt

import pytest
from django.core.management import call_command

from berdaya.areas.models import Village
from berdaya.casework.choices import SlaState
from berdaya.casework.models import Holiday
from berdaya.grievances import choices as c
from berdaya.grievances import selectors, services
from berdaya.grievances.models import Grievance, GrievanceEscalation
from berdaya.grievances.sla import policy
from berdaya.testing.clients import client_for


def D(year: int, month: int, day: int) -> dt.date:
    """A date as written in the 2026 calendar, moved back 52 weeks (the same weekday): services refuse dates in the
    future, so the scenarios run in the past. The holidays are made by the tests."""
    return dt.date(year, month, day) - dt.timedelta(weeks=52)


def _grievance(actor, received_on, **data):
    data = {"category": "service_quality", "description": "Antrean loket terlalu lama.", **data}
    return services.grievance_record(actor=actor, data={"received_on": received_on, **data})


@pytest.fixture
def christmas(db):
    for day, name in ((D(2026, 12, 24), "Cuti bersama Natal"), (D(2026, 12, 25), "Natal")):
        Holiday.objects.get_or_create(date=day, defaults={"name": name})


def test_forwarding_is_due_three_working_days_after_receipt_across_weekend_and_holidays(handler, christmas):
    received_wed = _grievance(handler, D(2026, 12, 23))
    # Thu 24 cuti bersama, Fri 25 Christmas, weekend: Mon 28, Tue 29, Wed 30.
    assert policy().due(received_wed.stage, received_wed.stage_entered_on) == D(2026, 12, 30)
    received_fri = _grievance(handler, D(2026, 12, 4))
    assert policy().due(received_fri.stage, received_fri.stage_entered_on) == D(2026, 12, 9)


def test_the_list_shows_at_risk_and_past_due_from_sql(handler, christmas):
    late = _grievance(handler, D(2026, 12, 23))
    risky = _grievance(handler, D(2026, 12, 28))
    fresh = _grievance(handler, D(2026, 12, 31))
    today = D(2026, 12, 31)
    states = {g.pk: g.sla_state for g in selectors.grievance_list(actor=handler, today=today)}
    # Due Wed 30 (past), due Thu 31 (today: at risk), due Tue 5 Jan (on track).
    assert states == {late.pk: SlaState.BREACHED, risky.pk: SlaState.AT_RISK, fresh.pk: SlaState.ON_TRACK}
    counts = selectors.dashboard_counts(actor=handler, today=today)
    assert (counts["breached"], counts["at_risk"], counts["open"]) == (1, 1, 3)
    only = selectors.grievance_list(actor=handler, filters={"tenggat": "breached"}, today=today)
    assert [g.pk for g in only] == [late.pk]


def test_a_holiday_added_later_moves_every_due_date(handler):
    g = _grievance(handler, D(2027, 2, 1))  # Monday
    assert policy().due(g.stage, g.stage_entered_on) == D(2027, 2, 4)
    Holiday.objects.create(date=D(2027, 2, 2), name="Libur daerah", kind="regional")
    assert policy().due(g.stage, g.stage_entered_on) == D(2027, 2, 5)


def test_a_move_after_the_due_date_is_recorded_as_late(handler, christmas, monkeypatch):
    g = _grievance(handler, D(2026, 12, 1))
    services.grievance_forward(actor=handler, grievance=g, to_unit="Dinas Sosial", on=D(2026, 12, 7))
    change = g.stage_changes.get()
    assert change.was_overdue is True and change.to_stage == c.Stage.FORWARDED
    assert g.stage_entered_on == D(2026, 12, 7)


def test_the_daily_check_escalates_past_due_grievances_to_supervisors_once(handler, supervisor, christmas):
    late = _grievance(handler, D(2026, 12, 1))
    _grievance(handler, D(2026, 12, 30))
    assert services.grievances_escalate_breached(today=D(2026, 12, 31)) == 1
    row = GrievanceEscalation.objects.get()
    assert (row.case_id, row.to_id, row.automatic, row.stage) == (late.pk, supervisor.pk, True, "received")
    # Not again the next day for the same stage.
    assert services.grievances_escalate_breached(today=D(2027, 1, 4)) == 0
    # The supervisor sees it on the page.
    page = client_for(supervisor).get(f"/pengaduan/{late.pk}/").content.decode()
    assert "otomatis" in page and "lewat tenggat" in page.lower()


def test_a_handler_escalates_with_a_reason(handler, supervisor):
    g = _grievance(handler, D(2026, 12, 1))
    with pytest.raises(Exception, match="alasan"):
        services.grievance_escalate(actor=handler, grievance=g, reason=" ")
    rows = services.grievance_escalate(actor=handler, grievance=g, reason="Perlu keputusan kepala dinas")
    assert [r.to_id for r in rows] == [supervisor.pk] and rows[0].automatic is False


def test_a_follow_up_without_reply_closes_after_ten_working_days(handler, christmas):
    g = _grievance(handler, D(2026, 12, 1))
    services.grievance_forward(actor=handler, grievance=g, to_unit="Dinas Sosial", on=D(2026, 12, 2))
    services.grievance_decide(
        actor=handler, grievance=g, outcome=c.Outcome.REJECTED, reason="Sudah sesuai prosedur.", on=D(2026, 12, 3)
    )
    # 10 working days after Thu 3 Dec: 4,7,8,9,10,11,14,15,16,17 → due Thu 17 Dec; closes on the 18th, not before.
    assert services.grievances_close_unanswered(today=D(2026, 12, 17)) == 0
    call_command("grievances_daily", "--tanggal", D(2026, 12, 18).isoformat())
    g.refresh_from_db()
    assert g.stage == c.Stage.CLOSED and g.closed_on == D(2026, 12, 18)
    assert g.stage_changes.last().by is None
    # Never escalated: waiting for the complainant is not the office's delay.
    assert not GrievanceEscalation.objects.exists()
    assert Grievance.objects.filter(stage=c.Stage.FOLLOW_UP).count() == 0


def test_public_aggregates_count_received_and_resolved_on_time_per_area(handler, christmas):
    from berdaya.grievances.public import grievance_aggregates, transparency_rows

    on_time = _grievance(handler, D(2026, 12, 1))
    services.grievance_decide(actor=handler, grievance=on_time, outcome="rejected", reason="x", on=D(2026, 12, 2))
    services.grievance_close(actor=handler, grievance=on_time)
    late = _grievance(handler, D(2026, 12, 1), village=Village.objects.get(pk="15.02.02.1010"))
    services.grievance_decide(actor=handler, grievance=late, outcome="upheld", reason="x", on=D(2026, 12, 10))
    services.grievance_close(actor=handler, grievance=late)
    _grievance(handler, D(2026, 12, 2), category="accessibility")
    year = D(2026, 12, 1).year
    whole = grievance_aggregates(area_code="", year=year)
    assert (whole["received"], whole["resolved"], whole["resolved_on_time"]) == (3, 2, 1)
    assert grievance_aggregates(area_code="15.02.02", year=year)["received"] == 1
    assert grievance_aggregates(area_code="15.02.02.1010", year=year)["resolved_on_time"] == 0
    assert grievance_aggregates(area_code="15.02.01", year=year)["received"] == 0
    by_cat = {code: (n, ok) for code, _label, n, ok in whole["by_category"]}
    assert by_cat["service_quality"] == (2, 1) and by_cat["accessibility"] == (1, 0)

    class Area:
        code = ""

    Area.year = year
    rows = transparency_rows(Area())
    # Small counts are suppressed on the public page.
    assert rows[-1]["received"] == "<5" and rows[-1]["total"] is True
    assert all({"category", "received", "on_time"} <= set(r) for r in rows)
