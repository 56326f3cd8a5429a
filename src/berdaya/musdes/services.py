"""Writes of the village consultation: plan a meeting, record its outcome and decisions, upload its minutes, and
apply it to the run's final list through targeting's services (every change with source "musdes:<id>")."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.areas.models import Village
from berdaya.core.audit import audit
from berdaya.core.documents import check_document, store_document
from berdaya.registry.access import people_visible_to
from berdaya.registry.models import Person
from berdaya.targeting import choices as tc
from berdaya.targeting import selectors as tsel
from berdaya.targeting import services as tservices
from berdaya.targeting.models import Candidate, TargetingRun

from . import access
from . import choices as c
from .models import Meeting, MeetingDecision, MinutesDocument


def _ensure_open(meeting: Meeting) -> None:
    status = Meeting.objects.filter(pk=meeting.pk).values_list("status", flat=True).get()
    if status == c.MeetingStatus.APPLIED:
        raise ValidationError(_("Hasil musyawarah ini sudah diterapkan: tidak bisa diubah lagi."))
    run_status = TargetingRun.objects.filter(pk=meeting.run_id).values_list("status", flat=True).get()
    if run_status != tc.RunStatus.SUCCEEDED:
        raise ValidationError(_("Daftar proses ini sudah tidak bisa ditinjau (sudah disetujui atau gagal)."))


@transaction.atomic
def meeting_plan(
    *, actor: User, run: TargetingRun, village: Village, date: dt.date, place: str, minutes_number: str = ""
) -> Meeting:
    """Plan the meeting about `run`'s list in `village` (its date and place go on the notice board)."""
    access.ensure_can_prepare(actor, village=village)
    if not access.runs_for_meetings(actor).filter(pk=run.pk).exists():
        raise ValidationError(
            _("Daftar proses ini tidak bisa dibawa ke musyawarah (belum selesai atau sudah disetujui).")
        )
    if Meeting.objects.filter(run=run, village=village).exists():
        raise ValidationError(_("Musyawarah untuk daftar ini di desa ini sudah ada."))
    meeting = Meeting(
        run=run,
        village=village,
        date=date,
        place=(place or "").strip()[:200],
        minutes_number=(minutes_number or "").strip()[:60],
        created_by=actor,
    )
    meeting.full_clean()
    meeting.save()
    audit(actor=actor, action="create", obj=meeting, run=run.pk, village=village.pk)
    return meeting


@transaction.atomic
def meeting_record(
    *,
    actor: User,
    meeting: Meeting,
    date: dt.date,
    place: str,
    men: int,
    women: int,
    men_disability: int,
    women_disability: int,
    objection_until: dt.date | None,
    minutes_number: str = "",
) -> Meeting:
    """Record how the meeting went: when and where, who came (by sex and disability) and the objection window."""
    access.ensure_can_prepare(actor, meeting)
    _ensure_open(meeting)
    meeting.date = date
    meeting.place = (place or "").strip()[:200]
    meeting.men, meeting.women = men, women
    meeting.men_disability, meeting.women_disability = men_disability, women_disability
    meeting.objection_until = objection_until
    meeting.minutes_number = (minutes_number or "").strip()[:60]
    meeting.full_clean()
    meeting.save()
    audit(actor=actor, action="update", obj=meeting, attendees=meeting.attendees)
    return meeting


@transaction.atomic
def meeting_add_minutes(*, actor: User, meeting: Meeting, upload: UploadedFile, title: str) -> MinutesDocument:
    """Attach the signed minutes (berita acara) or the attendance list: checked by extension, size and content."""
    access.ensure_can_prepare(actor, meeting)
    content_type = check_document(upload)
    title = (title or "").strip() or _("Berita acara musyawarah")
    document = MinutesDocument(
        meeting=meeting,
        title=title[:150],
        original_name=Path(upload.name or "").name[:200],
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=actor,
    )
    store_document(document, upload)
    audit(actor=actor, action="create", obj=document, meeting=meeting.pk, size=document.size)
    return document


def _person_in_village(actor: User, meeting: Meeting, person: Person) -> None:
    if not people_visible_to(actor).filter(pk=person.pk).exists():
        raise PermissionDenied(_("Penduduk ini di luar wilayah atau organisasi Anda."))
    if person.household.village_id != meeting.village_id:
        raise ValidationError(_("Penduduk ini tidak tinggal di desa musyawarah ini."))


@transaction.atomic
def decision_set(*, actor: User, meeting: Meeting, person: Person, decision: str, reason: str = "") -> MeetingDecision:
    """Record the meeting's decision about one person: agree to keep, remove (with reason), or add (with reason).

    Keeping or removing applies to people on the list; adding to residents of the village who are not on it."""
    access.ensure_can_prepare(actor, meeting)
    _ensure_open(meeting)
    _person_in_village(actor, meeting, person)
    if decision not in c.Decision.values:
        raise ValidationError({"decision": _("Keputusan tidak dikenal.")})
    reason = (reason or "").strip()[:300]
    if decision != c.Decision.AGREED and not reason:
        raise ValidationError({"reason": _("Tuliskan alasannya: keputusan musyawarah harus bisa diperiksa.")})
    on_list = tsel.final_candidates(meeting.run).filter(person=person).exists()
    if decision == c.Decision.ADDED and on_list:
        raise ValidationError(_("%(n)s sudah ada dalam daftar.") % {"n": person.full_name})
    if decision != c.Decision.ADDED and not on_list:
        raise ValidationError(_("%(n)s tidak ada dalam daftar: pilih “ditambahkan”.") % {"n": person.full_name})
    row, _created = MeetingDecision.objects.update_or_create(
        meeting=meeting, person=person, defaults={"decision": decision, "reason": reason, "decided_by": actor}
    )
    row.full_clean()
    audit(actor=actor, action="event", event="musdes.decision", obj=meeting, person=person.pk, decision=decision)
    return row


@transaction.atomic
def decision_clear(*, actor: User, meeting: Meeting, person: Person) -> None:
    access.ensure_can_prepare(actor, meeting)
    _ensure_open(meeting)
    MeetingDecision.objects.filter(meeting=meeting, person=person).delete()


@transaction.atomic
def meeting_apply(*, actor: User, meeting: Meeting) -> dict[str, int]:
    """Make the list after the meeting the run's final list for the village, in one transaction: each removal and
    addition goes through targeting's services with source "musdes:<id>" (so the run's review log names the
    meeting), and every person left on the list gets an explicit "agreed" decision, so the proposal file for
    SIKS-NG lists the whole outcome. A failure anywhere leaves the list and the meeting as they were."""
    access.ensure_can_apply(actor)
    meeting = Meeting.objects.select_for_update().select_related("run", "village").get(pk=meeting.pk)
    _ensure_open(meeting)
    if not meeting.attendees:
        raise ValidationError(_("Catat dulu peserta musyawarah (laki-laki dan perempuan)."))
    if not meeting.documents.exists():
        raise ValidationError(_("Unggah dulu berita acara musyawarah."))
    run = meeting.run
    decisions = list(meeting.decisions.select_related("person__household"))
    counts = {"removed": 0, "added": 0, "agreed": 0}
    by_person = {
        cand.person_id: cand
        for cand in Candidate.objects.filter(run=run, person_id__in=[d.person_id for d in decisions])
    }
    for d in decisions:
        candidate = by_person.get(d.person_id)
        reason = (
            _("Musdes %(date)s: %(reason)s") % {"date": meeting.date.isoformat(), "reason": d.reason}
            if d.reason
            else _("Disepakati musdes %(date)s") % {"date": meeting.date.isoformat()}
        )
        if d.decision == c.Decision.REMOVED and candidate is not None:
            tservices.candidate_exclude(actor=actor, candidate=candidate, reason=reason, source=meeting.source)
            counts["removed"] += 1
        elif d.decision == c.Decision.ADDED:
            tservices.candidate_add(actor=actor, run=run, person=d.person, reason=reason, source=meeting.source)
            counts["added"] += 1
        elif d.decision == c.Decision.AGREED and candidate is not None and candidate.review == tc.Review.EXCLUDED:
            # Excluded after the notice was printed, kept by the meeting: the meeting's decision stands.
            tservices.candidate_restore(actor=actor, candidate=candidate, reason=reason, source=meeting.source)
    # Everyone still on the village's list without a decision was agreed by the meeting (ids streamed in batches).
    decided = MeetingDecision.objects.filter(meeting=meeting).values("person_id")
    remaining = (
        tsel.final_candidates(run)
        .filter(village_id=meeting.village_id)
        .exclude(person_id__in=decided)
        .values_list("person_id", flat=True)
    )
    MeetingDecision.objects.bulk_create(
        [
            MeetingDecision(meeting=meeting, person_id=pid, decision=c.Decision.AGREED, decided_by=actor)
            for pid in remaining.iterator(chunk_size=2000)
        ],
        batch_size=2000,
    )
    counts["agreed"] = meeting.decisions.filter(decision=c.Decision.AGREED).count()
    meeting.status = c.MeetingStatus.APPLIED
    meeting.applied_by = actor
    meeting.applied_at = timezone.now()
    meeting.save(update_fields=["status", "applied_by", "applied_at"])
    audit(
        actor=actor,
        action="event",
        event="musdes.apply",
        obj=meeting,
        run=run.pk,
        removed=counts["removed"],
        added=counts["added"],
        agreed=counts["agreed"],
    )
    return counts
