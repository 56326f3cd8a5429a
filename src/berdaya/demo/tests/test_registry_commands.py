"""`berdaya demo`, the command: it stores what the seed builds, prints a summary and the demo logins, writes nothing
over existing households with --if-empty, asks for the areas first and refuses the production profile."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command

from berdaya.accounts.models import User
from berdaya.areas.services import areas_load
from berdaya.demo import registry as demo
from berdaya.registry.access import households_visible_to
from berdaya.registry.models import Household, Person
from berdaya.testing import factories
from berdaya.testing.worlds import built_once

pytestmark = pytest.mark.django_db

HOUSEHOLDS = 150
SEED = 7


@pytest.fixture(scope="module")
def merangin(django_db_setup, django_db_blocker):
    # Merangin's areas, loaded once for the module; every test starts from them with no people.
    with built_once(django_db_blocker):
        areas_load(regency_codes=["15.02"])
        yield


@pytest.fixture
def truth_path(tmp_path) -> Path:
    return tmp_path / "truth.csv"


def _snapshot() -> list[tuple]:
    return list(
        Person.objects.order_by("id").values_list("full_name", "nik", "birth_date", "sex", "household__kk_number")
    )


def test_it_stores_exactly_what_the_seed_builds(merangin, truth_path):
    # given what the seed builds in memory on an empty database
    expected = [
        (p.full_name, p.nik, p.birth_date, p.sex, p.household.kk_number)
        for p in demo.demo_build(households=HOUSEHOLDS, seed=SEED).people
    ]

    # when the command path generates and stores it
    demo.demo_generate(households=HOUSEHOLDS, seed=SEED, ground_truth=truth_path)

    # then the database holds the same people, in the same order
    assert _snapshot() == expected


def test_the_command_prints_a_summary_and_the_demo_logins(merangin, truth_path):
    out = io.StringIO()
    # (the people only: the partner's share below is the one the people step gives it, before any programme)
    call_command(
        "demo", "--households", "60", "--seed", "3", "--ground-truth", str(truth_path), "--people-only", stdout=out
    )
    text = out.getvalue()

    assert re.search(r"Data demo dibuat dalam [\d,]+ detik: 60 rumah tangga", text)
    assert truth_path.exists()
    for login in demo.DEMO_LOGINS:
        assert login.username in text and login.password in text
        user = User.objects.get(username=login.username)
        assert user.role == login.role
        assert user.check_password(login.password)
        validate_password(login.password, user)
    assert User.objects.get(username="admin").is_superuser
    facilitator = User.objects.get(username="pendamping")
    villages = list(facilitator.villages.all())
    assert 3 <= len(villages) <= 4
    assert len({v.district_id for v in villages}) == 1
    assert households_visible_to(facilitator).exists()
    partner = User.objects.get(username="mitra")
    assert partner.organisation.name == demo.PARTNER_NGO
    assert households_visible_to(partner).count() == round(demo.PARTNER_SHARE * 60)


def test_it_does_nothing_with_if_empty_when_households_exist(merangin, truth_path):
    # given a database with one household
    factories.person()
    out = io.StringIO()

    # when
    call_command("demo", "--households", "50", "--if-empty", "--ground-truth", str(truth_path), stdout=out)

    # then nothing is written
    assert Household.objects.count() == 1
    assert Person.objects.count() == 1
    assert not User.objects.filter(username__in=[u.username for u in demo.DEMO_LOGINS]).exists()
    assert not truth_path.exists()
    assert "tidak dibuat" in out.getvalue()


def test_it_asks_for_the_areas_first(merangin, truth_path, settings):
    # (the module loads Merangin's areas: a deployment for Kerinci has none of its own yet)
    settings.BERDAYA = {**settings.BERDAYA, "DEFAULT_REGENCY": "15.01"}
    with pytest.raises(CommandError, match="areas load"):
        call_command("demo", "--households", "10", "--ground-truth", str(truth_path), stdout=io.StringIO())


def test_it_refuses_to_run_in_production(merangin, truth_path, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("demo", "--households", "10", "--ground-truth", str(truth_path), stdout=io.StringIO())


@pytest.mark.parametrize(
    "command",
    [
        "demo_programmes",
        "demo_partners",
        "demo_migration",
        "demo_markets",
        "demo_farming",
        "demo_targeting",
        "demo_musdes",
        "demo_grievances",
        "demo_privacy",
        "demo_outcomes",
        "demo_logins",
    ],
)
def test_every_demo_command_refuses_the_production_profile(merangin, settings, command):
    # given a production database with people and an officer, which a demo step would otherwise build on
    factories.person()
    factories.user("officer")
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command(command, stdout=io.StringIO())
    assert not User.objects.filter(username__in=[u.username for u in demo.DEMO_LOGINS]).exists()
