import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from berdaya.core.models import AuditEvent
from berdaya.musdes import choices as c
from berdaya.musdes import documents, services
from berdaya.musdes.models import Meeting, MeetingDecision
from berdaya.targeting import selectors as tsel
from berdaya.targeting import services as tservices
from berdaya.targeting.models import ReviewLog
from berdaya.testing.clients import client_for

from .helpers import OTHER, VILLAGE, farmers, held, meeting_for, run_for


@pytest.fixture
def world(officer, media):
    people = farmers()
    run = run_for(officer)
    return people, run


def _final(run, village=VILLAGE):
    return set(tsel.final_candidates(run).filter(village_id=village).values_list("person_id", flat=True))


def test_the_notice_board_pdf_lists_the_village_with_nik_masked(officer, world):
    people, run = world
    meeting = meeting_for(officer, run)
    pdf = documents.notice_pdf(actor=officer, meeting=meeting)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 1000
    text = documents.document_text(documents.notice_document(actor=officer, meeting=meeting))
    poor = people[VILLAGE][:4]
    for person in poor:
        assert person.full_name in text
        assert person.nik not in text and person.nik[-6:] not in text
    assert "•" * 16 in text
    assert "Dusun Sungai Tebal 0" in text and "001/002" in text
    assert "petani kecil" in text and "desil" in text  # the reason, in words
    assert people[VILLAGE][6].full_name not in text  # decile 7: not on the list
    assert all(p.full_name not in text for p in people[OTHER])  # another village's list
    assert "Balai Desa" in text
    assert AuditEvent.objects.filter(action="export", detail__event="musdes.notice_pdf").count() == 1


def test_the_meeting_decides_the_final_list_with_its_source(officer, world):
    people, run = world
    meeting = held(officer, meeting_for(officer, run))
    removed, kept = people[VILLAGE][0], people[VILLAGE][1]
    newcomer = people[VILLAGE][6]
    assert _final(run) == {p.pk for p in people[VILLAGE][:4]}
    services.decision_set(actor=officer, meeting=meeting, person=removed, decision="removed", reason="Sudah pindah")
    services.decision_set(actor=officer, meeting=meeting, person=newcomer, decision="added", reason="Sakit kronis")
    services.decision_set(actor=officer, meeting=meeting, person=kept, decision="agreed")
    with pytest.raises(ValidationError):
        services.decision_set(actor=officer, meeting=meeting, person=people[VILLAGE][2], decision="removed")
    with pytest.raises(ValidationError):  # another village's resident
        services.decision_set(actor=officer, meeting=meeting, person=people[OTHER][0], decision="added", reason="x")

    counts = services.meeting_apply(actor=officer, meeting=meeting)

    assert counts == {"removed": 1, "added": 1, "agreed": 3}
    assert _final(run) == {newcomer.pk, *(p.pk for p in people[VILLAGE][1:4])}
    assert _final(run, OTHER) == {p.pk for p in people[OTHER]}  # the other village is untouched
    logs = ReviewLog.objects.filter(run=run, source_kind="musdes", source_ref=str(meeting.pk))
    assert {(log.action, log.candidate.person_id) for log in logs} == {("exclude", removed.pk), ("add", newcomer.pk)}
    assert all("Sudah pindah" in log.reason or "Sakit kronis" in log.reason for log in logs)
    meeting.refresh_from_db()
    assert meeting.status == c.MeetingStatus.APPLIED
    assert MeetingDecision.objects.filter(meeting=meeting).count() == 5
    # The meeting's page still shows each decision once: the struck-off person (no longer on the final list) with
    # its reason, the added one (now a candidate) once.
    page = client_for(officer).get(reverse("musdes:meeting_detail", args=[meeting.pk])).content.decode()
    assert page.count(f"<td>{removed.full_name}</td>") == 1 and "Sudah pindah" in page
    assert page.count(f"<td>{newcomer.full_name}</td>") == 1
    assert page.count(f"<td>{kept.full_name}</td>") == 1
    with pytest.raises(ValidationError):
        services.decision_set(actor=officer, meeting=meeting, person=kept, decision="removed", reason="lagi")
    with pytest.raises(ValidationError):
        services.meeting_apply(actor=officer, meeting=meeting)


def test_applying_is_all_or_nothing(officer, world, monkeypatch):
    people, run = world
    meeting = held(officer, meeting_for(officer, run))
    services.decision_set(actor=officer, meeting=meeting, person=people[VILLAGE][0], decision="removed", reason="x")
    services.decision_set(actor=officer, meeting=meeting, person=people[VILLAGE][6], decision="added", reason="y")
    before = _final(run)

    def broken(**kwargs):
        raise ValidationError("gagal")

    monkeypatch.setattr(tservices, "candidate_add", broken)
    with pytest.raises(ValidationError):
        services.meeting_apply(actor=officer, meeting=meeting)
    assert _final(run) == before
    assert not ReviewLog.objects.filter(run=run).exists()
    assert Meeting.objects.get(pk=meeting.pk).status == c.MeetingStatus.PLANNED
    assert MeetingDecision.objects.filter(meeting=meeting).count() == 2


def test_applying_needs_attendance_and_minutes(officer, world):
    _people, run = world
    meeting = meeting_for(officer, run)
    with pytest.raises(ValidationError, match="peserta"):
        services.meeting_apply(actor=officer, meeting=meeting)
    services.meeting_record(
        actor=officer,
        meeting=meeting,
        date=meeting.date,
        place="Balai",
        men=3,
        women=4,
        men_disability=0,
        women_disability=0,
        objection_until=None,
    )
    with pytest.raises(ValidationError, match="berita acara"):
        services.meeting_apply(actor=officer, meeting=meeting)


def test_attendance_and_objection_window_are_checked(officer, world):
    _people, run = world
    meeting = meeting_for(officer, run)
    with pytest.raises(ValidationError):
        services.meeting_record(
            actor=officer,
            meeting=meeting,
            date=meeting.date,
            place="Balai",
            men=3,
            women=4,
            men_disability=4,
            women_disability=0,
            objection_until=None,
        )
    with pytest.raises(ValidationError):
        services.meeting_record(
            actor=officer,
            meeting=meeting,
            date=meeting.date,
            place="Balai",
            men=3,
            women=4,
            men_disability=0,
            women_disability=0,
            objection_until=meeting.date - dt.timedelta(days=1),
        )


@pytest.mark.parametrize(
    "name,content",
    [("ba.pdf", b"MZ\x90\x00 not a pdf"), ("ba.exe", b"MZ\x90\x00"), ("ba.pdf", b"")],
)
def test_the_minutes_upload_is_checked(officer, world, name, content):
    _people, run = world
    meeting = meeting_for(officer, run)
    with pytest.raises(ValidationError):
        services.meeting_add_minutes(
            actor=officer, meeting=meeting, upload=SimpleUploadedFile(name, content), title="BA"
        )
    assert not meeting.documents.exists()


def test_a_second_meeting_for_the_same_list_and_village_is_refused(officer, world):
    _people, run = world
    meeting_for(officer, run)
    with pytest.raises(ValidationError):
        meeting_for(officer, run)


def test_an_approved_run_cannot_go_to_a_meeting(officer, world):
    _people, run = world
    tservices.run_approve(actor=officer, run=run)
    with pytest.raises(ValidationError):
        meeting_for(officer, run)


def test_facilitators_prepare_but_do_not_apply(officer, facilitator, world):
    people, run = world
    meeting = held(facilitator, meeting_for(facilitator, run))
    services.decision_set(actor=facilitator, meeting=meeting, person=people[VILLAGE][0], decision="removed", reason="x")
    with pytest.raises(PermissionDenied):
        services.meeting_apply(actor=facilitator, meeting=meeting)
    assert documents.notice_pdf(actor=facilitator, meeting=meeting).startswith(b"%PDF-")
