from __future__ import annotations

import pytest
from django.urls import reverse

from berdaya.inclusion.selectors import disaggregate_by_disability
from berdaya.registry.models import Person
from berdaya.testing import factories


@pytest.fixture
def population(areas):
    factories.person(name="A", wgss_seeing=3, wgss_walking=4)
    factories.person(name="B", wgss_hearing=4)
    factories.person(name="C", wgss_seeing=2, wgss_walking=1)
    factories.person(name="D")
    factories.person(name="E", wgss_remembering=3, hh=factories.household(village="15.02.02.2004"))


def test_it_splits_any_person_queryset_by_disability_and_domain(population, django_assert_num_queries):
    with django_assert_num_queries(1):
        totals = disaggregate_by_disability(Person.objects.all())
    assert totals["total"] == 5
    assert (totals["disability_yes"], totals["disability_no"], totals["disability_unknown"]) == (3, 1, 1)
    assert totals["domain_seeing"] == 1 and totals["domain_walking"] == 1 and totals["domain_hearing"] == 1
    assert totals["domain_remembering"] == 1 and totals["domain_selfcare"] == 0


def test_it_groups_by_any_field(population):
    rows = disaggregate_by_disability(Person.objects.filter(sex="F"), by="household__village__district")
    assert [(r["household__village__district"], r["disability_yes"]) for r in rows] == [
        ("15.02.01", 2),
        ("15.02.02", 1),
    ]


def test_the_inclusion_page_is_scoped(population, facilitator, client):
    client.force_login(facilitator)
    body = client.get(reverse("inclusion:home")).content.decode()
    assert "Jangkat" in body and ">A<" in body and ">B<" in body
    assert ">E<" not in body  # lives in Bangko, outside the facilitator's village
    assert '<th scope="row">Bangko</th>' not in body


def test_a_viewer_sees_counts_but_no_names(population, viewer, client):
    client.force_login(viewer)
    body = client.get(reverse("inclusion:home")).content.decode()
    assert "Bangko" in body and ">A<" not in body


def test_an_officer_lists_the_people_of_one_district_at_a_time(population, officer, client):
    client.force_login(officer)
    # given: people with a disability in two districts
    body = client.get(reverse("inclusion:home")).content.decode()
    # then: the page gives their count and asks for a district instead of sorting the whole regency
    assert 'id="choose-district"' in body and "3 penyandang disabilitas" in body
    assert ">A<" not in body and ">E<" not in body
    assert 'href="?kecamatan=15.02.01"' in body and 'href="?kecamatan=15.02.02"' in body
    # when: a district is chosen, its people are listed, and the other district's are not
    jangkat = client.get(reverse("inclusion:home"), {"kecamatan": "15.02.01"}).content.decode()
    assert ">A<" in jangkat and ">B<" in jangkat and ">E<" not in jangkat and 'id="choose-district"' not in jangkat
    bangko = client.get(reverse("inclusion:home"), {"kecamatan": "15.02.02"}).content.decode()
    assert ">E<" in bangko and ">A<" not in bangko


def test_a_scope_within_one_district_is_listed_at_once(population, facilitator, client):
    other = factories.user("facilitator", villages=["15.02.02.2004"])
    client.force_login(other)
    body = client.get(reverse("inclusion:home")).content.decode()
    assert ">E<" in body and ">A<" not in body and 'id="choose-district"' not in body
    # Choosing a district outside the scope lists nobody from it.
    body = client.get(reverse("inclusion:home"), {"kecamatan": "15.02.01"}).content.decode()
    assert ">A<" not in body and ">B<" not in body


def test_the_cached_district_table_is_the_readers_own(population, officer, viewer, facilitator, client, settings):
    from django.core.cache import cache

    settings.BERDAYA_AGGREGATE_MAX_AGE = 3600
    cache.clear()
    try:
        # given: an officer's exact table (from the snapshot), rendered and cached
        client.force_login(officer)
        body = client.get(reverse("inclusion:home")).content.decode()
        assert "Data per" in body and "&lt;5" not in body and '<th scope="row">Bangko</th>' in body
        # then: a viewer reads the suppressed table, a facilitator their own district's, computed live
        client.force_login(viewer)
        assert "&lt;5" in client.get(reverse("inclusion:home")).content.decode()
        client.force_login(facilitator)
        body = client.get(reverse("inclusion:home")).content.decode()
        assert '<th scope="row">Bangko</th>' not in body and "Data per" not in body
    finally:
        cache.clear()
