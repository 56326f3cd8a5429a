"""Adding a person to a candidate list: found by name or full NIK within the user's scope, never by a database id
(issue #15, item 7)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from berdaya.targeting.models import Candidate
from berdaya.testing import factories as f
from berdaya.testing.clients import client_for

from .test_runs import _people, _run


def test_the_list_page_offers_a_search_not_an_id_box(officer):
    _people(12)
    run = _run(officer, capacity=3)
    html = client_for(officer).get(reverse("targeting:run_detail", args=[run.pk])).content.decode()
    assert "Nomor penduduk (id)" not in html
    assert 'name="person" type="number"' not in html and 'type="number" name="person"' not in html
    assert reverse("targeting:candidate_search", args=[run.pk]) in html


def test_it_finds_by_name_or_the_whole_nik_and_adds_the_one_picked(officer):
    people = _people(12)
    run = _run(officer, capacity=3)
    outsider = f.person(
        hh=f.household(village="15.02.02.1010"), name="Maimunah Binti Yusuf", birth_date=dt.date(1961, 3, 8), sex="F"
    )
    client = client_for(officer)
    url = reverse("targeting:candidate_search", args=[run.pk])

    by_name = client.get(url, {"q": "maimunah yusuf"}).content.decode()
    assert "Maimunah Binti Yusuf" in by_name and f'value="{outsider.pk}"' in by_name
    by_nik = client.get(url, {"q": outsider.nik}).content.decode()
    assert "Maimunah Binti Yusuf" in by_nik
    # Part of a NIK finds nobody: a prefix would list strangers whose numbers begin alike.
    assert "Maimunah" not in client.get(url, {"q": outsider.nik[:12]}).content.decode()
    # Someone already on the list is shown but cannot be picked again.
    on_list = Candidate.objects.filter(run=run).select_related("person").first().person
    again = client.get(url, {"q": on_list.full_name}).content.decode()
    assert "sudah ada di daftar" in again

    response = client.post(
        reverse("targeting:candidate_add", args=[run.pk]), {"person": outsider.pk, "reason": "Keberatan warga"}
    )
    assert response.status_code == 302
    assert Candidate.objects.filter(run=run, person=outsider).exists()
    assert people


def test_the_search_keeps_to_the_users_scope(officer, facilitator):
    # A facilitator may not open targeting at all; a partner neither: the search answers 403 like the page.
    _people(4)
    run = _run(officer, capacity=2)
    assert (
        client_for(facilitator).get(reverse("targeting:candidate_search", args=[run.pk]), {"q": "Petani"}).status_code
        == 403
    )


def test_approving_a_list_asks_first_with_the_number_of_people(officer):
    _people(20)
    run = _run(officer, capacity=4)
    client = client_for(officer)
    url = reverse("targeting:run_approve", args=[run.pk])

    page = client.post(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ya, setujui 4 orang" in html and "tidak dapat dibatalkan" in html
    run.refresh_from_db()
    assert run.status == "succeeded"

    client.post(url, {"confirmed": "yes"})
    run.refresh_from_db()
    assert run.status == "approved"
