from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from berdaya.migration import choices as c
from berdaya.migration import services
from berdaya.migration.models import CaseStageChange, Notification, RightsCase
from berdaya.migration.sla import due_date, with_due
from berdaya.testing import factories

TODAY = dt.date.today()
SECRET = "Majikan menahan paspor dan memukul korban"


def intake(actor, person, **data) -> RightsCase:
    data.setdefault("complaint_type", c.ComplaintType.UNPAID_WAGES)
    data.setdefault("reported_by", c.Reporter.FAMILY)
    data.setdefault("summary", SECRET)
    return services.case_intake(actor=actor, person=person, data=data)


def entered(case: RightsCase, stage: str, days_ago: int) -> RightsCase:
    RightsCase.objects.filter(pk=case.pk).update(stage=stage, stage_entered_on=TODAY - dt.timedelta(days=days_ago))
    case.refresh_from_db()
    return case


# --- SLA ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "days_ago", "overdue"),
    [
        ("intake", 2, False),
        ("intake", 3, True),
        ("assessment", 7, False),
        ("assessment", 8, True),
        ("referral", 1, False),
        ("follow_up", 30, False),
        ("follow_up", 31, True),
        ("resolved", 400, False),
        ("closed", 400, False),
    ],
)
def test_it_computes_due_dates_and_overdue_in_sql(worker, migrant, stage, days_ago, overdue):
    case = entered(intake(worker, migrant), stage, days_ago)
    row = with_due(RightsCase.objects.filter(pk=case.pk)).get()
    assert row.due_on == due_date(stage, case.stage_entered_on)
    assert row.overdue is overdue
    if stage in c.OPEN_CASE_STAGES:
        assert isinstance(row.due_on, dt.date)
    else:
        assert row.due_on is None


def test_the_sla_comes_from_the_settings(settings, worker, migrant):
    case = entered(intake(worker, migrant), "assessment", 5)
    settings.BERDAYA = {**settings.BERDAYA, "CASE_SLA_DAYS": {**settings.BERDAYA["CASE_SLA_DAYS"], "assessment": 3}}
    row = with_due(RightsCase.objects.filter(pk=case.pk)).get()
    assert row.due_on == TODAY - dt.timedelta(days=2)
    assert row.overdue is True


def test_the_case_list_puts_overdue_cases_first(worker, migrant):
    fresh = intake(worker, migrant)
    late = entered(intake(worker, factories.person(name="Lain")), "assessment", 20)
    from berdaya.migration.selectors import case_list

    assert [case.pk for case in case_list(actor=worker)] == [late.pk, fresh.pk]
    assert [case.pk for case in case_list(actor=worker, only_overdue=True)] == [late.pk]


# --- Workflow -----------------------------------------------------------------------------------------------------


def test_it_moves_through_every_stage(worker, migrant):
    case = intake(worker, migrant)
    services.case_move(actor=worker, case=case, to_stage="assessment")
    services.case_move(actor=worker, case=case, to_stage="referral", referral_target=c.ReferralTarget.BP3MI)
    services.case_move(actor=worker, case=case, to_stage="follow_up")
    services.case_move(actor=worker, case=case, to_stage="resolved")
    services.case_move(actor=worker, case=case, to_stage="closed")
    case.refresh_from_db()
    assert case.stage == "closed" and case.closed_on == TODAY
    assert list(case.stage_changes.values_list("to_stage", flat=True)) == [
        "assessment",
        "referral",
        "follow_up",
        "resolved",
        "closed",
    ]
    assert case.referrals.get().target == "bp3mi"


def test_it_refuses_to_skip_a_stage_without_a_reason(worker, migrant):
    case = intake(worker, migrant)
    with pytest.raises(ValidationError) as exc:
        services.case_move(actor=worker, case=case, to_stage="follow_up")
    assert "Asesmen, Rujukan dilewati" in exc.value.message_dict["reason"][0]
    case.refresh_from_db()
    assert case.stage == "intake"
    assert not CaseStageChange.objects.exists()

    services.case_move(actor=worker, case=case, to_stage="follow_up", reason="Diselesaikan langsung oleh desa")
    change = CaseStageChange.objects.get()
    assert (change.from_stage, change.to_stage, change.reason) == (
        "intake",
        "follow_up",
        "Diselesaikan langsung oleh desa",
    )


def test_closing_an_unresolved_case_needs_a_reason(worker, migrant):
    case = intake(worker, migrant)
    with pytest.raises(ValidationError) as exc:
        services.case_move(actor=worker, case=case, to_stage="closed")
    assert "reason" in exc.value.message_dict
    services.case_move(actor=worker, case=case, to_stage="closed", reason="Pelapor mencabut pengaduan")
    with pytest.raises(ValidationError):
        services.case_move(actor=worker, case=case, to_stage="assessment", reason="buka lagi")


def test_a_referral_names_where_to(worker, migrant):
    case = entered(intake(worker, migrant), "assessment", 0)
    with pytest.raises(ValidationError) as exc:
        services.case_move(actor=worker, case=case, to_stage="referral")
    assert "referral_target" in exc.value.message_dict


def test_it_records_that_a_stage_was_finished_late(worker, migrant):
    case = entered(intake(worker, migrant), "intake", 5)
    services.case_move(actor=worker, case=case, to_stage="assessment")
    assert CaseStageChange.objects.get().was_overdue is True


# --- Assignment and trafficking -----------------------------------------------------------------------------------


def test_it_refuses_to_assign_a_case_to_a_user_without_case_worker_rights(supervisor, officer, worker, migrant):
    case = intake(worker, migrant)
    with pytest.raises(ValidationError) as exc:
        services.case_assign(actor=supervisor, case=case, user=officer)
    assert "tidak punya hak pengelola kasus" in exc.value.message_dict["user"][0]
    assert list(case.assignees.all()) == [worker]


def test_only_supervisors_and_admins_assign(worker, supervisor, migrant):
    case = intake(worker, migrant)
    other = factories.user("officer")
    services.case_worker_set(actor=factories.user("admin"), user=other)
    with pytest.raises(PermissionDenied):
        services.case_assign(actor=worker, case=case, user=other)
    services.case_assign(actor=supervisor, case=case, user=other)
    assert Notification.objects.get(recipient=other).kind == "assigned"


def test_a_trafficking_indication_raises_priority_and_notifies_the_assigned_supervisors(worker, supervisor, migrant):
    bystander = factories.user("officer")
    services.case_worker_set(actor=factories.user("admin"), user=bystander, is_supervisor=True)
    case = intake(worker, migrant)
    services.case_assign(actor=supervisor, case=case, user=supervisor, reason="kasus TPPO perlu supervisor")
    Notification.objects.all().delete()

    services.case_change_type(actor=worker, case=case, complaint_type=c.ComplaintType.TRAFFICKING)

    case.refresh_from_db()
    assert case.priority == c.Priority.URGENT
    notes = list(Notification.objects.all())
    assert [(n.recipient, n.kind) for n in notes] == [(supervisor, "trafficking")]
    assert SECRET not in notes[0].message and migrant.full_name not in notes[0].message
    with pytest.raises(ValidationError):
        services.case_set_priority(actor=worker, case=case, priority=c.Priority.NORMAL)


def test_an_unassigned_trafficking_intake_reaches_every_supervisor(facilitator, supervisor, migrant):
    case = intake(facilitator, migrant, complaint_type=c.ComplaintType.TRAFFICKING)
    assert case.priority == c.Priority.URGENT
    assert list(Notification.objects.values_list("recipient", "kind")) == [(supervisor.pk, "trafficking")]


def test_a_facilitator_files_a_case_but_cannot_handle_it(facilitator, migrant):
    case = intake(facilitator, migrant)
    assert not case.assignees.exists()
    with pytest.raises(PermissionDenied):
        services.case_add_note(actor=facilitator, case=case, text="catatan")
    with pytest.raises(PermissionDenied):
        services.case_move(actor=facilitator, case=case, to_stage="assessment")


def test_a_viewer_cannot_file_a_case(viewer, migrant):
    with pytest.raises(PermissionDenied):
        intake(viewer, migrant)


def test_no_case_content_reaches_the_logs(worker, migrant, caplog):
    caplog.set_level(logging.DEBUG)
    case = intake(worker, migrant, complaint_type=c.ComplaintType.TRAFFICKING)
    services.case_add_note(actor=worker, case=case, text=SECRET + " (catatan)")
    services.case_move(actor=worker, case=case, to_stage="follow_up", reason=SECRET + " (alasan)")
    with pytest.raises(ValidationError) as exc:
        services.case_move(actor=worker, case=case, to_stage="assessment", reason=SECRET)
    assert SECRET not in caplog.text
    assert SECRET not in " ".join(exc.value.messages)
    from berdaya.core.models import AuditEvent

    assert all(SECRET not in str(event.detail) for event in AuditEvent.objects.all())
