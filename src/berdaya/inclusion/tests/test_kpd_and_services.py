from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from berdaya.inclusion import services
from berdaya.inclusion.kpd import kpd_error, normalise_kpd
from berdaya.inclusion.models import AssistiveDevice, DisabilityProfile
from berdaya.testing import factories

KPD = "1502011234567890"


def test_the_kpd_format_is_checked_with_a_clear_message(settings):
    assert kpd_error(KPD) is None
    assert kpd_error("") is None
    assert kpd_error("12345") == "Nomor KPD tidak sesuai format: harus 16 digit angka."
    assert normalise_kpd(" 1502 0112-3456.7890 ") == KPD


def test_the_kpd_format_is_configurable(settings):
    settings.BERDAYA = {**settings.BERDAYA, "KPD_PATTERN": r"^KPD-\d{6}$", "KPD_FORMAT_LABEL": "KPD-diikuti 6 digit"}
    assert kpd_error("KPD-123456") is None
    assert kpd_error(KPD) == "Nomor KPD tidak sesuai format: harus KPD-diikuti 6 digit."


@pytest.mark.django_db
def test_it_refuses_a_wrong_kpd_and_saves_nothing(areas, officer):
    person = factories.person(wgss_seeing=4)
    with pytest.raises(ValidationError) as exc:
        services.disability_profile_save(
            actor=officer, person=person, data={"disability_type": "sensory", "kpd_number": "15-02-ABC"}
        )
    assert exc.value.message_dict["kpd_number"] == ["Nomor KPD tidak sesuai format: harus 16 digit angka."]
    assert not DisabilityProfile.objects.exists()


@pytest.mark.django_db
def test_it_records_type_card_and_needs_with_history(areas, officer):
    person = factories.person(wgss_walking=4)
    profile = services.disability_profile_save(
        actor=officer,
        person=person,
        data={"disability_type": "physical", "kpd_number": "1502 0112 3456 7890", "need_accessible_venue": True},
    )
    assert profile.kpd_number == KPD
    assert profile.support_needs == {"accessible_venue"}
    services.disability_profile_save(actor=officer, person=person, data={"need_companion": True})
    assert profile.history.count() == 2
    assert profile.history.latest().history_user == officer


@pytest.mark.django_db
def test_it_needs_a_wgss_disability_or_a_card(areas, officer):
    person = factories.person(wgss_walking=2)
    with pytest.raises(ValidationError) as exc:
        services.disability_profile_save(actor=officer, person=person, data={"disability_type": "physical"})
    assert "belum tergolong penyandang disabilitas" in exc.value.messages[0]
    services.disability_profile_save(
        actor=officer, person=person, data={"disability_type": "physical", "kpd_number": KPD}
    )


@pytest.mark.django_db
def test_a_kpd_number_belongs_to_one_person(areas, officer):
    services.disability_profile_save(
        actor=officer, person=factories.person(wgss_seeing=4), data={"disability_type": "sensory", "kpd_number": KPD}
    )
    with pytest.raises(ValidationError) as exc:
        services.disability_profile_save(
            actor=officer,
            person=factories.person(name="Lain", wgss_seeing=4),
            data={"disability_type": "sensory", "kpd_number": KPD},
        )
    assert "sudah tercatat" in " ".join(exc.value.messages)


@pytest.mark.django_db
def test_a_facilitator_edits_only_in_their_villages(areas, facilitator):
    outside = factories.person(wgss_seeing=4, hh=factories.household(village="15.02.02.2004"))
    with pytest.raises(PermissionDenied):
        services.disability_profile_save(actor=facilitator, person=outside, data={"disability_type": "sensory"})


@pytest.mark.django_db
def test_devices_are_needed_then_received(areas, officer):
    person = factories.person(wgss_walking=4)
    record = services.device_need_add(actor=officer, person=person, device="wheelchair")
    with pytest.raises(ValidationError):
        services.device_need_add(actor=officer, person=person, device="wheelchair")
    with pytest.raises(ValidationError):
        services.device_need_add(actor=officer, person=person, device="other")
    services.device_mark_received(actor=officer, record=record, received_on=record.needed_since, source="Dinas Sosial")
    record.refresh_from_db()
    assert (record.status, record.source, record.assistance_id) == ("received", "Dinas Sosial", None)
    with pytest.raises(ValidationError):
        services.device_mark_received(actor=officer, record=record, received_on=record.needed_since)
    assert AssistiveDevice.history.filter(id=record.pk).count() == 2
