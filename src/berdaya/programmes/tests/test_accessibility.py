"""Accessibility at enrolment (issue 8): sessions whose venue cannot accommodate a person's support needs are flagged
when they are enrolled, and each session shows what its participants need."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from berdaya.inclusion.models import DisabilityProfile
from berdaya.programmes import choices as c
from berdaya.programmes import selectors, services
from berdaya.registry import choices as rc
from berdaya.testing import programmes as h


def _sesi(session) -> str:
    with translation.override("id"):
        return f"Sesi {date_format(session.date, 'j M')}"


def _profile(officer, person, **needs) -> DisabilityProfile:
    return DisabilityProfile.objects.create(person=person, disability_type="sensory", recorded_by=officer, **needs)


@pytest.fixture
def as_officer(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def deaf(officer):
    # A recorded need (the profile wins over WG-SS): a sign-language interpreter.
    (person,) = h.people(1)
    _profile(officer, person, need_sign_language=True)
    return person


def test_it_flags_at_enrolment_the_upcoming_sessions_without_what_the_person_needs(as_officer, officer, deaf):
    p = h.programme(officer)
    h.session(officer, p, days_ago=3)  # already held: nothing can be changed for it any more
    lacking = h.session(officer, p, days_ago=-5, step_free=True)
    h.session(officer, p, days_ago=-12, sign_language=True)

    response = as_officer.post(reverse("programmes:enrol", args=[p.pk]), {"person": deaf.pk, "enrol": "1"}, follow=True)

    body = response.content.decode()
    assert f"{deaf.full_name} ditambahkan ke program." in body
    assert f"Aksesibilitas untuk {deaf.full_name}: {_sesi(lacking)}: tidak ada juru bahasa isyarat" in body
    assert body.count("tidak ada juru bahasa isyarat") == 1
    # The participant page lists the sessions too, and the programme page marks the participant.
    enrolment = p.enrolments.get()
    page = as_officer.get(reverse("programmes:enrolment_detail", args=[enrolment.pk])).content.decode()
    assert f"{_sesi(lacking)}: tidak ada juru bahasa isyarat" in page
    assert "1 sesi mendatang belum mengakomodasi kebutuhannya" in body


def test_it_says_nothing_when_every_session_accommodates_the_person(as_officer, officer, deaf):
    p = h.programme(officer)
    h.session(officer, p, days_ago=-5, sign_language=True)
    body = as_officer.post(
        reverse("programmes:enrol", args=[p.pk]), {"person": deaf.pk, "enrol": "1"}, follow=True
    ).content.decode()
    assert "ditambahkan ke program." in body and "Aksesibilitas untuk" not in body


def test_it_flags_an_enrolment_from_a_suggestion(as_officer, officer, deaf):
    services.person_needs_set(actor=officer, person=deaf, needs={h.need("sewing").pk: ""})
    p = h.programme(officer, needs=[h.need("sewing")])
    s = h.session(officer, p, days_ago=-5)
    response = as_officer.post(
        reverse("programmes:enrol", args=[p.pk]),
        {"person": deaf.pk, "enrol": "0", "source": "suggestion", "next": "needs"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("programmes:person_needs", args=[deaf.pk])
    assert f"{_sesi(s)}: tidak ada juru bahasa isyarat" in response.content.decode()
    assert p.enrolments.get().source == c.EnrolmentSource.SUGGESTION


def test_it_flags_each_person_of_a_bulk_proposal(as_officer, officer, deaf):
    p = h.programme(officer, needs=[h.need("sewing")])
    s = h.session(officer, p, days_ago=-5, large_print=True)
    (wheelchair,) = h.people(1, wgss_walking=rc.WGSSAnswer.CANNOT)  # no profile: inferred from WG-SS
    (fine,) = h.people(1)
    body = as_officer.post(
        reverse("programmes:enrol_bulk", args=[p.pk]), {"person": [deaf.pk, wheelchair.pk, fine.pk]}, follow=True
    ).content.decode()
    assert "3 penduduk diusulkan sebagai peserta." in body
    assert f"Aksesibilitas untuk {deaf.full_name}: {_sesi(s)}: tidak ada juru bahasa isyarat" in body
    assert (
        f"Aksesibilitas untuk {wheelchair.full_name}: {_sesi(s)}: tidak ada tempat yang aksesibel (tanpa tangga)"
        in body
    )
    assert f"Aksesibilitas untuk {fine.full_name}" not in body


def test_easy_read_needs_are_met_by_the_new_session_flag(officer):
    (person,) = h.people(1)
    _profile(officer, person, need_easy_read=True, need_companion=True)
    p = h.programme(officer)
    plain = h.session(officer, p, days_ago=-3)
    easy = h.session(officer, p, days_ago=-4, easy_read=True)
    gaps = selectors.access_gaps(p, [person.pk])
    # A companion comes with the person: no venue feature, never flagged.
    assert gaps == {person.pk: [f"{_sesi(plain)}: tidak ada materi mudah dibaca (easy-read)"]}
    assert "mudah dibaca" in easy.accessibility_labels()


def test_the_gaps_of_a_whole_class_take_a_fixed_number_of_queries(officer, django_assert_num_queries):
    p = h.programme(officer)
    for i in range(4):
        h.session(officer, p, days_ago=-i - 1, step_free=bool(i % 2))
    people = h.people(6, wgss_walking=rc.WGSSAnswer.A_LOT)
    with django_assert_num_queries(3):
        gaps = selectors.access_gaps(p, [x.pk for x in people])
    assert len(gaps) == 6 and all(len(lines) == 2 for lines in gaps.values())


def test_each_session_shows_what_its_participants_need_and_whether_it_is_there(
    as_officer, officer, deaf, client, viewer
):
    p = h.programme(officer)
    without = h.session(officer, p, days_ago=0, topic="Tanpa juru bahasa")
    with_ = h.session(officer, p, days_ago=-7, sign_language=True, topic="Dengan juru bahasa")
    h.enrol(officer, p, deaf)
    (other_deaf,) = h.people(1, wgss_hearing=rc.WGSSAnswer.CANNOT)
    h.enrol(officer, p, other_deaf)
    (proposed_only,) = h.people(1, wgss_walking=rc.WGSSAnswer.CANNOT)
    services.enrolment_create(actor=officer, programme=p, person=proposed_only)

    needs = selectors.session_needs(p, [without, with_], actor=officer)
    assert [(n.label, n.needed, n.provided) for n in needs[without.pk]] == [("juru bahasa isyarat", 2, False)]
    assert [(n.label, n.needed, n.provided) for n in needs[with_.pk]] == [("juru bahasa isyarat", 2, True)]

    page = as_officer.get(reverse("programmes:programme_detail", args=[p.pk])).content.decode()
    assert page.count("2 peserta perlu juru bahasa isyarat") == 2
    assert "belum tersedia" in page
    attendance = as_officer.get(reverse("programmes:session_attendance", args=[without.pk])).content.decode()
    assert "2 peserta perlu juru bahasa isyarat" in attendance and "belum tersedia" in attendance
    edit = as_officer.get(reverse("programmes:session_edit", args=[with_.pk])).content.decode()
    assert "2 peserta perlu juru bahasa isyarat" in edit and 'name="easy_read"' in edit
    # Counts are for those who run the sessions, not for a viewer.
    client.force_login(viewer)
    assert "peserta perlu" not in client.get(reverse("programmes:programme_detail", args=[p.pk])).content.decode()


def test_the_candidate_list_shows_who_the_sessions_would_leave_out(as_officer, officer, deaf):
    services.person_needs_set(actor=officer, person=deaf, needs={h.need("sewing").pk: ""})
    p = h.programme(officer, needs=[h.need("sewing")])
    s = h.session(officer, p, days_ago=-2)
    body = as_officer.get(reverse("programmes:candidates", args=[p.pk])).content.decode()
    assert f"{_sesi(s)}: tidak ada juru bahasa isyarat" in body


def test_matching_ranks_programmes_that_accommodate_recorded_needs_higher_and_says_so(officer):
    (person,) = h.people(1)  # no WG-SS answers: the needs come from the recorded profile
    _profile(officer, person, need_accessible_venue=True, need_easy_read=True)
    services.person_needs_set(actor=officer, person=person, needs={h.need("sewing").pk: ""})
    # Created first and starting earlier, so it would win a tie.
    lacking = h.programme(officer, name="Di lantai dua", needs=[h.need("sewing")], start=h.today() - dt.timedelta(40))
    h.session(officer, lacking, days_ago=-3, step_free=False, easy_read=True)
    fitting = h.programme(officer, name="Balai tanpa tangga", needs=[h.need("sewing")])
    h.session(officer, fitting, days_ago=-3, step_free=True, easy_read=True)

    suggestions = selectors.suggestions_for_person(actor=officer, person=person)

    assert [s.programme for s in suggestions] == [fitting, lacking]
    assert (
        "Semua sesi mendatang menyediakan tempat yang aksesibel (tanpa tangga), materi mudah dibaca (easy-read)"
        in suggestions[0].reasons
    )
    assert "1 sesi belum menyediakan tempat yang aksesibel (tanpa tangga)" in suggestions[1].warnings
    assert suggestions[0].score > suggestions[1].score
