"""Programme services: every state transition and rule of issue 3, and bad input that changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from berdaya.core.models import AuditEvent
from berdaya.programmes import choices as c
from berdaya.programmes import selectors, services
from berdaya.programmes.models import (
    Assistance,
    Attendance,
    Certificate,
    Enrolment,
    EnrolmentEvent,
    PersonNeed,
    Session,
)
from berdaya.registry import choices as rc
from berdaya.testing import factories as f
from berdaya.testing import programmes as h

S = c.EnrolmentStatus


# --- programmes and sessions ---------------------------------------------------------------------------------------


def test_it_creates_a_programme_with_needs_funders_and_area(officer):
    funder = f.organisation("Bank Jambi", "financial")
    p = h.programme(
        officer,
        needs=[h.need("sewing"), h.need("bookkeeping")],
        funders=[funder],
        districts=["15.02.01"],
        target_groups=["women"],
    )
    assert set(p.needs.values_list("code", flat=True)) == {"sewing", "bookkeeping"}
    assert list(p.funders.all()) == [funder]
    assert p.attendance_threshold == 75
    assert p.history.count() == 1


def test_it_forces_partner_programmes_onto_their_own_organisation(partner):
    other = f.organisation("Dinas Pertanian Kabupaten Merangin", "government")
    p = h.programme(partner, organiser=other)
    assert p.organiser_id == partner.organisation_id


def test_it_refuses_a_programme_for_a_viewer_or_facilitator(viewer, facilitator):
    for actor in (viewer, facilitator):
        with pytest.raises(PermissionDenied):
            h.programme(actor)


def test_it_refuses_an_end_before_the_start(officer):
    with pytest.raises(ValidationError) as exc:
        h.programme(officer, start=dt.date(2026, 5, 1), end=dt.date(2026, 4, 1))
    assert "end_date" in exc.value.message_dict


def test_it_refuses_a_negative_budget(officer):
    with pytest.raises(ValidationError) as exc:
        h.programme(officer, budget=-1)
    assert "negatif" in " ".join(exc.value.messages)


def test_it_follows_programme_status_transitions(officer):
    p = h.programme(officer, status=c.ProgrammeStatus.DRAFT)
    services.programme_update(actor=officer, programme=p, data={"status": c.ProgrammeStatus.OPEN})
    services.programme_update(actor=officer, programme=p, data={"status": c.ProgrammeStatus.RUNNING})
    with pytest.raises(ValidationError):
        services.programme_update(actor=officer, programme=p, data={"status": c.ProgrammeStatus.DRAFT})
    p.refresh_from_db()
    assert p.status == c.ProgrammeStatus.RUNNING


def test_it_refuses_a_session_outside_the_programme_period_and_writes_nothing(officer):
    p = h.programme(officer, start=h.today(), end=h.today() + dt.timedelta(days=10))
    with pytest.raises(ValidationError) as exc:
        h.session(officer, p, days_ago=1)
    assert "di luar periode program" in exc.value.message_dict["date"][0]
    assert not Session.objects.exists()


def test_it_refuses_a_session_ending_before_it_starts(officer):
    p = h.programme(officer)
    with pytest.raises(ValidationError) as exc:
        h.session(officer, p, start_time=dt.time(12), end_time=dt.time(9))
    assert "end_time" in exc.value.message_dict


def test_it_refuses_to_shrink_the_period_past_existing_sessions(officer):
    p = h.programme(officer)
    h.session(officer, p, days_ago=20)
    with pytest.raises(ValidationError):
        services.programme_update(actor=officer, programme=p, data={"start_date": h.today() - dt.timedelta(days=5)})


def test_it_keeps_a_session_with_attendance(officer):
    p = h.programme(officer)
    s = h.session(officer, p)
    (person,) = h.people(1)
    h.enrol(officer, p, person)
    services.attendance_record(actor=officer, session=s, roster=[person.pk], present=[person.pk])
    with pytest.raises(ValidationError):
        services.session_delete(actor=officer, session=s)


# --- enrolment -----------------------------------------------------------------------------------------------------


def test_it_walks_proposed_enrolled_active_completed_with_events(officer):
    p = h.programme(officer, threshold=50)
    s = h.session(officer, p)
    (person,) = h.people(1)
    e = services.enrolment_create(actor=officer, programme=p, person=person)
    assert e.status == S.PROPOSED
    e = services.enrolment_transition(actor=officer, enrolment=e, to_status=S.ENROLLED)
    assert e.enrolled_on == h.today()
    e = services.enrolment_transition(actor=officer, enrolment=e, to_status=S.ACTIVE)
    services.attendance_record(actor=officer, session=s, roster=[person.pk], present=[person.pk])
    e = services.enrolment_transition(actor=officer, enrolment=e, to_status=S.COMPLETED)
    assert e.status == S.COMPLETED and e.ended_on == h.today()
    steps = list(EnrolmentEvent.objects.filter(enrolment=e).values_list("from_status", "to_status", "actor"))
    assert steps == [
        ("", S.PROPOSED, officer.pk),
        (S.PROPOSED, S.ENROLLED, officer.pk),
        (S.ENROLLED, S.ACTIVE, officer.pk),
        (S.ACTIVE, S.COMPLETED, officer.pk),
    ]
    assert e.history.count() >= 4
    assert e.history.first().history_user == officer
    assert Certificate.objects.filter(enrolment=e).exists()


@pytest.mark.parametrize("start", [S.PROPOSED, S.ENROLLED, S.ACTIVE])
def test_it_ends_with_a_reason_only(officer, start):
    p = h.programme(officer)
    (person,) = h.people(1)
    e = services.enrolment_create(actor=officer, programme=p, person=person, enrol=start != S.PROPOSED)
    if start == S.ACTIVE:
        e = services.enrolment_transition(actor=officer, enrolment=e, to_status=S.ACTIVE)
    end = S.REJECTED if start == S.PROPOSED else S.DROPPED_OUT
    with pytest.raises(ValidationError) as exc:
        services.enrolment_transition(actor=officer, enrolment=e, to_status=end, reason="  ")
    assert "alasan" in " ".join(exc.value.messages).lower()
    e = services.enrolment_transition(actor=officer, enrolment=e, to_status=end, reason="Pindah kerja ke Jambi")
    assert e.status == end and e.reason == "Pindah kerja ke Jambi"


@pytest.mark.parametrize(
    ("start", "to"),
    [(S.PROPOSED, S.ACTIVE), (S.PROPOSED, S.COMPLETED), (S.ENROLLED, S.REJECTED), (S.ENROLLED, S.COMPLETED)],
)
def test_it_refuses_transitions_that_skip_steps(officer, start, to):
    p = h.programme(officer)
    (person,) = h.people(1)
    e = services.enrolment_create(actor=officer, programme=p, person=person, enrol=start == S.ENROLLED)
    with pytest.raises(ValidationError) as exc:
        services.enrolment_transition(actor=officer, enrolment=e, to_status=to, reason="x")
    assert "tidak bisa berubah" in exc.value.messages[0]
    e.refresh_from_db()
    assert e.status == start


def test_it_refuses_a_second_open_enrolment_in_the_same_programme(officer):
    p = h.programme(officer)
    (person,) = h.people(1)
    h.enrol(officer, p, person)
    with pytest.raises(ValidationError):
        services.enrolment_create(actor=officer, programme=p, person=person)
    assert Enrolment.objects.count() == 1


def test_it_re_enrols_a_drop_out_as_a_new_row_keeping_history(officer):
    p = h.programme(officer)
    (person,) = h.people(1)
    first = h.enrol(officer, p, person)
    services.enrolment_transition(actor=officer, enrolment=first, to_status=S.DROPPED_OUT, reason="Sakit")
    second = h.enrol(officer, p, person)
    assert second.pk != first.pk
    first.refresh_from_db()
    assert first.status == S.DROPPED_OUT and first.reason == "Sakit"
    assert EnrolmentEvent.objects.filter(enrolment=first).count() == 3


def test_it_refuses_to_enrol_a_deceased_person_and_writes_nothing(officer):
    (person,) = h.people(1)
    person.status = rc.PersonStatus.DECEASED
    person.date_of_death = h.today()
    person.save()
    p = h.programme(officer)
    with pytest.raises(ValidationError) as exc:
        services.enrolment_create(actor=officer, programme=p, person=person)
    assert "meninggal" in exc.value.messages[0]
    assert not Enrolment.objects.exists() and not EnrolmentEvent.objects.exists()


def test_it_refuses_enrolment_into_a_closed_programme(officer):
    p = h.programme(officer)
    services.programme_update(actor=officer, programme=p, data={"status": c.ProgrammeStatus.CLOSED})
    (person,) = h.people(1)
    with pytest.raises(ValidationError):
        h.enrol(officer, p, person)


def test_it_refuses_to_exceed_capacity_without_an_override(officer):
    p = h.programme(officer, capacity=2)
    a, b, extra = h.people(3)
    h.enrol(officer, p, a)
    h.enrol(officer, p, b)
    with pytest.raises(ValidationError) as exc:
        h.enrol(officer, p, extra)
    assert "Kuota program penuh (2 dari 2" in exc.value.messages[0]
    assert not Enrolment.objects.filter(person=extra).exists()


def test_it_exceeds_capacity_with_an_override_reason_and_audits_it(officer):
    p = h.programme(officer, capacity=1)
    a, extra = h.people(2)
    h.enrol(officer, p, a)
    e = h.enrol(officer, p, extra, override_reason="Penyandang disabilitas, kursi tambahan dari dinas")
    assert e.status == S.ENROLLED and e.capacity_override_reason.startswith("Penyandang")
    assert AuditEvent.objects.filter(detail__event="capacity_override", actor=officer).exists()


def test_it_counts_capacity_when_accepting_a_proposal(officer):
    p = h.programme(officer, capacity=1)
    a, b = h.people(2)
    h.enrol(officer, p, a)
    proposal = services.enrolment_create(actor=officer, programme=p, person=b)
    with pytest.raises(ValidationError):
        services.enrolment_transition(actor=officer, enrolment=proposal, to_status=S.ENROLLED)
    services.enrolment_transition(actor=officer, enrolment=proposal, to_status=S.ENROLLED, override_reason="Cadangan")


def test_it_proposes_a_list_set_based_skipping_the_dead_and_the_enrolled(officer, django_assert_max_num_queries):
    from berdaya.registry.models import Person

    p = h.programme(officer)
    crowd = h.people(20)
    h.enrol(officer, p, crowd[0])
    crowd[1].status = rc.PersonStatus.DECEASED
    crowd[1].save()
    with django_assert_max_num_queries(12):
        n = services.enrolment_bulk_propose(
            actor=officer, programme=p, people=Person.objects.filter(pk__in=[x.pk for x in crowd])
        )
    assert n == 18
    assert EnrolmentEvent.objects.filter(to_status=S.PROPOSED).count() == 19


# --- attendance and completion -------------------------------------------------------------------------------------


def test_it_records_a_whole_class_in_one_upsert_and_activates_first_timers(officer, django_assert_max_num_queries):
    p = h.programme(officer, capacity=20)
    s = h.session(officer, p)
    crowd = h.people(12)
    for person in crowd:
        h.enrol(officer, p, person)
    ids = [x.pk for x in crowd]
    with django_assert_max_num_queries(15):
        result = services.attendance_record(actor=officer, session=s, roster=ids, present=ids[:9])
    assert (result.present, result.absent, result.activated) == (9, 3, 9)
    assert Attendance.objects.filter(session=s, present=True).count() == 9
    assert Enrolment.objects.filter(status=S.ACTIVE).count() == 9
    # Saving again corrects ticks in place, without duplicates.
    services.attendance_record(actor=officer, session=s, roster=ids, present=ids[:10])
    assert Attendance.objects.filter(session=s).count() == 12
    assert Attendance.objects.filter(session=s, present=True).count() == 10


def test_it_refuses_attendance_for_a_person_not_enrolled_and_writes_nothing(officer):
    p = h.programme(officer)
    s = h.session(officer, p)
    enrolled, stranger, proposed = h.people(3)
    h.enrol(officer, p, enrolled)
    services.enrolment_create(actor=officer, programme=p, person=proposed)
    for outsider in (stranger, proposed):
        with pytest.raises(ValidationError) as exc:
            services.attendance_record(
                actor=officer, session=s, roster=[enrolled.pk, outsider.pk], present=[enrolled.pk, outsider.pk]
            )
        assert "tidak terdaftar atau tidak aktif" in exc.value.messages[0]
        assert outsider.full_name in exc.value.messages[0]
    assert not Attendance.objects.exists()
    assert Enrolment.objects.get(person=enrolled).status == S.ENROLLED


def test_it_refuses_attendance_for_a_future_session(officer):
    p = h.programme(officer)
    s = h.session(officer, p, days_ago=-3)
    (person,) = h.people(1)
    h.enrol(officer, p, person)
    with pytest.raises(ValidationError):
        services.attendance_record(actor=officer, session=s, roster=[person.pk], present=[person.pk])


def _class_with_attendance(officer, *, sessions: int, attended: list[int], threshold: int = 75):
    p = h.programme(officer, threshold=threshold)
    held = [h.session(officer, p, days_ago=10 - i) for i in range(sessions)]
    crowd = h.people(len(attended))
    for person in crowd:
        h.enrol(officer, p, person)
    for i, s in enumerate(held):
        present = [person.pk for person, n in zip(crowd, attended, strict=True) if n > i]
        services.attendance_record(actor=officer, session=s, roster=[x.pk for x in crowd], present=present)
    return p, crowd


def test_it_completes_exactly_those_at_or_above_the_threshold(officer):
    # 4 sessions at 75%: 3 needed. Attended 4, 3, 2, 0.
    p, crowd = _class_with_attendance(officer, sessions=4, attended=[4, 3, 2, 0])
    assert services.programme_complete(actor=officer, programme=p) == 2
    statuses = {e.person_id: e.status for e in Enrolment.objects.all()}
    assert [statuses[x.pk] for x in crowd] == [S.COMPLETED, S.COMPLETED, S.ACTIVE, S.ENROLLED]
    assert Certificate.objects.count() == 2
    assert EnrolmentEvent.objects.filter(to_status=S.COMPLETED).count() == 2
    # Running it again completes nobody new and issues no second certificate.
    assert services.programme_complete(actor=officer, programme=p) == 0
    assert Certificate.objects.count() == 2


def test_it_rounds_the_threshold_up(officer):
    # 3 sessions at 75% is 2.25: 3 needed, so 2 of 3 is not enough.
    p, _crowd = _class_with_attendance(officer, sessions=3, attended=[3, 2])
    assert services.programme_complete(actor=officer, programme=p) == 1


def test_it_refuses_manual_completion_below_the_threshold(officer):
    _p, crowd = _class_with_attendance(officer, sessions=4, attended=[2])
    e = Enrolment.objects.get(person=crowd[0])
    with pytest.raises(ValidationError) as exc:
        services.enrolment_transition(actor=officer, enrolment=e, to_status=S.COMPLETED)
    assert "Kehadiran 2 dari 4 sesi (50%) di bawah batas lulus 75%" in exc.value.messages[0]


def test_it_refuses_completion_before_any_session(officer):
    p = h.programme(officer)
    with pytest.raises(ValidationError):
        services.programme_complete(actor=officer, programme=p)


def test_it_issues_unguessable_distinct_certificate_codes():
    codes = {services.new_certificate_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(len(code) == 19 and code.count("-") == 3 for code in codes)


# --- assistance ----------------------------------------------------------------------------------------------------


def _recipient(officer, p, person=None):
    person = person or h.people(1)[0]
    h.enrol(officer, p, person)
    return person


def cash(actor, p, person, amount=1_500_000, **data):
    return services.assistance_create(
        actor=actor, programme=p, person=person, data={"kind": c.AssistanceKind.CASH_GRANT, "amount": amount, **data}
    )


def test_it_walks_assistance_planned_approved_disbursed_acknowledged(officer):
    p = h.programme(officer, kind=c.ProgrammeKind.CAPITAL)
    a = cash(officer, p, _recipient(officer, p))
    for status in (c.AssistanceStatus.APPROVED, c.AssistanceStatus.DISBURSED, c.AssistanceStatus.ACKNOWLEDGED):
        a = services.assistance_transition(actor=officer, assistance=a, to_status=status)
    assert a.approved_by == officer and a.disbursed_at and a.acknowledged_at
    assert a.history.count() == 4


def test_it_refuses_to_disburse_before_approval(officer):
    p = h.programme(officer)
    a = cash(officer, p, _recipient(officer, p))
    with pytest.raises(ValidationError):
        services.assistance_transition(actor=officer, assistance=a, to_status=c.AssistanceStatus.DISBURSED)


@pytest.mark.parametrize("amount", [-500_000, 0])
def test_it_refuses_negative_or_zero_amounts(officer, amount):
    p = h.programme(officer)
    person = _recipient(officer, p)
    with pytest.raises(ValidationError) as exc:
        cash(officer, p, person, amount=amount)
    assert "negatif tidak diterima" in exc.value.message_dict["amount"][0]
    assert not Assistance.objects.exists()


def test_it_requires_a_quantity_and_unit_for_goods(officer):
    p = h.programme(officer, kind=c.ProgrammeKind.IN_KIND)
    person = _recipient(officer, p)
    with pytest.raises(ValidationError):
        services.assistance_create(
            actor=officer, programme=p, person=person, data={"kind": c.AssistanceKind.EQUIPMENT, "quantity": 1}
        )
    a = services.assistance_create(
        actor=officer,
        programme=p,
        person=person,
        data={"kind": c.AssistanceKind.EQUIPMENT, "quantity": 1, "unit": "unit", "description": "Mesin jahit"},
    )
    assert a.amount is None


def test_it_refuses_assistance_for_someone_not_taking_part(officer):
    p = h.programme(officer)
    (stranger,) = h.people(1)
    with pytest.raises(ValidationError):
        cash(officer, p, stranger)


def test_it_refuses_a_disbursement_above_the_remaining_budget_and_changes_nothing(officer):
    p = h.programme(officer, budget=2_000_000)
    first = cash(officer, p, _recipient(officer, p), amount=1_500_000)
    second = cash(officer, p, _recipient(officer, p), amount=1_000_000)
    for a in (first, second):
        services.assistance_transition(actor=officer, assistance=a, to_status=c.AssistanceStatus.APPROVED)
    services.assistance_transition(actor=officer, assistance=first, to_status=c.AssistanceStatus.DISBURSED)
    with pytest.raises(ValidationError) as exc:
        services.assistance_transition(actor=officer, assistance=second, to_status=c.AssistanceStatus.DISBURSED)
    assert "Penyaluran Rp1.000.000 melebihi sisa anggaran program Rp500.000" in exc.value.messages[0]
    second.refresh_from_db()
    assert second.status == c.AssistanceStatus.APPROVED and second.disbursed_at is None


def test_it_flags_double_dipping_across_programmes_and_organisations(officer, partner):
    # given a person who received a cash grant from the regency's social office 100 days ago
    dinsos = h.programme(officer, kind=c.ProgrammeKind.CAPITAL)
    person = _recipient(officer, dinsos)
    earlier = cash(officer, dinsos, person, date=h.today() - dt.timedelta(days=100), note="catatan rahasia dinsos")
    services.assistance_transition(actor=officer, assistance=earlier, to_status=c.AssistanceStatus.APPROVED)
    # when an NGO that registered the household plans another cash grant for them
    person.household.registered_by_organisation = partner.organisation
    person.household.save()
    ngo = h.programme(partner, kind=c.ProgrammeKind.CAPITAL)
    _recipient(partner, ngo, person)
    planned = cash(partner, ngo, person)
    # then approval is refused with counts and the organisation, never the other partner's note
    with pytest.raises(ValidationError) as exc:
        services.assistance_transition(actor=partner, assistance=planned, to_status=c.AssistanceStatus.APPROVED)
    message = exc.value.messages[0]
    assert "penerimaan ganda" in message and "1 kali dari Dinas Sosial Kabupaten Merangin" in message
    assert "rahasia" not in message and "1.500.000" not in message
    planned.refresh_from_db()
    assert planned.status == c.AssistanceStatus.PLANNED
    # and an explicit reason lets it through, audited
    services.assistance_transition(
        actor=partner,
        assistance=planned,
        to_status=c.AssistanceStatus.APPROVED,
        override_reason="Usaha pertama gagal karena banjir",
    )
    planned.refresh_from_db()
    assert planned.double_dip_override_reason == "Usaha pertama gagal karena banjir"
    assert AuditEvent.objects.filter(detail__event="double_dip_override").exists()


def test_it_does_not_flag_other_kinds_or_outside_the_window(officer, settings):
    settings.BERDAYA = {**settings.BERDAYA, "DOUBLE_DIP_WINDOW_DAYS": 30}
    p = h.programme(officer, start=h.today() - dt.timedelta(days=200))
    person = _recipient(officer, p)
    # given a cash grant received 60 days ago (outside the 30-day window) and a revolving loan (another kind) today
    old = cash(officer, p, person, date=h.today() - dt.timedelta(days=60))
    services.assistance_transition(actor=officer, assistance=old, to_status=c.AssistanceStatus.APPROVED)
    loan = services.assistance_create(
        actor=officer, programme=p, person=person, data={"kind": c.AssistanceKind.REVOLVING_LOAN, "amount": 1_000_000}
    )
    services.assistance_transition(actor=officer, assistance=loan, to_status=c.AssistanceStatus.APPROVED)
    # when a cash grant for today is approved
    again = cash(officer, p, person)
    services.assistance_transition(actor=officer, assistance=again, to_status=c.AssistanceStatus.APPROVED)
    # then neither record counts against it: approved without a reason, nothing flagged, no override audited
    again.refresh_from_db()
    assert again.status == c.AssistanceStatus.APPROVED and again.double_dip_override_reason == ""
    assert selectors.double_dip_summary(again) == []
    assert not AuditEvent.objects.filter(detail__event="double_dip_override").exists()
    assert [a.double_dip for a in selectors.flag_double_dips([old, loan, again])] == [False, False, False]
    # and a cash grant inside the window (20 days before today's) is flagged: the window is what let the others by
    inside = cash(officer, p, person, date=h.today() - dt.timedelta(days=20))
    assert selectors.flag_double_dips([inside])[0].double_dip
    assert [m["count"] for m in selectors.double_dip_summary(inside)] == [1]
    with pytest.raises(ValidationError, match="penerimaan ganda"):
        services.assistance_transition(actor=officer, assistance=inside, to_status=c.AssistanceStatus.APPROVED)


def test_it_ignores_cancelled_assistance_for_double_dipping(officer):
    p = h.programme(officer)
    person = _recipient(officer, p)
    first = cash(officer, p, person)
    with pytest.raises(ValidationError):
        services.assistance_transition(actor=officer, assistance=first, to_status=c.AssistanceStatus.CANCELLED)
    services.assistance_transition(
        actor=officer, assistance=first, to_status=c.AssistanceStatus.CANCELLED, reason="Salah input"
    )
    second = cash(officer, p, person)
    services.assistance_transition(actor=officer, assistance=second, to_status=c.AssistanceStatus.APPROVED)


# --- needs ---------------------------------------------------------------------------------------------------------


def test_it_records_and_replaces_a_persons_needs(facilitator):
    (person,) = h.people(1)
    sewing, books, safe = h.need("sewing"), h.need("bookkeeping"), h.need("safe_migration")
    services.person_needs_set(
        actor=facilitator, person=person, needs={sewing.pk: "ingin buka usaha jahit", books.pk: ""}
    )
    services.person_needs_set(
        actor=facilitator, person=person, needs={sewing.pk: "ingin buka usaha jahit", safe.pk: ""}
    )
    assert set(PersonNeed.objects.values_list("need__code", flat=True)) == {"sewing", "safe_migration"}
    assert PersonNeed.objects.get(need=sewing).recorded_by == facilitator


def test_it_refuses_needs_outside_the_facilitators_villages(facilitator):
    (person,) = h.people(1, village="15.02.02.2004")
    with pytest.raises(PermissionDenied):
        services.person_needs_set(actor=facilitator, person=person, needs={h.need("sewing").pk: ""})
