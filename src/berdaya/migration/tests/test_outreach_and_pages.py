from __future__ import annotations

import datetime as dt

from django.urls import reverse

from berdaya.migration import choices as c
from berdaya.migration.models import MigrationEpisode
from berdaya.migration.selectors import outreach_by_village, outreach_people
from berdaya.testing import factories
from berdaya.testing.clients import client_for
from berdaya.testing.migration import episode

TODAY = dt.date.today()


def test_outreach_lists_what_each_planner_still_lacks_per_village(
    officer, facilitator, migrant, django_assert_num_queries
):
    episode(
        migrant, officer, stage=c.Stage.PRE_DEPARTURE, channel=c.Channel.P3MI, placement_company="PT", doc_passport=True
    )
    episode(factories.person(name="Ke Batam"), officer, destination=c.Destination.RIAU_ISLANDS, doc_work_contract=True)
    episode(factories.person(name="Sudah pergi"), officer, stage=c.Stage.WORKING, departure_date=TODAY)
    bangko = factories.person(name="Di Bangko", hh=factories.household(village="15.02.02.2004"))
    episode(bangko, officer)

    with django_assert_num_queries(1):
        rows = {r["person__household__village"]: r for r in outreach_by_village(actor=officer)[0]}
    jangkat = rows["15.02.01.2001"]
    assert (jangkat["planning"], jangkat["incomplete"]) == (2, 2)
    assert jangkat["missing_passport"] == 0 and jangkat["missing_visa"] == 1 and jangkat["missing_bpjs"] == 2
    assert rows["15.02.02.2004"]["planning"] == 1

    people = {ep.person.full_name: ep.missing_count for ep in outreach_people(actor=officer, village="15.02.01.2001")}
    assert people == {"Rina Marlina": 7, "Ke Batam": 3}

    # A facilitator sees their own village only.
    assert [r["person__household__village"] for r in outreach_by_village(actor=facilitator)[0]] == ["15.02.01.2001"]
    body = client_for(facilitator).get(reverse("migration:outreach"), {"desa": "15.02.01.2001"}).content.decode()
    assert "Rina Marlina" in body and "Di Bangko" not in body and "Visa kerja" in body


def test_the_pages_render(officer, worker, migrant):
    ep = episode(
        migrant, officer, stage=c.Stage.RETURNED, departure_date=TODAY - dt.timedelta(days=400), return_date=TODAY
    )
    client = client_for(officer)
    for url in [
        reverse("migration:home"),
        reverse("migration:outreach"),
        reverse("migration:episode_detail", args=[ep.pk]),
        reverse("migration:episode_edit", args=[ep.pk]),
        reverse("migration:episode_create", args=[factories.person(name="Baru").pk]),
        reverse("migration:case_intake", args=[migrant.pk]),
        reverse("migration:notifications"),
        reverse("registry:person_detail", args=[migrant.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "style=" not in response.content.decode(), url
    assert "Reintegrasi" in client.get(reverse("migration:episode_detail", args=[ep.pk])).content.decode()
    assert client_for(worker).get(reverse("migration:case_list")).status_code == 200


def test_an_episode_is_created_from_the_form(officer, migrant):
    response = client_for(officer).post(
        reverse("migration:episode_create", args=[migrant.pk]),
        {"stage": "working", "destination": "MY", "channel": "non_procedural", "departure_date": "2020-01-01"},
    )
    assert response.status_code == 302
    assert MigrationEpisode.objects.get().stage == "working"


def test_outreach_counts_of_the_regency_come_from_the_snapshot_and_a_scope_counts_its_own(
    officer, facilitator, migrant, settings
):
    from berdaya.core import snapshots

    settings.BERDAYA_AGGREGATE_MAX_AGE = 3600
    episode(migrant, officer)
    bangko = factories.person(name="Di Bangko", hh=factories.household(village="15.02.02.2004"))
    episode(bangko, officer)
    snapshots.refresh_all()  # the scheduled job

    # given: one more planner registered after the refresh
    episode(factories.person(name="Baru", hh=factories.household(village="15.02.02.2004")), officer)

    # then: officers read the stored counts (as of the refresh, which the page states)
    rows, as_of = outreach_by_village(actor=officer)
    assert {r["person__household__village"]: r["planning"] for r in rows} == {"15.02.01.2001": 1, "15.02.02.2004": 1}
    assert as_of is not None
    assert "Data per" in client_for(officer).get(reverse("migration:outreach")).content.decode()
    # and a facilitator counts their own village live, never the regency's stored rows
    rows, as_of = outreach_by_village(actor=facilitator)
    assert [r["person__household__village"] for r in rows] == ["15.02.01.2001"] and as_of is None
    body = client_for(facilitator).get(reverse("migration:outreach")).content.decode()
    assert "Data per" not in body and "Bangko" not in body
    # The next refresh counts the new planner.
    snapshots.refresh_all()
    rows, _as_of = outreach_by_village(actor=officer)
    assert {r["person__household__village"]: r["planning"] for r in rows}["15.02.02.2004"] == 2
