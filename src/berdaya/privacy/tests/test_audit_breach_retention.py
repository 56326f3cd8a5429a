"""Views of sensitive pages are audited (once per few minutes) and readable by the officer; breach records;
retention purges import files."""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from berdaya.core.models import AuditEvent
from berdaya.imports.models import ImportRun
from berdaya.jobs import schedule
from berdaya.privacy import retention
from berdaya.privacy.models import BreachRecord, RetentionPeriod
from berdaya.testing import factories as f

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_viewing_a_person_or_household_is_audited_once_per_few_minutes(officer, facilitator):
    person = f.person(name="Siti Aminah Rahayu")
    client = client_for(facilitator)
    for _ in range(3):
        assert client.get(reverse("registry:person_detail", args=[person.pk])).status_code == 200
    client.get(reverse("registry:household_detail", args=[person.household_id]))
    views = AuditEvent.objects.filter(action="view", actor=facilitator)
    assert views.filter(object_type="registry.person", object_id=str(person.pk)).count() == 1
    assert views.filter(object_type="registry.household").count() == 1
    # an older view does not hold back a new one
    views.update(at=timezone.now() - dt.timedelta(minutes=10))
    client.get(reverse("registry:person_detail", args=[person.pk]))
    assert views.filter(object_type="registry.person").count() == 2
    # the officer reads them on the audit page, by person and by user
    page = client_for(officer).get(reverse("privacy:audit"), {"person": person.pk, "user": facilitator.username})
    assert page.content.decode().count(f"registry.person#{person.pk}") == 2
    bad = client_for(officer).get(reverse("privacy:audit"), {"since": "2026-02-01", "until": "2026-01-01"})
    assert "Tanggal &#x27;sejak&#x27; tidak boleh sesudah tanggal &#x27;sampai&#x27;." in bad.content.decode()


def test_a_breach_is_filed_checked_and_exported(officer):
    client = client_for(officer)
    now = timezone.localtime()
    fields = {
        "title": "Laptop pendamping hilang",
        "description": "Laptop berisi ekspor daftar penerima hilang di pasar.",
        "discovered_at": now.strftime("%Y-%m-%dT%H:%M"),
        "data_affected": "Nama, NIK, alamat",
        "people_affected": 120,
        "authority_notified_at": (now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "status": "open",
    }
    response = client.post(reverse("privacy:breach_new"), fields)
    assert "Pemberitahuan tidak boleh sebelum insiden diketahui." in response.content.decode()
    assert not BreachRecord.objects.exists()
    fields["authority_notified_at"] = ""
    assert client.post(reverse("privacy:breach_new"), fields).status_code == 302
    breach = BreachRecord.objects.get()
    assert breach.notify_by == breach.discovered_at + dt.timedelta(hours=72)
    page = client.get(reverse("privacy:breach_edit", args=[breach.pk]))
    assert (
        page.status_code == 200
        and date_format(timezone.localtime(breach.notify_by), "DATETIME_FORMAT") in page.content.decode()
    )
    assert "Laptop pendamping hilang" in client.get(reverse("privacy:breach_list")).content.decode()
    csv = client.get(reverse("privacy:breach_export", args=["csv"]))
    assert "Laptop pendamping hilang" in b"".join(csv.streaming_content).decode()
    xlsx = client.get(reverse("privacy:breach_export", args=["xlsx"]))
    assert xlsx.content[:2] == b"PK"
    assert AuditEvent.objects.filter(action="export", object_type="privacy.breachrecord").count() == 2


def test_import_files_past_retention_are_purged_and_the_rest_listed(
    officer, admin_user, media, django_capture_on_commit_callbacks
):
    old = ImportRun(original_name="lama.csv", checksum="0" * 64, created_by=officer, status="imported")
    old.file.save("lama.csv", ContentFile(b"nik\n1502014101850001\n"), save=True)
    old.errors_file.save("lama-salah.csv", ContentFile(b"nik\n1502014101850001\n"), save=True)
    new = ImportRun(original_name="baru.csv", checksum="1" * 64, created_by=officer, status="imported")
    new.file.save("baru.csv", ContentFile(b"nik\n"), save=True)
    ImportRun.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    RetentionPeriod.objects.create(kind="import_files", days=30)
    paths = [old.file.path, old.errors_file.path]
    with django_capture_on_commit_callbacks(execute=True):
        result = retention.retention_run()
    assert result["purged"]["import_files"] == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert not old.file and not old.errors_file and new.file
    assert not any(os.path.exists(p) for p in paths)
    assert schedule.get("privacy.retention") is not None
    page = client_for(officer).get(reverse("privacy:retention"))
    assert "Berkas impor dan berkas kesalahan impor" in page.content.decode()
    out = io.StringIO()
    call_command("privacy", "retention", stdout=out)
    assert "Berkas impor dan berkas kesalahan impor: 0 melewati 30 hari (otomatis)" in out.getvalue()
    # only an admin runs the purge from the page
    assert client_for(officer).post(reverse("privacy:retention")).status_code == 403
    assert client_for(admin_user).post(reverse("privacy:retention")).status_code == 302


def test_spdci_answers_have_a_retention_period_listed_and_purged(officer, admin_user):
    from django.utils import translation

    from berdaya.dci.models import Delivery, Transaction

    def answered(days_ago: int) -> Transaction:
        txn = Transaction.objects.create(
            registry="social",
            action="search",
            transaction_id=f"t{days_ago}",
            message_id=f"m{days_ago}",
            sender_id="dtsen",
            user=officer,
            status="succ",
            response={
                "search_response": [{"reference_id": "r1", "status": "succ", "data": {"nik": "1502014101850001"}}]
            },
        )
        Transaction.objects.filter(pk=txn.pk).update(answered_at=timezone.now() - dt.timedelta(days=days_ago))
        return txn

    old, recent = answered(31), answered(1)
    sent = Delivery.objects.create(transaction=old, registry="social", action="on-search", url="http://x.test/cb")
    Delivery.objects.filter(pk=sent.pk).update(
        status="delivered",
        payload={"message": {"nik": "1502014101850001"}},
        created_at=old.created_at - dt.timedelta(days=31),
    )
    label = "Jawaban SPDCI dan isi callback yang tersimpan"
    page = client_for(officer).get(reverse("privacy:retention")).content.decode()
    assert label in page
    out = io.StringIO()
    call_command("privacy", "retention", stdout=out)
    assert f"{label}: 2 melewati 30 hari (otomatis)" in out.getvalue()
    out = io.StringIO()
    call_command("privacy", "retention", "--purge", stdout=out)
    assert "2 jawaban/isi callback SPDCI" in out.getvalue()
    assert f"{label}: 0 melewati 30 hari (otomatis)" in out.getvalue()
    old.refresh_from_db()
    recent.refresh_from_db()
    sent.refresh_from_db()
    assert old.response == {} and sent.payload == {} and recent.response
    event = AuditEvent.objects.filter(object_type="privacy.retention").latest("at")
    assert event.detail["purged"]["dci_answers"] == 2
    response = client_for(admin_user).post(reverse("privacy:retention"), follow=True)
    assert "0 jawaban/isi callback SPDCI dihapus" in response.content.decode()
    with translation.override("en"):
        (due,) = [d for d in retention.due_report() if d.kind == "dci_answers"]
        assert due.label == "Stored SPDCI answers and callback bodies"
