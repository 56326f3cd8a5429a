"""Data-subject requests: recorded with their 72-hour clock, carried out, their copy of the data, and who may see
them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from berdaya.core.models import AuditEvent
from berdaya.dci.models import Registry
from berdaya.dci.services import people_for
from berdaya.markets.models import SubscriberConsent
from berdaya.markets.services import active_subscribers
from berdaya.privacy import services
from berdaya.privacy.models import DataRequest
from berdaya.registry import choices as rc
from berdaya.registry.access import people_visible_to
from berdaya.registry.consent import excluded_for
from berdaya.registry.models import ConsentRecord, Person
from berdaya.targeting.rules import base_people
from berdaya.testing import factories as f

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def siti(areas):
    return f.person(name="Siti Aminah Rahayu", phone="081277700011")


def test_it_records_a_request_with_its_72_hour_clock_and_audits_it(officer, siti):
    received = timezone.now() - dt.timedelta(hours=80)
    response = client_for(officer).post(
        reverse("privacy:request_new"),
        {
            "person_id": siti.pk,
            "kind": "access",
            "channel": "letter",
            "received_at": timezone.localtime(received).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    record = DataRequest.objects.get()
    assert response.status_code == 302
    assert record.due_at - record.received_at == dt.timedelta(hours=72)
    assert record.handler == officer and record.is_overdue
    assert AuditEvent.objects.filter(action="create", object_type="privacy.datarequest", detail__person=siti.pk)
    overdue = client_for(officer).get(reverse("privacy:request_list"), {"status": "overdue"})
    assert f"#{record.pk}" in overdue.content.decode()


def test_bad_input_is_refused_in_indonesian(officer, siti):
    client = client_for(officer)
    response = client.post(
        reverse("privacy:request_new"), {"person_id": siti.pk, "kind": "withdrawal", "channel": "phone"}
    )
    assert "Pilih tujuan yang persetujuannya ditarik." in response.content.decode()
    response = client.post(reverse("privacy:request_new"), {"person_id": "abc", "kind": "access", "channel": "phone"})
    assert "Tulis angka" in response.content.decode()
    response = client.post(reverse("privacy:request_new"), {"person_id": 999999, "kind": "access", "channel": "phone"})
    assert "Data tidak ditemukan atau di luar wilayah Anda." in response.content.decode()
    record = services.request_record(actor=officer, person_id=siti.pk, data={"kind": "access", "channel": "phone"})
    response = client.post(reverse("privacy:request_detail", args=[record.pk]), {"status": "done", "outcome": ""})
    assert "Tulis jawaban atau alasan penolakan" in response.content.decode()
    erase = services.request_record(actor=officer, person_id=siti.pk, data={"kind": "erasure", "channel": "phone"})
    client.post(reverse("privacy:request_carry_out", args=[erase.pk]), {"confirm": "salah"})
    siti.refresh_from_db()
    assert siti.full_name == "Siti Aminah Rahayu"
    assert not DataRequest.objects.filter(status="done").exists()


@pytest.mark.parametrize("role", ["partner", "facilitator", "viewer"])
def test_only_the_data_protection_officer_sees_requests_audit_and_breaches(request, role, officer, siti):
    user = request.getfixturevalue(role)
    record = services.request_record(actor=officer, person_id=siti.pk, data={"kind": "access", "channel": "phone"})
    client = client_for(user)
    for name in ("privacy:request_list", "privacy:audit", "privacy:breach_list", "privacy:retention"):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("privacy:breach_export", args=["csv"])).status_code == 403
    for name in ("privacy:request_detail",):
        assert client.get(reverse(name, args=[record.pk])).status_code == 404
    assert client.get(reverse("privacy:request_copy", args=[record.pk, "json"])).status_code == 404


def test_the_access_copy_holds_their_data_and_who_viewed_it_and_is_audited(officer, admin_user, siti):
    ConsentRecord.objects.create(
        person=siti, basis=rc.ConsentBasis.PUBLIC_TASK, purpose="Pendataan DTSEN", recorded_by=officer
    )
    client_for(admin_user).get(reverse("registry:person_detail", args=[siti.pk]))
    record = services.request_record(actor=officer, person_id=siti.pk, data={"kind": "access", "channel": "phone"})
    response = client_for(officer).get(reverse("privacy:request_copy", args=[record.pk, "json"]))
    document = json.loads(b"".join([response.content]))
    keys = {s["kunci"] for s in document["bagian"]}
    assert {"person", "household", "registry.consentrecord.person", "history", "audit"} <= keys
    text = response.content.decode()
    assert "Siti Aminah Rahayu" in text and "Pendataan DTSEN" in text
    audit_section = next(s for s in document["bagian"] if s["kunci"] == "audit")
    assert any(row["oleh"] == admin_user.username and row["tindakan"] == "Melihat" for row in audit_section["baris"])
    assert AuditEvent.objects.filter(action="export", detail__event="pdp_access_copy", object_id=str(siti.pk))
    # the officer finds the request on the person's page
    page = client_for(officer).get(reverse("registry:person_detail", args=[siti.pk]))
    assert reverse("privacy:request_detail", args=[record.pk]) in page.content.decode()
    pdf = client_for(officer).get(reverse("privacy:request_copy", args=[record.pk, "pdf"]))
    assert pdf.content[:4] == b"%PDF"


def test_a_withdrawal_takes_the_person_out_of_targeting_messages_and_partners(officer, areas):
    org = f.organisation("LSM Mitra")
    partner = f.user("partner", org=org)
    hh = f.household(registered_by_organisation=org)
    siti = f.person(hh=hh, name="Siti Aminah Rahayu", phone="081277700011")
    other = f.person(hh=hh, name="Budi Santoso")
    SubscriberConsent.objects.create(person=siti, phone="+6281277700011", district_id="15.02.01")
    assert siti in base_people() and siti in people_visible_to(partner)
    assert active_subscribers().filter(person=siti).exists()
    for purpose in ("targeting", "messages", "sharing"):
        record = services.request_record(
            actor=officer, person_id=siti.pk, data={"kind": "withdrawal", "channel": "phone", "purpose": purpose}
        )
        services.request_carry_out(actor=officer, request=record)
    assert siti not in base_people() and other in base_people()
    assert not active_subscribers().filter(person=siti).exists()
    assert siti not in people_visible_to(partner) and other in people_visible_to(partner)
    assert siti not in people_for(officer, Registry.SOCIAL) and other in people_for(officer, Registry.SOCIAL)
    assert Person.objects.filter(excluded_for("research")).count() == 0
    # consenting again to targeting later brings them back
    ConsentRecord.objects.create(
        person=siti,
        basis=rc.ConsentBasis.CONSENT,
        given_by=rc.ConsentGivenBy.SELF,
        purpose="Setuju lagi",
        purpose_kind="targeting",
        given_at=timezone.localdate(),
        recorded_by=officer,
    )
    ConsentRecord.objects.filter(person=siti, purpose_kind="targeting", withdrawn_at__isnull=False).update(
        withdrawn_at=timezone.localdate() - dt.timedelta(days=1)
    )
    assert siti in base_people()


def test_an_erasure_request_carried_out_anonymises_and_closes(officer, siti):
    nik = siti.nik
    # The officer typed the NIK into the request's notes: the erasure must not write it back when closing.
    record = services.request_record(
        actor=officer, person_id=siti.pk, data={"kind": "erasure", "channel": "phone", "notes": f"KTP {nik}"}
    )
    assert nik in DataRequest.objects.get(pk=record.pk).notes
    page = client_for(officer).get(reverse("privacy:request_detail", args=[record.pk]))
    assert "Jalankan penghapusan" in page.content.decode()
    response = client_for(officer).post(reverse("privacy:request_carry_out", args=[record.pk]), {"confirm": record.pk})
    assert response.status_code == 302
    siti.refresh_from_db()
    record.refresh_from_db()
    assert siti.nik is None and "Siti" not in siti.full_name and siti.phone == ""
    assert record.status == "done" and record.completed_at
    assert nik not in record.notes and nik not in record.outcome
    assert AuditEvent.objects.filter(action="delete", detail__event="pdp_erasure", object_id=str(siti.pk)).exists()
