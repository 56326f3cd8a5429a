"""Programme pages: thin views over the services, in Bahasa Indonesia, scoped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from berdaya.core.templatetags.berdaya import rupiah
from berdaya.programmes import choices as c
from berdaya.programmes import services
from berdaya.programmes.models import Attendance, Certificate, Enrolment, Programme, Session
from berdaya.programmes.templatetags.programmes import initials
from berdaya.testing import programmes as h


@pytest.fixture
def as_officer(client, officer):
    client.force_login(officer)
    return client


def _completed(officer, *, people: int = 1):
    p = h.programme(officer, threshold=50)
    s = h.session(officer, p)
    crowd = h.people(people)
    for person in crowd:
        h.enrol(officer, p, person)
    ids = [x.pk for x in crowd]
    services.attendance_record(actor=officer, session=s, roster=ids, present=ids)
    services.programme_complete(actor=officer, programme=p)
    return p, crowd


def test_it_formats_rupiah_the_indonesian_way():
    assert rupiah(1_500_000) == "Rp1.500.000"
    assert rupiah(0) == "Rp0"
    assert rupiah(-25_000) == "-Rp25.000"
    assert initials("Siti Aminah lubis") == "S. A. L."


def test_it_creates_a_programme_from_the_form(as_officer, officer, areas):
    org = h.f.organisation("Dinas Sosial Kabupaten Merangin", "government")
    response = as_officer.post(
        reverse("programmes:programme_create"),
        {
            "name": "Pelatihan Pengolahan Kopi",
            "kind": c.ProgrammeKind.SKILLS_TRAINING,
            "organiser": org.pk,
            "start_date": "2026-01-05",
            "end_date": "2026-03-30",
            "capacity": "25",
            "budget": "Rp15.000.000",
            "attendance_threshold": "75",
            "status": "open",
            "needs": [h.need("farm_processing").pk],
            "target_groups": ["smallholder"],
        },
    )
    p = Programme.objects.get()
    assert response.status_code == 302
    assert p.budget == 15_000_000 and p.target_groups == ["smallholder"] and p.created_by == officer


def test_it_shows_a_negative_budget_error_on_the_form(as_officer, areas):
    org = h.f.organisation()
    response = as_officer.post(
        reverse("programmes:programme_create"),
        {
            "name": "X",
            "kind": "other",
            "organiser": org.pk,
            "start_date": "2026-01-05",
            "end_date": "2026-03-30",
            "capacity": "5",
            "budget": "-1.000",
            "attendance_threshold": "75",
            "status": "open",
        },
    )
    assert response.status_code == 200
    assert "Anggaran tidak boleh negatif." in response.content.decode()
    assert not Programme.objects.exists()


def test_it_explains_a_session_outside_the_period_on_the_form(as_officer, officer):
    p = h.programme(officer, start=dt.date(2026, 2, 1), end=dt.date(2026, 2, 28))
    response = as_officer.post(
        reverse("programmes:session_create", args=[p.pk]),
        {"date": "2026-03-02", "start_time": "09:00", "end_time": "12:00", "venue": "Balai", "topic": "Pola"},
    )
    assert "di luar periode program (1 Feb 2026 s.d. 28 Feb 2026)" in response.content.decode()
    assert not Session.objects.exists()


def test_it_lists_programmes_with_counts_and_money(as_officer, officer, django_assert_max_num_queries):
    for _ in range(5):
        h.programme(officer, budget=2_500_000)
    with django_assert_max_num_queries(12):
        response = as_officer.get(reverse("programmes:programme_list"))
    body = response.content.decode()
    assert body.count("Rp2.500.000") == 5


def test_it_shows_a_viewer_counts_but_no_names(client, viewer, officer):
    p = h.programme(officer)
    (person,) = h.people(1)
    h.enrol(officer, p, person)
    client.force_login(viewer)
    body = client.get(reverse("programmes:programme_detail", args=[p.pk])).content.decode()
    assert "Kursi terisi" in body and person.full_name not in body
    assert client.get(reverse("programmes:candidates", args=[p.pk])).status_code == 403


def test_it_ticks_a_whole_class_from_the_phone_form(as_officer, officer):
    p = h.programme(officer)
    s = h.session(officer, p)
    crowd = h.people(3)
    for person in crowd:
        h.enrol(officer, p, person)
    page = as_officer.get(reverse("programmes:session_attendance", args=[s.pk])).content.decode()
    assert all(person.full_name in page for person in crowd)
    assert 'type="checkbox" name="present"' in page and "style=" not in page and "<script>" not in page
    response = as_officer.post(
        reverse("programmes:session_attendance", args=[s.pk]),
        {"roster": [x.pk for x in crowd], "present": [crowd[0].pk, crowd[2].pk]},
        follow=True,
    )
    assert "Kehadiran disimpan: 2 hadir, 1 tidak hadir." in response.content.decode()
    assert set(Attendance.objects.filter(present=True).values_list("person_id", flat=True)) == {
        crowd[0].pk,
        crowd[2].pk,
    }


def test_it_refuses_a_tampered_tick_for_someone_not_enrolled(as_officer, officer):
    p = h.programme(officer)
    s = h.session(officer, p)
    enrolled, stranger = h.people(2)
    h.enrol(officer, p, enrolled)
    response = as_officer.post(
        reverse("programmes:session_attendance", args=[s.pk]),
        {"roster": [enrolled.pk, stranger.pk], "present": [enrolled.pk, stranger.pk]},
        follow=True,
    )
    assert "tidak terdaftar atau tidak aktif di program ini" in response.content.decode()
    assert not Attendance.objects.exists()


def test_it_prints_an_attendance_sheet_with_a_signature_column(as_officer, officer):
    p = h.programme(officer)
    s = h.session(officer, p)
    (person,) = h.people(1)
    h.enrol(officer, p, person)
    body = as_officer.get(reverse("programmes:session_sheet", args=[s.pk])).content.decode()
    assert "DAFTAR HADIR" in body and "Tanda tangan" in body and person.full_name in body and "data-print" in body


def test_it_shows_a_certificate_and_verifies_it_publicly_without_identity(as_officer, officer, client):
    p, (person,) = _completed(officer)
    enrolment = Enrolment.objects.get(person=person)
    cert = Certificate.objects.get(enrolment=enrolment)
    body = as_officer.get(reverse("programmes:certificate", args=[enrolment.pk])).content.decode()
    assert person.full_name in body and cert.code in body and f"/program/sertifikat/{cert.code}/" in body
    client.logout()
    public = client.get(f"/program/sertifikat/{cert.code}/")
    text = public.content.decode()
    assert public.status_code == 200 and "sah" in text
    assert initials(person.full_name) in text and p.name in text
    assert person.full_name not in text and person.nik not in text
    assert client.get("/program/sertifikat/AAAA-BBBB-CCCC-DDDD/").status_code == 404


def test_it_enrols_and_walks_statuses_from_the_pages(as_officer, officer):
    p = h.programme(officer)
    (person,) = h.people(1)
    response = as_officer.post(reverse("programmes:enrol", args=[p.pk]), {"person": person.pk, "enrol": "0"})
    assert response.status_code == 302
    e = Enrolment.objects.get()
    as_officer.post(reverse("programmes:enrolment_transition", args=[e.pk]), {"to_status": "enrolled"})
    response = as_officer.post(
        reverse("programmes:enrolment_transition", args=[e.pk]), {"to_status": "dropped_out"}, follow=True
    )
    assert "Tuliskan alasan putus atau ditolak." in response.content.decode()
    as_officer.post(
        reverse("programmes:enrolment_transition", args=[e.pk]), {"to_status": "dropped_out", "reason": "Merantau"}
    )
    e.refresh_from_db()
    assert e.status == "dropped_out"
    page = as_officer.get(reverse("programmes:enrolment_detail", args=[e.pk])).content.decode()
    assert "Merantau" in page and officer.username in page


def test_it_refuses_a_deceased_person_from_the_enrol_button(as_officer, officer):
    p = h.programme(officer)
    (person,) = h.people(1)
    person.status = "deceased"
    person.save()
    response = as_officer.post(
        reverse("programmes:enrol", args=[p.pk]), {"person": person.pk, "enrol": "1"}, follow=True
    )
    assert "tercatat meninggal dunia dan tidak bisa didaftarkan" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_it_searches_people_to_enrol_with_htmx(as_officer, officer):
    p = h.programme(officer)
    (person,) = h.people(1)
    body = as_officer.get(
        reverse("programmes:enrol_search", args=[p.pk]), {"q": person.full_name}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert person.full_name in body and "Daftarkan" in body


def test_it_refuses_a_disbursement_above_budget_with_a_message(as_officer, officer):
    p = h.programme(officer, budget=1_000_000)
    (person,) = h.people(1)
    h.enrol(officer, p, person)
    a = services.assistance_create(
        actor=officer, programme=p, person=person, data={"kind": "cash_grant", "amount": 1_500_000}
    )
    services.assistance_transition(actor=officer, assistance=a, to_status="approved")
    response = as_officer.post(
        reverse("programmes:assistance_transition", args=[a.pk]), {"to_status": "disbursed"}, follow=True
    )
    assert "melebihi sisa anggaran program Rp1.000.000" in response.content.decode()


def test_it_records_assistance_from_the_form_with_rupiah_input(as_officer, officer):
    p = h.programme(officer)
    (person,) = h.people(1)
    h.enrol(officer, p, person)
    response = as_officer.post(
        reverse("programmes:assistance_add", args=[p.pk]),
        {"person": person.pk, "kind": "cash_grant", "amount": "Rp2.500.000", "date": "2026-02-01"},
    )
    assert response.status_code == 302
    ledger = as_officer.get(reverse("programmes:assistance_ledger", args=[p.pk])).content.decode()
    assert "Rp2.500.000" in ledger
    bad = as_officer.post(
        reverse("programmes:assistance_add", args=[p.pk]),
        {"person": person.pk, "kind": "cash_grant", "amount": "-500.000", "date": "2026-02-01"},
    )
    assert "negatif tidak diterima" in bad.content.decode()


def test_it_shows_programmes_on_the_person_and_household_pages(as_officer, officer):
    p, (person,) = _completed(officer)
    body = as_officer.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert "Program, kehadiran dan bantuan" in body and p.name in body
    body = as_officer.get(reverse("registry:household_detail", args=[person.household_id])).content.decode()
    assert p.name in body and person.full_name in body


def test_it_shows_partners_other_organisations_assistance_as_counts_only(client, officer, partner):
    dinsos = h.programme(officer, name="Hibah Dinsos")
    (person,) = h.people(1)
    person.household.registered_by_organisation = partner.organisation
    person.household.save()
    h.enrol(officer, dinsos, person)
    services.assistance_create(
        actor=officer,
        programme=dinsos,
        person=person,
        data={"kind": "cash_grant", "amount": 3_000_000, "note": "catatan internal dinsos"},
    )
    client.force_login(partner)
    body = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert "Bantuan dari organisasi lain" in body and "Hibah tunai × 1" in body
    assert "catatan internal dinsos" not in body and "Rp3.000.000" not in body


def test_it_records_needs_and_enrols_from_a_suggestion(client, facilitator, officer):
    p = h.programme(officer, needs=[h.need("sewing")])
    (person,) = h.people(1)
    client.force_login(facilitator)
    client.post(
        reverse("programmes:person_needs", args=[person.pk]),
        {f"need_{h.need('sewing').pk}": "on", f"note_{h.need('sewing').pk}": "punya mesin jahit tua"},
    )
    assert person.needs.get().note == "punya mesin jahit tua"
    client.force_login(officer)
    body = client.get(reverse("programmes:person_needs", args=[person.pk])).content.decode()
    assert p.name in body and "Menjawab kebutuhan" in body
    client.post(
        reverse("programmes:enrol", args=[p.pk]),
        {"person": person.pk, "enrol": "1", "source": "suggestion", "next": "needs"},
    )
    assert Enrolment.objects.get().source == c.EnrolmentSource.SUGGESTION


def test_it_hides_other_partners_management_pages(client, partner, areas):
    other = h.f.user("partner", org=h.f.organisation("LSM Lain"))
    p = h.programme(other)
    client.force_login(partner)
    assert client.get(reverse("programmes:programme_edit", args=[p.pk])).status_code == 403
    assert client.get(reverse("programmes:session_create", args=[p.pk])).status_code == 403
