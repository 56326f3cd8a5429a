"""The score breakdown of a household for a role that may not see every member (partner staff: a member who withdrew
consent to sharing is hidden from them, registry.access.withholds_members): the components counted from the members
and the total are not shown, on every household, so the page tells of no hidden member."""

import datetime as dt

import pytest
from django.urls import reverse

from berdaya.registry import choices as rc
from berdaya.registry import services as registry_services
from berdaya.targeting import services
from berdaya.testing import factories as f
from berdaya.testing.clients import client_for

pytestmark = pytest.mark.django_db

FROM_MEMBERS = ("Pendidikan kepala keluarga", "Luas lantai per orang", "Rasio ketergantungan")


def test_partner_staff_get_no_component_counted_from_the_members(officer, partner):
    hh = f.household(floor_material="earth", floor_area_m2=24, registered_by_organisation=partner.organisation)
    head = f.person(hh=hh, name="Kepala Menarik Diri", education="postgraduate")
    f.person(hh=hh, name="Anak", relationship=rc.Relationship.CHILD, birth_date=dt.date(2018, 1, 1))
    registry_services.consent_withdraw(actor=officer, person=head, purpose=rc.ConsentPurpose.SHARING)
    services.welfare_compute(actor=officer)
    url = reverse("targeting:household_score", args=[hh.pk])
    officer_page = client_for(officer).get(url).text
    assert all(label in officer_page for label in FROM_MEMBERS)
    assert "24 m² / 2 =" in officer_page and "S2/S3" in officer_page and ">Jumlah<" in officer_page
    page = client_for(partner).get(url).text
    assert "Desil efektif" in page and "Lantai" in page  # the household's own components stay
    for label in FROM_MEMBERS:
        assert label not in page, label
    # Neither the household's size nor the head's education, nor a total that would give them back.
    assert "/ 2 =" not in page and "S2/S3" not in page and ">Jumlah<" not in page
