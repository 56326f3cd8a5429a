from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from berdaya.core.models import AuditEvent
from berdaya.migration import choices as c
from berdaya.migration import services
from berdaya.migration.models import CaseDocument, CaseWorker, RightsCase
from berdaya.testing import factories
from berdaya.testing.clients import client_for
from berdaya.testing.migration import episode

SECRET = "Korban disekap di penampungan"


@pytest.fixture
def case(worker, migrant):
    case = services.case_intake(
        actor=worker,
        person=migrant,
        data={"complaint_type": c.ComplaintType.VIOLENCE, "reported_by": c.Reporter.WORKER, "summary": SECRET},
    )
    services.case_add_note(actor=worker, case=case, text="Catatan rahasia pengelola")
    return case


def test_an_assigned_case_worker_reads_the_case_and_the_view_is_audited(worker, case):
    response = client_for(worker).get(reverse("migration:case_detail", args=[case.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert SECRET in body and "Catatan rahasia pengelola" in body
    event = AuditEvent.objects.get(action="view", object_type="migration.rightscase")
    assert (event.actor, event.object_id) == (worker, str(case.pk))


def test_a_facilitator_who_sees_the_person_gets_403_and_the_refusal_is_audited(facilitator, case, migrant):
    client = client_for(facilitator)
    assert client.get(reverse("registry:person_detail", args=[migrant.pk])).status_code == 200
    response = client.get(reverse("migration:case_detail", args=[case.pk]))
    assert response.status_code == 403
    assert SECRET not in response.content.decode()
    assert AuditEvent.objects.filter(action="denied", actor=facilitator, object_id=str(case.pk)).exists()
    # Their view of the person's page is audited (privacy: views of people); no view of the case is.
    assert not AuditEvent.objects.filter(action="view", actor=facilitator, object_type="migration.rightscase").exists()
    # Nor through the person page or the notes and document URLs.
    page = client.get(reverse("registry:person_detail", args=[migrant.pk])).content.decode()
    assert SECRET not in page and case.reference not in page
    assert client.post(reverse("migration:case_note", args=[case.pk]), {"text": "x"}).status_code == 403


def test_someone_who_cannot_see_the_person_gets_404(case):
    elsewhere = factories.user("facilitator", villages=["15.02.02.2004"])
    response = client_for(elsewhere).get(reverse("migration:case_detail", args=[case.pk]))
    assert response.status_code == 404


def test_an_unassigned_case_worker_is_refused(case):
    other = factories.user("officer")
    CaseWorker.objects.create(user=other)
    assert client_for(other).get(reverse("migration:case_detail", args=[case.pk])).status_code == 403


def test_an_admin_reads_every_case(case):
    assert client_for(factories.user("admin")).get(reverse("migration:case_detail", args=[case.pk])).status_code == 200


def test_the_case_list_is_for_case_workers_and_shows_no_content(worker, supervisor, facilitator, case):
    assert client_for(facilitator).get(reverse("migration:case_list")).status_code == 403
    body = client_for(supervisor).get(reverse("migration:case_list")).content.decode()
    assert case.reference in body and SECRET not in body
    link = f'href="{reverse("migration:case_detail", args=[case.pk])}"'
    assert link not in body  # the supervisor is not assigned: no link, only "assign to me"
    assert "tugaskan ke saya" in body
    assert link in client_for(worker).get(reverse("migration:case_list")).content.decode()


def test_a_supervisor_cannot_assign_a_non_case_worker_through_the_page(supervisor, officer, case):
    response = client_for(supervisor).post(
        reverse("migration:case_assign", args=[case.pk]), {"user": officer.pk}, follow=True
    )
    assert "alert-danger" in response.content.decode() or "is-invalid" in response.content.decode()
    assert not case.assignees.filter(pk=officer.pk).exists()


def test_the_assignee_list_offers_only_those_who_may_handle_cases(supervisor, worker, officer, facilitator, case):
    services.case_assign(actor=supervisor, case=case, user=supervisor, reason="Menangani sementara")
    body = client_for(supervisor).get(reverse("migration:case_detail", args=[case.pk])).content.decode()
    select = re.search(r'<select name="user".*?</select>', body, re.S)[0]
    options = re.findall(r'<option value="(\d+)"', select)
    assert str(worker.pk) in options and str(supervisor.pk) in options
    assert str(officer.pk) not in options and str(facilitator.pk) not in options


def test_skipping_a_stage_on_the_page_asks_for_a_reason(worker, case):
    client = client_for(worker)
    response = client.post(
        reverse("migration:case_move", args=[case.pk]), {"to_stage": "resolved", "on": ""}, follow=True
    )
    case.refresh_from_db()
    assert case.stage == "intake"
    response = client.post(
        reverse("migration:case_move", args=[case.pk]),
        {"to_stage": "resolved", "on": response.context["move_form"].fields["on"].initial().isoformat()},
        follow=True,
    )
    assert "dilewati: tuliskan alasannya" in response.content.decode()
    case.refresh_from_db()
    assert case.stage == "intake"


def test_documents_upload_and_download_are_checked_and_audited(worker, facilitator, case):
    client = client_for(worker)
    pdf = SimpleUploadedFile("paspor Rina.pdf", b"%PDF-1.4 isi", content_type="application/pdf")
    client.post(reverse("migration:case_document", args=[case.pk]), {"title": "Salinan paspor", "file": pdf})
    document = CaseDocument.objects.get()
    assert "Rina" not in document.file.name
    response = client.get(reverse("migration:case_document_download", args=[case.pk, document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 isi"
    assert "Rina" not in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action="view", object_type="migration.casedocument").count() == 1
    assert (
        client_for(facilitator)
        .get(reverse("migration:case_document_download", args=[case.pk, document.pk]))
        .status_code
        == 403
    )

    fake = SimpleUploadedFile("surat.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(
        reverse("migration:case_document", args=[case.pk]), {"title": "Palsu", "file": fake}, follow=True
    )
    assert "tidak sesuai dengan jenisnya" in response.content.decode()
    exe = SimpleUploadedFile("program.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(
        reverse("migration:case_document", args=[case.pk]), {"title": "Exe", "file": exe}, follow=True
    )
    assert "Jenis berkas tidak diterima" in response.content.decode()
    assert CaseDocument.objects.count() == 1


def test_documents_over_the_size_limit_are_refused(settings, worker, case):
    settings.BERDAYA = {**settings.BERDAYA, "CASE_DOCUMENT_MAX_MB": 1}
    big = SimpleUploadedFile("besar.png", b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024), content_type="image/png")
    response = client_for(worker).post(
        reverse("migration:case_document", args=[case.pk]), {"title": "Foto", "file": big}, follow=True
    )
    assert "terlalu besar: paling besar 1 MB" in response.content.decode()
    assert not CaseDocument.objects.exists()


def test_a_facilitator_files_a_complaint_from_the_person_page(facilitator, supervisor, migrant):
    client = client_for(facilitator)
    response = client.post(
        reverse("migration:case_intake", args=[migrant.pk]),
        {"complaint_type": "trafficking", "reported_by": "village", "summary": SECRET, "received_on": ""},
    )
    assert response.status_code == 200  # received_on is required: the form comes back
    from django.utils import timezone

    response = client.post(
        reverse("migration:case_intake", args=[migrant.pk]),
        {
            "complaint_type": "trafficking",
            "reported_by": "village",
            "summary": SECRET,
            "received_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:person_detail", args=[migrant.pk])
    badge = client_for(supervisor).get(reverse("migration:home")).content.decode()
    assert "notifikasi belum dibaca" in badge
    notifications = client_for(supervisor).get(reverse("migration:notifications")).content.decode()
    assert "Indikasi perdagangan orang" in notifications and SECRET not in notifications


def test_a_complaint_links_to_the_persons_own_migration_episode(worker, migrant):
    # given a migrant with an episode, and another person with theirs
    own = episode(migrant, worker)
    other = episode(factories.person(name="Dedi Saputra", birth_date=dt.date(1990, 1, 9)), worker)
    client = client_for(worker)
    data = {
        "complaint_type": "unpaid_wages",
        "reported_by": "family",
        "summary": "Gaji tidak dibayar tiga bulan.",
        "received_on": dt.date.today().isoformat(),
    }

    # when the complaint names the person's own episode, it is filed and linked
    response = client.post(reverse("migration:case_intake", args=[migrant.pk]), data | {"episode": own.pk})
    assert response.status_code == 302, response.content.decode()
    assert RightsCase.objects.get().episode == own

    # and another person's episode is not even offered
    response = client.post(reverse("migration:case_intake", args=[migrant.pk]), data | {"episode": other.pk})
    assert response.status_code == 200
    assert RightsCase.objects.count() == 1


def test_closing_a_case_asks_first_and_says_what_happens(worker, case):
    client = client_for(worker)
    url = reverse("migration:case_move", args=[case.pk])
    data = {"to_stage": "closed", "on": dt.date.today().isoformat(), "reason": "Keluarga menarik pengaduan"}

    page = client.post(url, data)
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Tutup kasus {case.reference}?" in html
    assert "Pengelola yang ditugaskan (1 orang)" in html
    assert 'name="reason" value="Keluarga menarik pengaduan"' in html
    case.refresh_from_db()
    assert case.stage == "intake"

    client.post(url, data | {"confirmed": "yes"})
    case.refresh_from_db()
    assert case.stage == "closed"
