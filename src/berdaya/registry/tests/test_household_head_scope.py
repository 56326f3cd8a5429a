"""Who heads a registered household, as each role may change it (UU 27/2022: a withdrawn consent has effect).

Partner staff do not see a member who withdrew consent to sharing with partners; when she heads her household, the
rule of one head must not tell them of her. They may not change who heads a registered household at all
(access.changes_household_heads): one answer, whoever the members are, on the form, a crafted form and the API.
Officers keep the rule of one head and its message."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from berdaya.api.services import token_create
from berdaya.registry import choices as c
from berdaya.registry import services
from berdaya.registry.models import Person
from berdaya.testing import factories
from berdaya.testing.clients import client_for
from berdaya.testing.consent import hidden_and_headless

pytestmark = pytest.mark.django_db

JANGKAT_1 = "15.02.01.2001"
HAS_HEAD = "Rumah tangga ini sudah punya kepala keluarga."
REFUSED = (
    "Hanya petugas dinas atau pendamping desa yang boleh mengubah kepala keluarga rumah tangga yang sudah terdaftar."
)


@pytest.fixture
def households(officer, partner):
    return hidden_and_headless(officer, partner.organisation_id, JANGKAT_1)


def api_client(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_create(actor=user, user=user, name='t').token}")
    return api


def _refusal(call) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict["relationship"]


def _new_head(name: str) -> dict:
    return factories.member(name=name, relationship=c.Relationship.HEAD, birth_date=dt.date(1990, 7, 1))


def test_partner_staff_adding_a_head_get_one_answer_whether_or_not_a_hidden_member_heads(partner, households):
    answers = {
        key: _refusal(
            lambda key=key: services.person_add(
                actor=partner, household=households[key]["hh"], data=_new_head(f"Baru {key}")
            )
        )
        for key in households
    }
    assert answers["hidden"] == answers["headless"] == [REFUSED]
    assert not Person.objects.filter(full_name__startswith="Baru").exists()


def test_partner_staff_making_a_member_head_get_one_answer_whether_or_not_a_hidden_member_heads(partner, households):
    answers = {
        key: _refusal(
            lambda key=key: services.person_update(
                actor=partner, person=households[key]["child"], data={"relationship": c.Relationship.HEAD}
            )
        )
        for key in households
    }
    assert answers["hidden"] == answers["headless"] == [REFUSED]
    for key in households:
        households[key]["child"].refresh_from_db()
        assert households[key]["child"].relationship == c.Relationship.CHILD


def test_partner_staff_keep_the_head_they_see_and_edit_her_other_fields(partner, officer):
    hh = factories.household(village=JANGKAT_1, registered_by_organisation=partner.organisation)
    head = factories.person(hh=hh, name="Kepala Terlihat")
    # Making her another member would leave the household for them to head: the same refusal.
    assert _refusal(
        lambda: services.person_update(actor=partner, person=head, data={"relationship": c.Relationship.SPOUSE})
    ) == [REFUSED]
    services.person_update(
        actor=partner, person=head, data={"relationship": c.Relationship.HEAD, "occupation": c.Occupation.FARMER}
    )
    head.refresh_from_db()
    assert (head.relationship, head.occupation) == (c.Relationship.HEAD, c.Occupation.FARMER)
    # And they still register a new household with its head.
    new = services.household_register(
        actor=partner,
        household={"village_id": JANGKAT_1, "land_operated_ha": 0, "land_tenure": c.LandTenure.NONE},
        members=[_new_head("Kepala Rumah Baru")],
    )
    assert new.members.get().relationship == c.Relationship.HEAD


def test_officers_keep_the_rule_of_one_head_and_its_message(officer, households):
    hidden, headless = households["hidden"], households["headless"]
    assert _refusal(
        lambda: services.person_add(actor=officer, household=hidden["hh"], data=_new_head("Kepala Kedua"))
    ) == [HAS_HEAD]
    assert _refusal(
        lambda: services.person_update(actor=officer, person=hidden["child"], data={"relationship": "head"})
    ) == [HAS_HEAD]
    services.person_update(actor=officer, person=headless["child"], data={"relationship": c.Relationship.HEAD})
    headless["child"].refresh_from_db()
    assert headless["child"].relationship == c.Relationship.HEAD


def test_a_head_who_died_is_edited_after_another_member_heads(officer, households):
    # The rule is one active head: the word "head" a deceased head keeps does not stand in the way of her record.
    headless = households["headless"]
    services.person_update(actor=officer, person=headless["child"], data={"relationship": c.Relationship.HEAD})
    services.person_update(actor=officer, person=headless["head"], data={"birth_place": "Bangko"})
    headless["head"].refresh_from_db()
    assert headless["head"].birth_place == "Bangko"


def _post_member(user, household, **fields) -> str:
    data = {**factories.member(name="Anggota Formulir", birth_date=dt.date(1995, 2, 2)), **fields}
    data["birth_date"] = data["birth_date"].isoformat()
    url = reverse("registry:household_add_member", args=[household.pk])
    return client_for(user).post(url, data).content.decode()


def test_the_add_member_form_offers_partner_staff_no_head_and_refuses_a_crafted_one_alike(partner, households):
    url = reverse("registry:household_add_member", args=[households["hidden"]["hh"].pk])
    page = client_for(partner).get(url).content.decode()
    assert 'value="spouse"' in page and 'value="head"' not in page
    pages = {key: _post_member(partner, households[key]["hh"], relationship="head") for key in households}
    for page in pages.values():
        assert REFUSED in page and HAS_HEAD not in page
    assert not Person.objects.filter(full_name="Anggota Formulir").exists()


def test_the_person_form_shows_partner_staff_the_head_read_only(partner, officer):
    hh = factories.household(village=JANGKAT_1, registered_by_organisation=partner.organisation)
    head = factories.person(hh=hh, name="Kepala Terlihat")
    child = factories.person(hh=hh, name="Anak Terlihat", relationship=c.Relationship.CHILD)
    head_page = client_for(partner).get(reverse("registry:person_edit", args=[head.pk])).content.decode()
    assert 'name="relationship"' in head_page and "disabled" in head_page.split('name="relationship"')[1][:200]
    child_page = client_for(partner).get(reverse("registry:person_edit", args=[child.pk])).content.decode()
    assert 'value="head"' not in child_page
    # An officer's form offers every relationship.
    officer_page = client_for(officer).get(reverse("registry:person_edit", args=[child.pk])).content.decode()
    assert 'value="head"' in officer_page


def test_the_api_answers_partner_staff_alike_whether_or_not_a_hidden_member_heads(partner, officer, households):
    answers = {}
    for key in households:
        child = households[key]["child"]
        response = api_client(partner).patch(f"/api/v1/people/{child.pk}/", {"relationship": "head"}, format="json")
        assert response.status_code == 400, response.content
        answers[key] = [(row["field"], row["message"]) for row in response.json()["errors"]]
    assert answers["hidden"] == answers["headless"] == [("relationship", REFUSED)]
    child = households["hidden"]["child"]
    response = api_client(officer).patch(f"/api/v1/people/{child.pk}/", {"relationship": "head"}, format="json")
    assert response.status_code == 400
    assert [row["message"] for row in response.json()["errors"]] == [HAS_HEAD]
