"""Identifiers stay masked for partner staff in edit forms and history, and they cannot change them (issue #13.3)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from berdaya.registry import services
from berdaya.registry.forms import HOUSEHOLD_FIELDS, PERSON_FIELDS
from berdaya.registry.models import Household, Person
from berdaya.testing import factories
from berdaya.testing.clients import client_for

pytestmark = pytest.mark.django_db

# Stored as the registry stores every number (E.164), so a save that changes nothing leaves it as it is.
PHONE = "+6281298765432"
PHONE_STORED = PHONE
KK = "1502011506180003"


@pytest.fixture
def world(partner, officer):
    hh = factories.household(
        registered_by_organisation=partner.organisation,
        kk_number=KK,
        address="Jl. Rahasia No. 7",
        rt="017",
        rw="023",
        latitude=Decimal("-2.123456"),
        longitude=Decimal("102.654321"),
    )
    person = factories.person(hh=hh, name="Siti Rahmawati", phone=PHONE)
    return hh, person


def _post_data(form_fields, instance, **changes) -> dict[str, str]:
    data = {}
    for name in form_fields:
        value = getattr(instance, f"{name}_id", None) if name == "village" else getattr(instance, name, "")
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else (value.isoformat() if hasattr(value, "isoformat") else str(value))
    data.update(changes)
    return data


SECRETS = [PHONE, PHONE_STORED, KK, "Jl. Rahasia", "-2.123456", "102.654321", 'value="017"', 'value="023"']


def test_the_person_form_shows_partner_staff_no_identifier(partner, world):
    _hh, person = world
    page = client_for(partner).get(reverse("registry:person_edit", args=[person.pk])).content.decode()
    assert "Siti Rahmawati" in page
    assert person.nik not in page and PHONE_STORED not in page
    assert "••••••••••••••••" in page


def test_the_household_form_shows_partner_staff_no_identifier_or_location(partner, world):
    hh, _person = world
    page = client_for(partner).get(reverse("registry:household_edit", args=[hh.pk])).content.decode()
    assert not [secret for secret in SECRETS if secret in page]


def test_the_forms_still_show_officers_every_identifier(officer, world):
    hh, person = world
    client = client_for(officer)
    assert person.nik in client.get(reverse("registry:person_edit", args=[person.pk])).content.decode()
    assert KK in client.get(reverse("registry:household_edit", args=[hh.pk])).content.decode()


def test_a_crafted_post_from_partner_staff_changes_no_identifier(partner, world):
    hh, person = world
    other_nik = factories.nik(birth_date=person.birth_date, sex=person.sex)
    client = client_for(partner)
    response = client.post(
        reverse("registry:person_edit", args=[person.pk]),
        _post_data(PERSON_FIELDS, person, nik=other_nik, phone="081200000000", occupation="farmer"),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.nik, person.phone) != (other_nik, "081200000000")
    assert person.phone == PHONE_STORED
    response = client.post(
        reverse("registry:household_edit", args=[hh.pk]),
        _post_data(HOUSEHOLD_FIELDS, hh, kk_number="1502011506180099", address="Jl. Baru", rt="001", latitude="-1.5"),
    )
    assert response.status_code == 302
    hh.refresh_from_db()
    assert (hh.kk_number, hh.address, hh.rt, hh.latitude) == (KK, "Jl. Rahasia No. 7", "017", Decimal("-2.123456"))


def test_the_service_refuses_partner_staff_a_change_of_identifier(partner, world):
    hh, person = world
    with pytest.raises(PermissionDenied):
        services.person_update(actor=partner, person=person, data={"phone": "081200000000"})
    with pytest.raises(PermissionDenied):
        services.household_update(actor=partner, household=hh, data={"rt": "001"})
    # Unchanged identifiers (as a full form sends them back) are not a change.
    services.household_update(actor=partner, household=hh, data={"rt": "017", "latitude": "-2.123456"})
    assert Household.objects.get(pk=hh.pk).rt == "017"
    assert Person.objects.get(pk=person.pk).phone == PHONE


def test_history_masks_every_identifying_and_locating_field_for_partner_staff(partner, officer, world):
    hh, person = world
    services.household_update(
        actor=officer,
        household=hh,
        data={"rt": "019", "rw": "029", "latitude": Decimal("-2.5"), "longitude": Decimal("102.9"), "address": "Jl. B"},
    )
    services.person_update(actor=officer, person=person, data={"phone": "081211112222"})
    household_page = client_for(partner).get(reverse("registry:household_detail", args=[hh.pk])).content.decode()
    person_page = client_for(partner).get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    for secret in ["017", "019", "023", "029", "-2.5", "102.9", "2.123456", "Jl. B", "Jl. Rahasia"]:
        # Not preceded by a letter or digit: the page also names the officer who made the change, and a generated
        # username ("officer4017") may well end in one of these digits.
        assert not _shows(household_page, secret), secret
    assert "081211112222" not in person_page and PHONE not in person_page
    # Officers read the same history in full.
    officer_page = client_for(officer).get(reverse("registry:household_detail", args=[hh.pk])).content.decode()
    assert _shows(officer_page, "019") and _shows(officer_page, "102.9")


def _shows(page: str, value: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(value)}", page) is not None


def test_the_reason_a_nik_was_accepted_is_not_shown_to_partner_staff(partner, officer, world):
    _hh, person = world
    Person.objects.filter(pk=person.pk).update(nik_override_reason=f"KTP lama bertuliskan {person.nik[:12]}")
    partner_page = client_for(partner).get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    officer_page = client_for(officer).get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert "KTP lama bertuliskan" not in partner_page
    assert "KTP lama bertuliskan" in officer_page


def test_partner_staff_cannot_type_a_missing_nik_reason_that_would_be_dropped(partner, world):
    # given: the person has a NIK the partner cannot see; a reason for having none would be cleared on save
    _hh, person = world
    client = client_for(partner)
    page = client.get(reverse("registry:person_edit", args=[person.pk])).content.decode()
    field = next(line for line in page.split("<") if 'name="nik_missing_reason"' in line)
    assert "disabled" in field
    # when: a crafted post sends one anyway, then: it is ignored by the disabled field, not half-applied
    client.post(
        reverse("registry:person_edit", args=[person.pk]),
        _post_data(PERSON_FIELDS, person, nik_missing_reason="card_lost"),
    )
    person.refresh_from_db()
    assert person.nik and person.nik_missing_reason == ""


def test_partner_staff_may_give_the_reason_for_a_person_without_nik(partner, world):
    hh, _person = world
    person = factories.person(hh=hh, name="Tanpa NIK", with_nik=False)
    client = client_for(partner)
    page = client.get(reverse("registry:person_edit", args=[person.pk])).content.decode()
    field = next(line for line in page.split("<") if 'name="nik_missing_reason"' in line)
    assert "disabled" not in field
    client.post(
        reverse("registry:person_edit", args=[person.pk]),
        _post_data(PERSON_FIELDS, person, nik_missing_reason="card_lost"),
    )
    person.refresh_from_db()
    assert person.nik_missing_reason == "card_lost"


def test_the_household_form_asks_partner_staff_no_reason_for_a_kk_change_they_cannot_make(partner, officer, world):
    hh, _person = world
    assert (
        'name="kk_reason"'
        not in client_for(partner).get(reverse("registry:household_edit", args=[hh.pk])).content.decode()
    )
    assert (
        'name="kk_reason"' in client_for(officer).get(reverse("registry:household_edit", args=[hh.pk])).content.decode()
    )


def test_a_save_that_changes_nothing_writes_no_history(partner, world):
    hh, person = world
    client = client_for(partner)
    before = (person.history.count(), hh.history.count())
    assert (
        client.post(reverse("registry:person_edit", args=[person.pk]), _post_data(PERSON_FIELDS, person)).status_code
        == 302
    )
    assert (
        client.post(reverse("registry:household_edit", args=[hh.pk]), _post_data(HOUSEHOLD_FIELDS, hh)).status_code
        == 302
    )
    assert (person.history.count(), hh.history.count()) == before
    # a real change still writes one row
    client.post(
        reverse("registry:person_edit", args=[person.pk]), _post_data(PERSON_FIELDS, person, occupation="farmer")
    )
    assert person.history.count() == before[0] + 1
