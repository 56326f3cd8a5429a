"""A supervisor who assigns themselves to a confidential case (issue 13, item 6): a recorded reason, the other case
workers told, and the assignment log kept after the assignment is removed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from berdaya.core.models import AuditEvent
from berdaya.migration import choices as c
from berdaya.migration import services
from berdaya.migration.models import CaseAssignmentLog, CaseWorker, Notification
from berdaya.testing import factories
from berdaya.testing.clients import client_for

SECRET = "Korban disekap di penampungan"
REASON = "Pengelola kasus cuti; saya menangani sementara"


@pytest.fixture
def case(worker, migrant):
    return services.case_intake(
        actor=worker,
        person=migrant,
        data={"complaint_type": c.ComplaintType.VIOLENCE, "reported_by": c.Reporter.WORKER, "summary": SECRET},
    )


def test_self_assignment_without_a_reason_is_refused_and_opens_nothing(supervisor, case):
    with pytest.raises(ValidationError) as exc:
        services.case_assign(actor=supervisor, case=case, user=supervisor)
    assert "alasan" in exc.value.messages[0]
    assert not case.assignees.filter(pk=supervisor.pk).exists()
    assert client_for(supervisor).get(reverse("migration:case_detail", args=[case.pk])).status_code == 403


def test_self_assignment_through_the_list_needs_a_reason(supervisor, case):
    client = client_for(supervisor)
    url = reverse("migration:case_assign", args=[case.pk])
    response = client.post(url, {"user": supervisor.pk, "reason": "  "}, follow=True)
    assert "Tuliskan alasan Anda menugaskan diri sendiri" in response.text
    assert client.get(reverse("migration:case_detail", args=[case.pk])).status_code == 403
    client.post(url, {"user": supervisor.pk, "reason": REASON})
    assert client.get(reverse("migration:case_detail", args=[case.pk])).status_code == 200


def test_self_assignment_tells_the_other_assignees_and_stays_in_the_log_after_removal(worker, supervisor, case):
    Notification.objects.all().delete()
    services.case_assign(actor=supervisor, case=case, user=supervisor, reason=REASON)

    told = Notification.objects.get(kind=c.NotificationKind.SELF_ASSIGNED)
    assert told.recipient == worker and case.reference in told.message and "supervisor" in told.message
    assert SECRET not in told.message and REASON not in told.message

    services.case_unassign(actor=supervisor, case=case, user=supervisor)
    assert not case.assignees.filter(pk=supervisor.pk).exists()
    log = list(CaseAssignmentLog.objects.filter(case=case, user=supervisor).values_list("action", "reason", "by"))
    assert log == [("self_assign", REASON, supervisor.pk), ("unassign", "", supervisor.pk)]
    assert AuditEvent.objects.filter(object_id=str(case.pk), detail__self_assigned=True).exists()

    # The case worker still on the case sees who opened it, when and why.
    body = client_for(worker).get(reverse("migration:case_detail", args=[case.pk])).text
    assert "Riwayat penugasan" in body and REASON in body and "penugasan diri" in body and "penugasan dicabut" in body


def test_with_nobody_else_on_the_case_the_other_supervisors_are_told(supervisor, migrant):
    case = services.case_intake(
        actor=factories.user("officer"),
        person=migrant,
        data={"complaint_type": c.ComplaintType.VIOLENCE, "reported_by": c.Reporter.WORKER, "summary": SECRET},
    )
    colleague = factories.user("officer", username="supervisor2")
    CaseWorker.objects.create(user=colleague, is_supervisor=True)
    Notification.objects.all().delete()
    services.case_assign(actor=supervisor, case=case, user=supervisor, reason=REASON)
    assert list(Notification.objects.values_list("recipient", "kind")) == [(colleague.pk, "self_assigned")]


def test_assigning_someone_else_needs_no_reason_and_is_logged(supervisor, case):
    other = factories.user("officer")
    CaseWorker.objects.create(user=other)
    services.case_assign(actor=supervisor, case=case, user=other)
    assert CaseAssignmentLog.objects.filter(case=case, user=other, action="assign", by=supervisor).exists()
