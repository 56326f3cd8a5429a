"""A disability organisation (a registry Group of that kind) can organise programmes like any partner (issue 8)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from berdaya.core.models import AuditEvent
from berdaya.organisations.models import Organisation
from berdaya.partners import services
from berdaya.programmes import services as programme_services
from berdaya.programmes.access import programmes_editable_by
from berdaya.registry import choices as rc
from berdaya.registry.access import people_visible_to
from berdaya.testing import factories as f
from berdaya.testing import programmes as h


@pytest.fixture
def dpo(areas):
    return f.group(name="Persatuan Tunanetra Indonesia Merangin", kind=rc.GroupKind.DISABILITY_ORG)


def test_only_a_disability_organisation_links_to_a_disability_group(dpo):
    farmers = f.group(name="Poktan Sejahtera")
    ngo = Organisation(name="LSM Lain", kind=Organisation.Kind.NGO, group=dpo)
    with pytest.raises(ValidationError) as exc:
        ngo.full_clean()
    assert "kind" in exc.value.message_dict
    wrong_group = Organisation(name="OPD Lain", kind=Organisation.Kind.DISABILITY_ORG, group=farmers)
    with pytest.raises(ValidationError) as exc:
        wrong_group.full_clean()
    assert exc.value.message_dict["group"] == ["Kelompok ini bukan organisasi penyandang disabilitas."]
    # The database holds the rule too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="LSM Lain", kind=Organisation.Kind.NGO, group=dpo)


def test_an_officer_makes_the_group_a_partner_once(officer, dpo):
    organisation = services.organisation_from_group(actor=officer, group=dpo)
    assert (organisation.name, organisation.kind, organisation.group) == (dpo.name, "disability_org", dpo)
    assert AuditEvent.objects.filter(actor=officer, object_id=str(organisation.pk), action="event").exists()
    with pytest.raises(ValidationError):
        services.organisation_from_group(actor=officer, group=dpo)
    assert Organisation.objects.filter(group=dpo).count() == 1


def test_it_links_an_existing_organisation_of_the_same_name(officer, dpo):
    typed_by_hand = f.organisation(dpo.name, Organisation.Kind.DISABILITY_ORG)
    assert services.organisation_from_group(actor=officer, group=dpo) == typed_by_hand
    typed_by_hand.refresh_from_db()
    assert typed_by_hand.group == dpo


def test_it_refuses_other_groups_other_roles_and_a_name_clash(officer, facilitator, partner, dpo):
    with pytest.raises(ValidationError):
        services.organisation_from_group(actor=officer, group=f.group(name="KUBE Mawar", kind=rc.GroupKind.KUBE))
    for user in (facilitator, partner):
        with pytest.raises(PermissionDenied):
            services.organisation_from_group(actor=user, group=dpo)
    f.organisation(dpo.name, Organisation.Kind.NGO)
    with pytest.raises(ValidationError) as exc:
        services.organisation_from_group(actor=officer, group=dpo)
    assert "Sudah ada organisasi lain" in exc.value.messages[0]
    assert not Organisation.objects.filter(group=dpo).exists()


def test_the_group_page_offers_the_button_to_officers_only(client, officer, facilitator, dpo):
    url = reverse("registry:group_detail", args=[dpo.pk])
    client.force_login(facilitator)
    assert "Jadikan mitra penyelenggara" not in client.get(url).content.decode()
    assert client.post(reverse("partners:organisation_from_group", args=[dpo.pk])).status_code == 403

    client.force_login(officer)
    assert "Jadikan mitra penyelenggara" in client.get(url).content.decode()
    response = client.post(reverse("partners:organisation_from_group", args=[dpo.pk]), follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == url
    assert "kini mitra penyelenggara" in body and "Jadikan mitra penyelenggara" not in body
    assert "Belum menyelenggarakan program." in body
    assert client.get(reverse("partners:organisation_from_group", args=[dpo.pk])).status_code == 405


def test_the_organisation_organises_programmes_and_its_staff_are_scoped_like_partner_staff(
    client, officer, partner, dpo
):
    # given the organisation made from the group, and one of its staff with a partner account
    organisation = services.organisation_from_group(actor=officer, group=dpo)
    staff = f.user("partner", org=organisation)

    # when the staff member creates a programme, naming another organiser in the form
    programme = h.programme(staff, organiser=partner.organisation, name="Pelatihan Braille dan Pijat")

    # then their organisation organises it, they manage it, and they manage nothing else
    assert programme.organiser == organisation
    other = h.programme(partner, name="Program LSM lain")
    assert list(programmes_editable_by(staff)) == [programme]
    with pytest.raises(PermissionDenied):
        programme_services.programme_update(actor=staff, programme=other, data={"name": "Diambil alih"})

    # and they see the people enrolled in their programme, not the other partner's participants
    mine, theirs = h.people(2)
    assert mine not in people_visible_to(staff)
    h.enrol(officer, programme, mine)
    h.enrol(officer, other, theirs)
    assert mine in people_visible_to(staff)
    assert theirs not in people_visible_to(staff)

    # and the group page shows the programme it runs
    client.force_login(officer)
    body = client.get(reverse("registry:group_detail", args=[dpo.pk])).content.decode()
    assert "Pelatihan Braille dan Pijat" in body
