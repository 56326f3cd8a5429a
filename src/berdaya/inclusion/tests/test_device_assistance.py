"""A device received through a programme is recorded as that programme's assistance (issue 8), and the person's and
the programme's assistance ledgers show it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from berdaya.inclusion import services
from berdaya.programmes import choices as pc
from berdaya.programmes.models import Assistance
from berdaya.programmes.selectors import person_programmes
from berdaya.registry import choices as rc
from berdaya.testing import programmes as h


@pytest.fixture
def programme(officer):
    return h.programme(officer, kind=pc.ProgrammeKind.IN_KIND, name="Bantuan Alat Bantu Disabilitas 2026")


@pytest.fixture
def person(officer):
    (person,) = h.people(1, wgss_walking=rc.WGSSAnswer.CANNOT)
    return person


def test_a_device_received_through_a_programme_is_its_assistance_and_shows_in_the_ledgers(
    client, officer, programme, person
):
    h.enrol(officer, programme, person)
    record = services.device_need_add(actor=officer, person=person, device="wheelchair")
    today = timezone.localdate()

    services.device_mark_received(actor=officer, record=record, received_on=today, programme=programme)

    record.refresh_from_db()
    assistance = Assistance.objects.get()
    assert record.assistance_id == assistance.pk and record.source == programme.name
    assert (assistance.programme, assistance.person, assistance.kind) == (programme, person, "assistive_device")
    assert (assistance.description, assistance.quantity, assistance.unit, assistance.date) == (
        "Kursi roda",
        1,
        "unit",
        today,
    )
    # Received means received: approved, disbursed and acknowledged, each step kept.
    assert assistance.status == pc.AssistanceStatus.ACKNOWLEDGED
    assert assistance.approved_by == officer and assistance.acknowledged_at is not None
    assert [hr.status for hr in assistance.history.order_by("history_date")] == [
        "planned",
        "approved",
        "disbursed",
        "acknowledged",
    ]
    assert person_programmes(actor=officer, person=person).assistance == [assistance]

    client.force_login(officer)
    page = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert "Alat bantu disabilitas" in page and "Kursi roda" in page and "Diterima (tanda terima)" in page
    ledger = client.get(reverse("programmes:assistance_ledger", args=[programme.pk])).content.decode()
    assert person.full_name in ledger and "Kursi roda" in ledger


def test_the_received_form_records_it_through_the_chosen_programme(client, officer, programme, person):
    h.enrol(officer, programme, person)
    record = services.device_need_add(actor=officer, person=person, device="crutches")
    client.force_login(officer)
    url = reverse("inclusion:device_received", args=[record.pk])
    assert programme.name in client.get(url).content.decode()
    response = client.post(
        url, {"received_on": timezone.localdate().isoformat(), "source": "", "programme": programme.pk}
    )
    assert response.status_code == 302
    assert Assistance.objects.get(person=person).kind == pc.AssistanceKind.ASSISTIVE_DEVICE


def test_a_person_not_taking_part_gets_a_clear_message_and_the_receipt_is_not_saved(officer, programme, person):
    record = services.device_need_add(actor=officer, person=person, device="wheelchair")
    with pytest.raises(ValidationError) as exc:
        services.device_mark_received(
            actor=officer, record=record, received_on=timezone.localdate(), programme=programme
        )
    assert "belum terdaftar sebagai peserta program ini" in exc.value.messages[0]
    record.refresh_from_db()
    assert record.status == "needed" and not Assistance.objects.exists()


def test_a_second_device_within_the_window_needs_a_reason(officer, programme, person):
    h.enrol(officer, programme, person)
    today = timezone.localdate()
    first = services.device_need_add(actor=officer, person=person, device="wheelchair")
    services.device_mark_received(actor=officer, record=first, received_on=today, programme=programme)
    second = services.device_need_add(actor=officer, person=person, device="glasses")

    with pytest.raises(ValidationError) as exc:
        services.device_mark_received(actor=officer, record=second, received_on=today, programme=programme)
    assert "Terindikasi penerimaan ganda" in exc.value.messages[0]
    second.refresh_from_db()
    assert second.status == "needed" and second.assistance_id is None
    assert Assistance.objects.count() == 1

    services.device_mark_received(
        actor=officer, record=second, received_on=today, programme=programme, override_reason="Alat berbeda"
    )
    assert Assistance.objects.get(description="Kacamata").double_dip_override_reason == "Alat berbeda"
