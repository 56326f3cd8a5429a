"""A NIK typed in groups (spaces, dots, dashes) is the NIK: in search and on the edit form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from berdaya.registry.identity import normalise_identity
from berdaya.testing import factories as f
from berdaya.testing.clients import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["{a} {b} {c} {d}", "{a}.{b}.{c}.{d}", "{a}-{b}-{c}-{d}", " '{a}\u00a0{b}{c}{d} "])
def test_search_reads_a_nik_typed_in_groups(officer, typed):
    person = f.person(name="Yang Dicari")
    f.person(name="Orang Lain")
    nik = person.nik
    query = typed.format(a=nik[:4], b=nik[4:8], c=nik[8:12], d=nik[12:])
    page = client_for(officer).get(reverse("registry:person_list"), {"q": query}).content.decode()
    assert "Yang Dicari" in page
    assert "Orang Lain" not in page


def test_normalise_identity_drops_dots_and_dashes_between_groups():
    assert normalise_identity("1502.0114.0385.0002") == "1502011403850002"
    assert normalise_identity("1502-0114-0385-0002") == "1502011403850002"
    # Anything else is left for the checks to name.
    assert normalise_identity("1502/0114") == "1502/0114"


def test_the_edit_form_accepts_a_nik_with_spaces_and_stores_the_number(officer):
    person = f.person(name="Dewi", with_nik=False)
    nik = f.nik(birth_date=person.birth_date, sex=person.sex)
    data = {
        "full_name": "Dewi",
        "nik": f"{nik[:4]} {nik[4:8]} {nik[8:12]} {nik[12:]}",
        "nik_missing_reason": "",
        "sex": person.sex,
        "birth_date": person.birth_date.isoformat(),
        "relationship": person.relationship,
        "phone": "0812 3456 7890",
    }
    response = client_for(officer).post(reverse("registry:person_edit", args=[person.pk]), data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    person.refresh_from_db()
    assert person.nik == nik
    assert person.phone == "+6281234567890"
    assert person.birth_date == dt.date(1985, 3, 14)


def test_a_role_that_sees_numbers_masked_cannot_spell_one_out_by_prefix(officer):
    """A search by the start of a NIK or KK would reveal a masked number one digit at a time (a search per digit,
    watching whether the person is still listed): for partner staff, who see them masked, only the whole number
    finds anyone. (Regency staff, facilitators included, see the numbers.)"""
    org = f.organisation()
    hh = f.household(kk_number=f.kk_number(), registered_by_organisation=org)
    person = f.person(hh=hh, name="Siti Prefiks")
    client = client_for(f.user("partner", org=org))
    url = reverse("registry:person_list")
    assert "Siti Prefiks" in client.get(url, {"q": person.nik}).content.decode()  # the whole number: found
    for prefix in (person.nik[:12], hh.kk_number[:10], person.nik[:6]):
        assert "Siti Prefiks" not in client.get(url, {"q": prefix}).content.decode(), prefix
    # The officer, who sees the numbers, still finds by a prefix.
    assert "Siti Prefiks" in client_for(officer).get(url, {"q": person.nik[:12]}).content.decode()
