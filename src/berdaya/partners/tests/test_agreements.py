"""Agreements: parties, period, status transitions, reminders, documents (checked, stored privately, scoped)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from berdaya.core.models import AuditEvent
from berdaya.partners import services
from berdaya.partners.models import Agreement, AgreementDocument
from berdaya.partners.selectors import agreement_reminders
from berdaya.testing import factories as f
from berdaya.testing.partners import make_agreement

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def today() -> dt.date:
    return timezone.localdate()


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("payload.js", "alert(1)")
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def stored_files(media) -> list:
    root = media / "agreements"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- bad input ---------------------------------------------------------------------------------------------------


def test_it_refuses_an_end_before_the_start_and_saves_nothing(officer, org_a):
    with pytest.raises(ValidationError) as exc:
        make_agreement(officer, [org_a], start=today(), end=today() - dt.timedelta(days=1))
    assert exc.value.message_dict["end_date"] == ["Tanggal berakhir tidak boleh sebelum tanggal mulai berlaku."]
    assert not Agreement.objects.exists()


def test_the_form_shows_the_period_error_in_indonesian(client, officer, org_a):
    client.force_login(officer)
    response = client.post(
        reverse("partners:agreement_create"),
        {
            "kind": "pks",
            "title": "PKS",
            "parties": [org_a.pk],
            "pemkab_is_party": "on",
            "start_date": "2026-05-01",
            "end_date": "2026-04-01",
        },
    )
    assert response.status_code == 200
    assert "Tanggal berakhir tidak boleh sebelum tanggal mulai berlaku." in response.content.decode()
    assert not Agreement.objects.exists()


def test_it_needs_two_parties_or_the_regency_and_one(officer, org_a, org_b):
    with pytest.raises(ValidationError) as exc:
        make_agreement(officer, [org_a], pemkab=False)
    assert "parties" in exc.value.message_dict
    assert not Agreement.objects.exists()
    assert make_agreement(officer, [org_a], pemkab=True).parties.count() == 1
    assert make_agreement(officer, [org_a, org_b], pemkab=False).parties.count() == 2


def test_only_officers_record_agreements(partner, org_a):
    with pytest.raises(PermissionDenied):
        make_agreement(partner, [org_a])


# --- transitions ---------------------------------------------------------------------------------------------------


def test_it_moves_draft_signed_active_ended_and_no_other_way(officer, org_a):
    a = make_agreement(officer, [org_a])
    assert a.status == "draft"
    with pytest.raises(ValidationError):
        services.agreement_transition(actor=officer, agreement=a, to_status="active")
    signed_on = today() - dt.timedelta(days=90)
    a = services.agreement_transition(actor=officer, agreement=a, to_status="signed", on=signed_on)
    assert (a.status, a.signed_on) == ("signed", signed_on)
    a = services.agreement_transition(actor=officer, agreement=a, to_status="active")
    a = services.agreement_transition(actor=officer, agreement=a, to_status="ended")
    assert (a.status, a.ended_on) == ("ended", today())
    with pytest.raises(ValidationError) as exc:
        services.agreement_transition(actor=officer, agreement=a, to_status="active")
    assert "tidak bisa berubah dari Berakhir menjadi Berlaku" in exc.value.messages[0]
    assert AuditEvent.objects.filter(object_id=str(a.pk), detail__event="agreement_transition").count() == 3
    with pytest.raises(ValidationError):
        services.agreement_update(actor=officer, agreement=a, data={"title": "Diubah"})


def test_the_status_form_moves_it_forward(client, officer, org_a):
    a = make_agreement(officer, [org_a])
    client.force_login(officer)
    client.post(reverse("partners:agreement_transition", args=[a.pk]), {"to_status": "signed", "on": "2026-01-05"})
    a.refresh_from_db()
    assert (a.status, a.signed_on) == ("signed", dt.date(2026, 1, 5))


# --- reminders ---------------------------------------------------------------------------------------------------


def _running(officer, parties, days: int, status: str = "active", **kw) -> Agreement:
    a = make_agreement(officer, parties, end=today() + dt.timedelta(days=days), **kw)
    for step in ["signed", "active"][: ["signed", "active"].index(status) + 1]:
        a = services.agreement_transition(actor=officer, agreement=a, to_status=step)
    return a


def test_it_reminds_about_agreements_ending_within_60_days(officer, partner, org_a, org_b):
    soon = _running(officer, [org_a], 10, title="Segera")
    edge = _running(officer, [org_b], 60, status="signed", title="Tepat 60 hari")
    overdue = _running(officer, [org_a], -3, title="Lewat")
    _running(officer, [org_a], 61, title="Masih lama")
    make_agreement(officer, [org_a], end=today() + dt.timedelta(days=5), title="Masih rancangan")
    ended = _running(officer, [org_a], 20, title="Sudah diakhiri")
    services.agreement_transition(actor=officer, agreement=ended, to_status="ended")

    reminders = agreement_reminders(actor=officer)
    assert [a.title for a in reminders] == [overdue.title, soon.title, edge.title]
    assert [a.left for a in reminders] == [-3, 10, 60]
    # partner staff are reminded of their own organisation's agreements only
    assert [a.title for a in agreement_reminders(actor=partner)] == [overdue.title, soon.title]


def test_the_home_page_and_dashboard_show_reminders_to_those_who_see_agreements(
    client, officer, partner_b, viewer, org_a, org_b
):
    _running(officer, [org_a], 10, title="PKS Akan Berakhir")
    for user, shown in [(officer, True), (partner_b, False), (viewer, False)]:
        client.force_login(user)
        assert ("PKS Akan Berakhir" in client.get(reverse("dashboard")).content.decode()) is shown
        assert ("PKS Akan Berakhir" in client.get(reverse("partners:home")).content.decode()) is shown


def test_a_reminder_names_the_regency_government_as_a_party_on_the_dashboard_too(client, officer, org_a):
    """The dashboard's reminders come from an inclusion tag, whose template sees only what the tag gives it: the
    regency's government was left out there ("ASM ·")."""
    _running(officer, [org_a], 10, title="PKS Akan Berakhir")
    client.force_login(officer)
    for page in (reverse("dashboard"), reverse("partners:home")):
        text = " ".join(client.get(page).content.decode().split())
        assert f"{org_a} · Pemkab Merangin</span>" in text, page


# --- documents -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("naskah.pdf", PDF, "application/pdf"),
        ("foto-ttd.PNG", PNG, "image/png"),
        ("lampiran.docx", docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_it_accepts_pdf_images_and_office_documents(officer, org_a, media, name, content, content_type):
    a = make_agreement(officer, [org_a])
    doc = services.agreement_add_document(actor=officer, agreement=a, upload=upload(name, content), title="Naskah")
    assert doc.content_type == content_type
    (path,) = stored_files(media)
    # stored under MEDIA_ROOT/agreements with a random name, never the uploaded one
    assert path.name != name and path.suffix == "." + name.rsplit(".", 1)[1].lower()
    assert path.read_bytes() == content


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("program.exe", b"MZ\x90\x00", "Jenis berkas tidak diterima"),
        ("naskah.html", b"<html></html>", "Jenis berkas tidak diterima"),
        ("palsu.pdf", b"MZ\x90\x00 not a pdf", "Isi berkas tidak sesuai"),
        ("palsu.docx", plain_zip(), "Isi berkas tidak sesuai"),
        ("gambar.jpg", PNG, "Isi berkas tidak sesuai"),
        ("kosong.pdf", b"", "Berkas kosong"),
    ],
)
def test_it_refuses_other_files_and_saves_nothing(officer, org_a, media, name, content, message):
    a = make_agreement(officer, [org_a])
    with pytest.raises(ValidationError) as exc:
        services.agreement_add_document(actor=officer, agreement=a, upload=upload(name, content), title="Naskah")
    assert message in exc.value.message_dict["file"][0]
    assert not AgreementDocument.objects.exists()
    assert stored_files(media) == []


def test_it_refuses_a_file_over_the_configured_limit(officer, org_a, media, settings):
    settings.BERDAYA = {**settings.BERDAYA, "UPLOAD_MAX_MB": 1}
    a = make_agreement(officer, [org_a])
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(ValidationError) as exc:
        services.agreement_add_document(actor=officer, agreement=a, upload=upload("besar.pdf", big), title="Naskah")
    assert exc.value.message_dict["file"] == ["Berkas terlalu besar: paling besar 1 MB."]
    assert stored_files(media) == []


def test_the_limit_defaults_to_10_mb():
    from django.conf import settings

    assert settings.BERDAYA["UPLOAD_MAX_MB"] == 10


def test_the_upload_page_reports_a_refused_file(client, officer, org_a, media):
    a = make_agreement(officer, [org_a])
    client.force_login(officer)
    response = client.post(
        reverse("partners:agreement_document", args=[a.pk]),
        {"title": "Naskah", "file": upload("virus.exe", b"MZ")},
        follow=True,
    )
    assert "Jenis berkas tidak diterima" in response.content.decode()
    assert not AgreementDocument.objects.exists()


def test_documents_are_served_only_to_the_parties_and_officers(
    client, officer, partner, partner_b, viewer, org_a, media
):
    a = make_agreement(officer, [org_a])
    doc = services.agreement_add_document(actor=officer, agreement=a, upload=upload("naskah.pdf", PDF), title="Naskah")
    url = reverse("partners:agreement_document_download", args=[a.pk, doc.pk])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for user, status in [(officer, 200), (partner, 200), (partner_b, 404), (viewer, 404)]:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user.role
        if status == 200:
            assert b"".join(response.streaming_content) == PDF
            assert response["Cache-Control"] == "no-store"
            assert "naskah" not in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action="view", object_id=str(doc.pk)).count() == 2
    client.force_login(partner_b)
    assert client.get(reverse("partners:agreement_detail", args=[a.pk])).status_code == 404


def test_partner_staff_cannot_upload(client, officer, partner, org_a, media):
    a = make_agreement(officer, [org_a])
    with pytest.raises(PermissionDenied):
        services.agreement_add_document(actor=partner, agreement=a, upload=upload("n.pdf", PDF), title="Naskah")
    assert f.organisation("LSM Tani Sejahtera") == org_a
