from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from berdaya.migration import choices as c
from berdaya.migration import services
from berdaya.migration.models import MigrationEpisode
from berdaya.testing import factories
from berdaya.testing.migration import episode

TODAY = dt.date.today()


def test_it_follows_the_lifecycle_from_plan_to_return(officer, migrant):
    ep = services.episode_create(
        actor=officer,
        person=migrant,
        data={"destination": c.Destination.TAIWAN, "channel": c.Channel.P3MI, "placement_company": "PT Maju"},
    )
    assert ep.stage == c.Stage.PLANNED

    services.episode_advance(actor=officer, episode=ep, to_stage=c.Stage.PRE_DEPARTURE)
    services.episode_advance(actor=officer, episode=ep, to_stage=c.Stage.WORKING, date=TODAY - dt.timedelta(days=400))
    services.episode_advance(actor=officer, episode=ep, to_stage=c.Stage.RETURNED, date=TODAY - dt.timedelta(days=3))

    ep.refresh_from_db()
    assert ep.stage == c.Stage.RETURNED
    assert ep.departure_date == TODAY - dt.timedelta(days=400)
    assert ep.return_date == TODAY - dt.timedelta(days=3)
    assert [h.stage for h in ep.history.order_by("history_date")] == ["planned", "pre_departure", "working", "returned"]
    assert ep.history.latest().history_user == officer


def test_it_records_a_non_procedural_departure_with_no_documents(officer, migrant):
    ep = services.episode_create(
        actor=officer,
        person=migrant,
        data={
            "stage": c.Stage.WORKING,
            "destination": c.Destination.MALAYSIA,
            "channel": c.Channel.NON_PROCEDURAL,
            "departure_date": TODAY - dt.timedelta(days=30),
        },
    )
    assert ep.stage == c.Stage.WORKING
    assert len(ep.missing_documents()) == len(c.Document)


def test_it_refuses_a_return_before_departure(officer, migrant):
    ep = episode(migrant, officer, stage=c.Stage.WORKING, departure_date=TODAY - dt.timedelta(days=10))
    with pytest.raises(ValidationError) as exc:
        services.episode_advance(
            actor=officer, episode=ep, to_stage=c.Stage.RETURNED, date=TODAY - dt.timedelta(days=20)
        )
    assert "Tanggal pulang tidak boleh sebelum tanggal berangkat." in exc.value.message_dict["return_date"]
    ep.refresh_from_db()
    assert ep.stage == c.Stage.WORKING and ep.return_date is None


def test_the_database_refuses_a_return_before_departure_too(officer, migrant):
    with pytest.raises(IntegrityError), transaction.atomic():
        episode(
            migrant,
            officer,
            stage=c.Stage.RETURNED,
            departure_date=TODAY - dt.timedelta(days=5),
            return_date=TODAY - dt.timedelta(days=50),
        )


def test_it_refuses_to_move_backwards_or_skip_to_return(officer, migrant):
    ep = episode(migrant, officer)
    with pytest.raises(ValidationError):
        services.episode_advance(actor=officer, episode=ep, to_stage=c.Stage.RETURNED)
    ep = episode(factories.person(name="Lain"), officer, stage=c.Stage.WORKING, departure_date=TODAY)
    with pytest.raises(ValidationError):
        services.episode_advance(actor=officer, episode=ep, to_stage=c.Stage.PLANNED)


def test_it_allows_one_open_episode_per_person(officer, migrant):
    episode(migrant, officer)
    with pytest.raises(ValidationError) as exc:
        services.episode_create(
            actor=officer, person=migrant, data={"destination": c.Destination.JAPAN, "channel": c.Channel.GOVERNMENT}
        )
    assert "sudah punya episode migrasi yang masih berjalan" in " ".join(exc.value.messages)


def test_a_p3mi_placement_names_the_company(officer, migrant):
    with pytest.raises(ValidationError) as exc:
        services.episode_create(
            actor=officer, person=migrant, data={"destination": c.Destination.HONG_KONG, "channel": c.Channel.P3MI}
        )
    assert "placement_company" in exc.value.message_dict


def test_domestic_work_needs_fewer_documents(officer, migrant):
    abroad = episode(migrant, officer, destination=c.Destination.SAUDI_ARABIA, doc_passport=True)
    home = episode(
        factories.person(name="Joko"), officer, destination=c.Destination.RIAU_ISLANDS, doc_work_contract=True
    )
    assert "passport" not in abroad.missing_documents()
    assert "visa" in abroad.missing_documents()
    assert set(home.missing_documents()) == {"health_check", "bpjs", "family_consent"}


def test_a_facilitator_records_episodes_only_in_their_villages(facilitator, migrant):
    outside = factories.person(name="Di Bangko", hh=factories.household(village="15.02.02.2004"))
    data = {"destination": c.Destination.MALAYSIA, "channel": c.Channel.NON_PROCEDURAL}
    assert services.episode_create(actor=facilitator, person=migrant, data=data).pk
    with pytest.raises(PermissionDenied):
        services.episode_create(actor=facilitator, person=outside, data=data)
    assert MigrationEpisode.objects.count() == 1


def test_the_family_contact_is_a_registered_person_or_a_name_and_phone(officer, migrant):
    husband = factories.person(hh=migrant.household, name="Suami", sex="M", relationship="spouse")
    ep = services.episode_create(
        actor=officer,
        person=migrant,
        data={"destination": c.Destination.MALAYSIA, "channel": c.Channel.NON_PROCEDURAL, "family_contact": husband},
    )
    assert ep.family_contact == husband
    with pytest.raises(ValidationError) as exc:
        services.episode_update(
            actor=officer, episode=ep, data={"family_contact": None, "family_contact_phone": "081234567890"}
        )
    assert "family_contact_name" in exc.value.message_dict
