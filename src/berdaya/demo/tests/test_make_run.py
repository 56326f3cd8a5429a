"""`make run` reads well: every demo login is printed last, migrations are quiet, the README says how to change
the port and keeps exactly two set-up commands."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from berdaya.areas.services import areas_load
from berdaya.demo.migration import CASE_WORKERS, case_workers_ensure
from berdaya.demo.registry import DEMO_LOGINS
from berdaya.farming.models import Plot
from berdaya.grievances.models import Grievance
from berdaya.markets.models import PriceObservation
from berdaya.migration.models import MigrationEpisode
from berdaya.partners.models import Agreement
from berdaya.privacy.models import DataRequest
from berdaya.programmes.models import Programme
from berdaya.registry.models import Household
from berdaya.targeting.models import RuleSet
from berdaya.testing.worlds import built_once

ROOT = Path(settings.BASE_DIR).parent.parent

# Every test in its own transaction, inside the module's demo world (berdaya.testing.worlds).
pytestmark = pytest.mark.django_db


def _target(name: str) -> list[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    block = re.search(rf"^{name}:.*\n((?:\t.*\n)+)", text, re.MULTILINE)
    assert block, name
    return [line.strip() for line in block.group(1).splitlines()]


@pytest.fixture(scope="module")
def demo_logins_exist(django_db_setup, django_db_blocker, tmp_path_factory):
    # Built once for the module's tests that read it; each test's writes roll back (berdaya.testing.worlds).
    with built_once(django_db_blocker):
        areas_load(regency_codes=["15.02"])
        truth = tmp_path_factory.mktemp("demo") / "t.csv"
        call_command("demo", "--households", "20", "--people-only", "--ground-truth", str(truth), stdout=io.StringIO())
        case_workers_ensure()
        yield


def test_demo_logins_lists_every_login_with_what_the_role_sees(demo_logins_exist):
    out = io.StringIO()
    call_command("demo_logins", url="http://127.0.0.1:8001", stdout=out)
    lines = out.getvalue().splitlines()

    expected = [(login.username, login.password) for login in DEMO_LOGINS] + [(u, p) for u, p, *_ in CASE_WORKERS]
    for username, password in expected:
        row = next((line for line in lines if line.startswith(username + " ")), None)
        assert row is not None, username
        assert password in row
        # the last column says what the role sees, in words
        assert len(row.split(password, 1)[1].strip()) > 10, row
    assert lines[-1].startswith("Berdaya berjalan di http://127.0.0.1:8001")


def test_the_demo_command_can_leave_the_logins_to_the_end(demo_logins_exist):
    # given a demo database with people and logins only (one made before the other domains existed)
    def counts() -> dict[str, int]:
        models = [Household, Programme, Agreement, MigrationEpisode, PriceObservation, Plot, RuleSet, Grievance]
        models += [DataRequest]
        return {model.__name__: model.objects.count() for model in models}

    before = counts()
    # when `make run` builds the demo
    out = io.StringIO()
    call_command("demo", "--households", "5", "--if-empty", "--no-logins", stdout=out)
    # then the logins are left to the end (`berdaya serve --demo-logins`)
    assert "Berdaya-Admin-2026" not in out.getvalue()
    # and the people are left as they are, while every other domain is filled (targeting, the last step, too)
    after = counts()
    assert after["Household"] == before["Household"]
    assert all(after[name] > 0 for name in after), after
    assert "penduduk demo tidak dibuat" in out.getvalue()
    # and the next `make run` adds nothing
    call_command("demo", "--households", "5", "--if-empty", "--no-logins", stdout=io.StringIO())
    assert counts() == after


def test_make_run_prints_the_logins_last_and_migrates_quietly():
    run = _target("run")
    assert run[-1].lstrip("@").startswith("$(BIN)/berdaya serve") and "--demo-logins" in run[-1]
    assert "$(PORT)" in run[-1]
    migrate = next(line for line in _target("migrate") if "berdaya migrate" in line)
    assert "-v 0" in migrate
    assert any("--no-logins" in line for line in _target("demo"))


def test_the_readme_says_how_to_change_the_port_and_keeps_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run PORT=8001" in readme
    start = readme.split("## Start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", start, re.DOTALL).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.split("#")[0].strip()]
    assert commands == ["make run", "make test"]


def test_the_demo_case_workers_have_names_of_their_own(demo_logins_exist):
    from berdaya.accounts.models import User

    names = [User.objects.get(username=u).get_full_name() for u, *_ in CASE_WORKERS]
    assert len(set(names)) == len(names) and "Pengelola kasus" not in names


def test_the_partner_login_line_says_what_the_partner_sees(demo_logins_exist):
    from berdaya.accounts.models import User
    from berdaya.registry.access import households_visible_to
    from berdaya.registry.models import Person
    from berdaya.testing import programmes as h

    # given: a person from outside the partner's registrations joins one of its programmes
    partner = User.objects.get(username="mitra")
    officer = User.objects.get(username="dinas") if User.objects.filter(username="dinas").exists() else None
    officer = officer or User.objects.filter(role=User.Role.OFFICER).first()
    programme = h.programme(officer, organiser=partner.organisation, name="Program Mitra", capacity=30)
    outsider = Person.objects.exclude(household__registered_by_organisation=partner.organisation).first()
    h.enrol(officer, programme, outsider)
    out = io.StringIO()
    call_command("demo_logins", url="http://127.0.0.1:8001", stdout=out)
    row = next(line for line in out.getvalue().splitlines() if line.startswith("mitra "))
    # then: the count is the partner's whole scope, and the words say it includes programme participants
    assert f"{households_visible_to(partner).count()} rumah tangga" in row
    assert "ikut program" in row
