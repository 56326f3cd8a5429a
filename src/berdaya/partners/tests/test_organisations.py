"""Organisations: kinds, contacts, registration, districts, focal person; duplicate names warned or refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from berdaya.core.models import AuditEvent
from berdaya.organisations.models import Organisation
from berdaya.partners import services
from berdaya.partners.selectors import normalise_name
from berdaya.testing import factories as f


def test_it_offers_every_kind_of_partner_the_issue_names():
    assert set(Organisation.Kind.values) == {
        "government",
        "ngo",
        "company",
        "cooperative",
        "university",
        "disability_org",
        "community",
        "financial",
    }


def test_it_records_contacts_registration_districts_and_a_focal_person(officer):
    org = services.organisation_create(
        actor=officer,
        data={
            "name": "  Koperasi Produsen   Kopi Lembah Masurai ",
            "kind": Organisation.Kind.COOPERATIVE,
            "phone": "0746-21234",
            "email": "kopi@contoh.or.id",
            "address": "Jl. Lintas Sumatera No. 4",
            "legal_registration": "NIB 1234000056789",
            "focal_name": "Sri Wahyuni",
            "focal_contact": "081234567890",
            "districts": ["15.02.01", "15.02.02"],
        },
    )
    org.refresh_from_db()
    assert org.name == "Koperasi Produsen Kopi Lembah Masurai"
    assert set(org.districts.values_list("pk", flat=True)) == {"15.02.01", "15.02.02"}
    assert org.focal_display == "Sri Wahyuni"
    assert AuditEvent.objects.filter(action="create", object_id=str(org.pk)).exists()


def test_it_normalises_names_for_comparison():
    assert normalise_name("Dinas  Sosial Kab. Merangin") == normalise_name("dinas sosial kabupaten MERANGIN")


def test_it_refuses_the_same_name_written_differently(officer):
    f.organisation("Dinas Sosial Kabupaten Merangin", Organisation.Kind.GOVERNMENT)
    with pytest.raises(ValidationError) as exc:
        services.organisation_create(
            actor=officer, data={"name": "dinas sosial  KAB. Merangin", "kind": "government"}, confirm_similar=True
        )
    assert "sudah terdaftar" in exc.value.message_dict["name"][0]
    assert Organisation.objects.count() == 1


def test_it_warns_about_a_similar_name_and_suggests_the_existing_one(officer):
    existing = f.organisation("Yayasan Tani Lestari Merangin", Organisation.Kind.NGO)
    with pytest.raises(services.SimilarNameWarning) as exc:
        services.organisation_create(actor=officer, data={"name": "Yayasan Tani Lestari Meranggin", "kind": "ngo"})
    assert [s.organisation for s in exc.value.similar] == [existing]
    assert "Yayasan Tani Lestari Merangin" in exc.value.message_dict["name"][0]
    assert Organisation.objects.count() == 1
    # confirmed as a different organisation: saved
    services.organisation_create(
        actor=officer, data={"name": "Yayasan Tani Lestari Meranggin", "kind": "ngo"}, confirm_similar=True
    )
    assert Organisation.objects.count() == 2


def test_the_form_suggests_the_existing_organisation_before_saving(client, officer):
    existing = f.organisation("Perkumpulan Peduli Pekerja Migran Jambi", Organisation.Kind.NGO)
    client.force_login(officer)
    url = reverse("partners:organisation_create")
    data = {"name": "Perkumpulan Peduli Pekerja Migran Jambi Merangin", "kind": "ngo", "is_active": "on"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert reverse("partners:organisation_detail", args=[existing.pk]) in response.content.decode()
    assert "Ini organisasi yang berbeda" in response.content.decode()
    assert Organisation.objects.count() == 1
    response = client.post(url, {**data, "confirm_similar": "on"})
    assert response.status_code == 302
    assert Organisation.objects.count() == 2


def test_partner_staff_keep_their_own_contacts_but_not_the_kind_or_others(partner, org_b):
    own = partner.organisation
    services.organisation_update(actor=partner, organisation=own, data={"phone": "0811", "kind": "company"})
    own.refresh_from_db()
    assert (own.phone, own.kind) == ("0811", "ngo")
    with pytest.raises(PermissionDenied):
        services.organisation_update(actor=partner, organisation=org_b, data={"phone": "0812"})
    with pytest.raises(PermissionDenied):
        services.organisation_create(actor=partner, data={"name": "LSM Baru", "kind": "ngo"})


def test_a_focal_user_must_be_staff_of_the_organisation(officer, org_a, partner_b):
    with pytest.raises(ValidationError) as exc:
        services.organisation_update(actor=officer, organisation=org_a, data={"focal_user": partner_b})
    assert "focal_user" in exc.value.message_dict


def test_the_list_is_a_fixed_number_of_queries(client, officer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(officer)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("partners:organisation_list")).status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        f.organisation(f"LSM Uji {i}").districts.set(["15.02.01"])
    before = count()
    for i in range(3, 9):
        f.organisation(f"LSM Uji {i}").districts.set(["15.02.02"])
    assert count() == before
