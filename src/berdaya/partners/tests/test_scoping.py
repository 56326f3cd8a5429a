"""Partner staff see their own organisation, its programmes, beneficiaries, commitments and agreements, and nothing
of other organisations beyond the aggregates of the 4W and gap pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from berdaya.organisations.access import organisations_visible_to
from berdaya.partners import services
from berdaya.partners.access import agreements_visible_to, commitments_visible_to
from berdaya.partners.selectors import organisation_results
from berdaya.programmes import services as programme_services
from berdaya.programmes.access import sees_assistance_notes
from berdaya.registry.access import people_visible_to
from berdaya.testing import programmes as h
from berdaya.testing.partners import make_agreement

from .test_agreements import PDF, upload


@pytest.fixture
def two_partners(officer, partner, partner_b, org_a, org_b, media):
    """Each partner runs a programme with its own beneficiary, an internal assistance note, a commitment and an
    agreement with a document."""
    data = {}
    for user, org, name in [(partner, org_a, "Siti A"), (partner_b, org_b, "Budi B")]:
        p = h.programme(user, name=f"Program {org.short_name or org.name}")
        (person,) = h.people(1)
        person.full_name = name
        person.save()
        h.enrol(officer, p, person)
        a = programme_services.assistance_create(
            actor=officer,
            programme=p,
            person=person,
            data={"kind": "cash_grant", "amount": 1_000_000, "note": f"Catatan rahasia {name}"},
        )
        x = services.commitment_create(
            actor=officer,
            organisation=org,
            data={
                "kind": "jobs",
                "description": f"Magang {name}",
                "quantity": 5,
                "start_date": h.today(),
                "end_date": h.today(),
                "programmes": [p],
            },
        )
        agreement = make_agreement(officer, [org], title=f"PKS {name}")
        doc = services.agreement_add_document(
            actor=officer, agreement=agreement, upload=upload("naskah.pdf", PDF), title="Naskah"
        )
        data[org.pk] = {
            "programme": p,
            "person": person,
            "assistance": a,
            "commitment": x,
            "agreement": agreement,
            "doc": doc,
        }
    return data


def test_partner_a_cannot_see_partner_bs_beneficiaries_notes_commitments_or_agreements(
    two_partners, partner, org_a, org_b
):
    mine, theirs = two_partners[org_a.pk], two_partners[org_b.pk]
    assert mine["person"] in people_visible_to(partner)
    assert theirs["person"] not in people_visible_to(partner)
    assert sees_assistance_notes(partner, mine["programme"])
    assert not sees_assistance_notes(partner, theirs["programme"])
    assert list(organisations_visible_to(partner)) == [org_a]
    assert list(commitments_visible_to(partner)) == [mine["commitment"]]
    assert list(agreements_visible_to(partner)) == [mine["agreement"]]


def test_partner_bs_pages_answer_404_to_partner_a(client, two_partners, partner, org_b):
    theirs = two_partners[org_b.pk]
    client.force_login(partner)
    for url in [
        reverse("partners:organisation_detail", args=[org_b.pk]),
        reverse("partners:organisation_edit", args=[org_b.pk]),
        reverse("partners:commitment_detail", args=[theirs["commitment"].pk]),
        reverse("partners:agreement_detail", args=[theirs["agreement"].pk]),
        reverse("partners:agreement_document_download", args=[theirs["agreement"].pk, theirs["doc"].pk]),
        reverse("registry:person_detail", args=[theirs["person"].pk]),
    ]:
        assert client.get(url).status_code == 404, url


def test_the_partners_own_page_shows_its_programmes_beneficiaries_commitments_and_results(
    client, two_partners, partner, org_a
):
    mine = two_partners[org_a.pk]
    client.force_login(partner)
    assert client.get(reverse("partners:organisation_list")).url == reverse(
        "partners:organisation_detail", args=[org_a.pk]
    )
    html = client.get(reverse("partners:organisation_detail", args=[org_a.pk])).content.decode()
    assert mine["programme"].name in html and "Magang Siti A" in html and "PKS Siti A" in html
    assert "Budi B" not in html and "Catatan rahasia" not in html
    results = organisation_results(org_a, actor=partner)
    assert (results["participants"], results["visible_people"]) == (1, 1)


def test_the_4w_and_gap_pages_show_other_organisations_only_as_aggregates(client, two_partners, partner, org_b):
    client.force_login(partner)
    for name in ("partners:matrix", "partners:gaps"):
        html = client.get(reverse(name)).content.decode()
        assert "Budi B" not in html and "Siti A" not in html and "Catatan rahasia" not in html
    assert "PT Kopi Sumatra Lestari" in client.get(reverse("partners:matrix")).content.decode()


def test_viewers_read_the_aggregates_only(client, two_partners, viewer, org_a):
    mine = two_partners[org_a.pk]
    client.force_login(viewer)
    assert client.get(reverse("partners:home")).status_code == 200
    assert client.get(reverse("partners:matrix")).status_code == 200
    assert client.get(reverse("partners:gaps")).status_code == 200
    assert client.get(reverse("partners:organisation_list")).status_code == 403
    assert client.get(reverse("partners:agreement_list")).status_code == 403
    assert client.get(reverse("partners:organisation_detail", args=[org_a.pk])).status_code == 404
    assert client.get(reverse("partners:commitment_detail", args=[mine["commitment"].pk])).status_code == 404


def test_the_nav_offers_mitra_to_people_seeing_roles_and_viewers(client, officer, partner, facilitator, viewer):
    for user in (officer, partner, facilitator, viewer):
        client.force_login(user)
        assert f'href="{reverse("partners:home")}"' in client.get(reverse("dashboard")).content.decode(), user.role


def test_anonymous_users_go_to_the_login_page(client):
    for name in ("partners:home", "partners:matrix", "partners:gaps", "partners:matrix_xlsx"):
        assert client.get(reverse(name)).status_code == 302
