"""Programme figures under the registry's person scope (UU PDP): partner staff count a programme over the people they
may see, never a participant who withdrew consent to sharing with partners. Their enrolment counts, their spent
totals and a session's access needs equal what they can sum from the rows they read (the participant list, the
assistance ledger), so no difference gives her back; every programme page says so to them, whoever takes part.
Officers read every participant, her included (the interpreter is still booked)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from berdaya.core.money import format_rupiah
from berdaya.programmes import choices as c
from berdaya.programmes import selectors, services
from berdaya.programmes.models import Assistance
from berdaya.registry import choices as rc
from berdaya.registry import services as registry_services
from berdaya.testing import factories as f
from berdaya.testing import programmes as tp
from berdaya.testing.clients import client_for

VILLAGE = "15.02.01.2001"
SEEN_NOTE = "Angka dihitung dari peserta yang dapat Anda lihat."
NEEDS_NOTE = "kebutuhan peserta lain diatur oleh Dinas"


def _deaf(name):
    return f.person(name=name, hh=f.household(village=VILLAGE), sex=rc.Sex.FEMALE, wgss_hearing=rc.WGSSAnswer.CANNOT)


def _assist(officer, programme, person, amount, status=c.AssistanceStatus.DISBURSED):
    return Assistance.objects.create(
        programme=programme,
        person=person,
        kind=c.AssistanceKind.CASH_GRANT,
        amount=amount,
        date=tp.today() - dt.timedelta(days=3),
        status=status,
        created_by=officer,
    )


@pytest.fixture
def world(officer, partner):
    """The partner's programme: "Rina Terlihat" and "Siti Menarik" attend (both need a sign-language interpreter) and
    received cash; Siti withdrew consent to sharing with partners. A session is upcoming, without an interpreter."""
    programme = tp.programme(officer, organiser=partner.organisation, capacity=5, budget=2_000_000)
    seen, withdrawn = _deaf("Rina Terlihat"), _deaf("Siti Menarik")
    for person in (seen, withdrawn):
        tp.enrol(officer, programme, person)
    _assist(officer, programme, seen, 300_000)
    _assist(officer, programme, withdrawn, 700_000)
    _assist(officer, programme, withdrawn, 50_000, status=c.AssistanceStatus.APPROVED)
    session = tp.session(officer, programme, days_ago=-7, topic="Pembukuan usaha")
    registry_services.consent_withdraw(
        actor=officer, person=withdrawn, purpose=rc.ConsentPurpose.SHARING, on=dt.date.today() - dt.timedelta(days=1)
    )
    return {"programme": programme, "seen": seen, "withdrawn": withdrawn, "session": session}


def _summed_from_rows(user, programme):
    """The figures `user` can add up from the rows they read: the participants and the assistance ledger."""
    enrolments = list(selectors.enrolment_list(actor=user, programme=programme))
    ledger = list(selectors.assistance_ledger(actor=user, programme=programme))
    by_status = Counter(e.status for e in enrolments)
    spent = sum(a.amount for a in ledger if a.status in c.SPENT_STATUSES)
    committed = sum(a.amount for a in ledger if a.status == c.AssistanceStatus.APPROVED)
    return {
        "people": {e.person_id for e in enrolments},
        "statuses": {s: by_status[s] for s in c.EnrolmentStatus.values},
        "seats": sum(by_status[s] for s in c.SEAT_STATUSES),
        "spent": spent,
        "committed": committed,
    }


def _figures(user, programme):
    stats = selectors.programme_stats([programme.pk], actor=user)[programme.pk]
    budget = selectors.budget_summary(programme, actor=user)
    return stats, budget


def test_a_partners_programme_figures_are_what_they_can_sum_from_the_rows_they_see(officer, partner, world):
    programme, withdrawn = world["programme"], world["withdrawn"]
    for user, includes_her in ((partner, False), (officer, True)):
        rows = _summed_from_rows(user, programme)
        assert (withdrawn.pk in rows["people"]) is includes_her
        stats, budget = _figures(user, programme)
        assert {s: stats[s] for s in c.EnrolmentStatus.values} == rows["statuses"]
        assert stats["seats"] == rows["seats"] and stats["spent"] == rows["spent"]
        assert (budget.spent, budget.committed) == (rows["spent"], rows["committed"])
        assert budget.remaining == programme.budget - rows["spent"]
    # The officer's figures still count her: one seat and her assistance more than the partner's.
    (p_stats, p_budget), (o_stats, o_budget) = _figures(partner, programme), _figures(officer, programme)
    assert o_stats["seats"] - p_stats["seats"] == 1
    assert o_budget.spent - p_budget.spent == 700_000 and o_budget.committed - p_budget.committed == 50_000


def test_the_programme_pages_show_partner_staff_their_figures_with_a_note(officer, partner, world):
    programme = world["programme"]
    as_partner, as_officer = client_for(partner), client_for(officer)
    rows = _summed_from_rows(partner, programme)
    detail = as_partner.get(reverse("programmes:programme_detail", args=[programme.pk]))
    assert detail.context["stats"]["seats"] == rows["seats"] and detail.context["budget"].spent == rows["spent"]
    ledger = as_partner.get(reverse("programmes:assistance_ledger", args=[programme.pk]))
    assert ledger.context["budget"].spent == rows["spent"]
    listing = as_partner.get(reverse("programmes:programme_list"))
    [row] = [p for p in listing.context["page"].items if p.pk == programme.pk]
    assert (row.stats["seats"], row.stats["spent"]) == (rows["seats"], rows["spent"])
    assert format_rupiah(rows["spent"]) in listing.content.decode()
    for response in (detail, ledger, listing):
        assert SEEN_NOTE in response.content.decode() or "Realisasi dihitung dari bantuan" in response.content.decode()
    officer_detail = as_officer.get(reverse("programmes:programme_detail", args=[programme.pk]))
    assert officer_detail.context["budget"].spent == _summed_from_rows(officer, programme)["spent"]
    assert SEEN_NOTE not in officer_detail.content.decode()


def test_the_note_depends_on_no_ones_data(officer, partner):
    """A programme of the partner where nobody withdrew, and one with no participant at all, carry the same note."""
    full = tp.programme(officer, organiser=partner.organisation)
    tp.enrol(officer, full, f.person(name="Ani Hadir", hh=f.household(village=VILLAGE)))
    empty = tp.programme(officer, organiser=partner.organisation)
    as_partner = client_for(partner)
    for programme in (full, empty):
        page = as_partner.get(reverse("programmes:programme_detail", args=[programme.pk])).content.decode()
        assert SEEN_NOTE in page and NEEDS_NOTE in page
    assert SEEN_NOTE in as_partner.get(reverse("programmes:programme_list")).content.decode()


def test_a_sessions_needs_count_the_participants_partner_staff_see_and_every_one_for_officers(officer, partner, world):
    programme, session = world["programme"], world["session"]
    seen_needing = len(
        [e for e in selectors.enrolment_list(actor=partner, programme=programme) if e.status in c.ATTENDING_STATUSES]
    )
    [partner_need] = selectors.session_needs(programme, [session], actor=partner)[session.pk]
    [officer_need] = selectors.session_needs(programme, [session], actor=officer)[session.pk]
    assert partner_need.needed == seen_needing and officer_need.needed == seen_needing + 1
    assert not officer_need.provided
    as_partner, as_officer = client_for(partner), client_for(officer)
    pages = {
        "detail": reverse("programmes:programme_detail", args=[programme.pk]),
        "edit": reverse("programmes:session_edit", args=[session.pk]),
    }
    for url in pages.values():
        mine = as_partner.get(url).content.decode()
        assert f"{seen_needing} peserta perlu juru bahasa isyarat" in mine and NEEDS_NOTE in mine
        theirs = as_officer.get(url).content.decode()
        assert f"{seen_needing + 1} peserta perlu juru bahasa isyarat" in theirs and NEEDS_NOTE not in theirs


def test_refusals_do_not_count_the_seats_or_the_spending_partner_staff_do_not_see(officer, partner, world):
    programme = world["programme"]
    programme.capacity = 2
    programme.save(update_fields=["capacity"])
    newcomer = f.person(name="Dewi Baru", hh=f.household(village=VILLAGE))
    tp.enrol(officer, tp.programme(officer, organiser=partner.organisation), newcomer)  # in the partner's reach
    with pytest.raises(ValidationError) as full:
        services.enrolment_create(actor=partner, programme=programme, person=newcomer, enrol=True)
    assert re.findall(r"\d+", full.value.messages[0]) == [str(programme.capacity)]
    # The same words on every programme, whoever takes part: why it may read fuller than the seats they see.
    assert "termasuk yang tidak dapat Anda lihat" in full.value.messages[0]
    # The budget left is the programme's (Rp1.000.000 after her Rp700.000): disbursing more is refused without it.
    big = services.assistance_create(
        actor=partner,
        programme=programme,
        person=world["seen"],
        data={"kind": c.AssistanceKind.CASH_GRANT, "amount": 1_200_000, "date": tp.today()},
    )
    services.assistance_transition(
        actor=partner, assistance=big, to_status=c.AssistanceStatus.APPROVED, override_reason="Tahap kedua"
    )
    with pytest.raises(ValidationError) as over:
        services.assistance_transition(actor=partner, assistance=big, to_status=c.AssistanceStatus.DISBURSED)
    remaining = programme.budget - selectors.budget_summary(programme, actor=officer).spent
    assert format_rupiah(1_200_000) in over.value.messages[0] and format_rupiah(remaining) not in over.value.messages[0]
    # An officer is told the remainder.
    with pytest.raises(ValidationError) as told:
        services.assistance_transition(actor=officer, assistance=big, to_status=c.AssistanceStatus.DISBURSED)
    assert format_rupiah(remaining) in told.value.messages[0]


def test_graduation_tells_partner_staff_how_many_of_the_people_they_see_graduate(officer, partner, world):
    programme = world["programme"]
    programme.attendance_threshold = 50  # one session of the two (one held, one upcoming)
    programme.save(update_fields=["attendance_threshold"])
    held = tp.session(officer, programme, days_ago=1)
    everyone = [world["seen"].pk, world["withdrawn"].pk]
    services.attendance_record(actor=officer, session=held, roster=everyone, present=everyone)
    url = reverse("programmes:programme_complete", args=[programme.pk])
    seen = selectors.counted_for(partner, selectors.graduating(programme)).count()
    assert selectors.graduating(programme).count() == seen + 1
    assert f"Ya, luluskan {seen} peserta" in client_for(partner).post(url).content.decode()
    assert f"Ya, luluskan {seen + 1} peserta" in client_for(officer).post(url).content.decode()
