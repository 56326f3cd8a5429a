"""Rows that resemble registered people are held for review, not written; the officer releases a row (a new person)
or links it (the registered person), and the household is then written through the same pipeline. Nothing is lost;
a match outside the importer's scope names nobody."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from berdaya.imports.models import ImportRun
from berdaya.imports.services import LINK, RELEASE, held_decide, import_execute, import_run_create
from berdaya.registry.models import Household, Person
from berdaya.testing import factories as f
from berdaya.testing.clients import client_for

from .helpers import household, person_row, write_csv

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
BIRTH = dt.date(1985, 3, 14)  # helpers.person_row's head


def _registered(village: str = "15.02.01.2001", **fields) -> Person:
    """Registered earlier without NIK: the file's head (same name, birth date, village) with a NIK resembles them."""
    return f.person(
        hh=f.household(village=village), name="AHMAD SAPUTRA.", sex="M", birth_date=BIRTH, with_nik=False, **fields
    )


def _import(actor, tmp_path, rows) -> ImportRun:
    path = write_csv(tmp_path / "a.csv", rows)
    run = import_run_create(actor=actor, uploaded=SimpleUploadedFile("a.csv", path.read_bytes()))
    import_execute(run=run, dry_run=False, mode="valid-only")
    run.refresh_from_db()
    return run


@pytest.fixture
def files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = IMMEDIATE


@pytest.fixture(autouse=True)
def only_exact(monkeypatch):
    """The exact rules alone: the deduplication engine's scoring is tested end to end in dedup/tests/test_intake.py."""
    from berdaya.registry import matching

    monkeypatch.setattr(matching, "_providers", {"exact": matching.exact_provider})
    monkeypatch.setattr(matching, "_batch_providers", {"exact": matching.exact_batch_provider})


class TestHold:
    def test_it_holds_the_household_of_a_likely_duplicate_and_writes_the_rest(self, officer, tmp_path, files):
        existing = _registered()
        rows = household("A", 10, 2) + household("B", 20, 1, kk_number="1502011201150004")
        rows[2]["full_name"] = "Orang Lain"
        run = _import(officer, tmp_path, rows)
        assert run.status == ImportRun.Status.IMPORTED
        assert (run.result["new"], run.result["held_rows"]) == (1, 2)
        [held] = run.result["held"]
        assert held["row"] == 2 and held["household_rows"] == [2, 3]
        assert held["candidates"] == [
            {"id": existing.pk, "reasons": "nama, tanggal lahir dan desa/kelurahan sama", "score": None}
        ]
        assert Person.objects.filter(full_name="Ahmad Saputra").count() == 0
        assert Person.objects.filter(full_name="Orang Lain").exists()

    def test_the_dry_run_shows_what_will_be_held(self, officer, tmp_path, files):
        _registered()
        path = write_csv(tmp_path / "a.csv", household("A", 10, 1))
        run = import_run_create(actor=officer, uploaded=SimpleUploadedFile("a.csv", path.read_bytes()))
        import_execute(run=run, dry_run=True, mode="valid-only")
        run.refresh_from_db()
        assert run.preview["held_rows"] == 1
        page = client_for(officer).get(reverse("imports:preview", args=[run.pk])).content.decode()
        assert "Ditahan: kemungkinan duplikat" in page

    def test_release_writes_the_household_as_new(self, officer, tmp_path, files, django_capture_on_commit_callbacks):
        existing = _registered()
        run = _import(officer, tmp_path, household("A", 10, 2))
        assert Household.objects.count() == 1
        with django_capture_on_commit_callbacks(execute=True):
            job = held_decide(actor=officer, run=run, row=2, action=RELEASE)
        assert job is not None
        run.refresh_from_db()
        assert Person.objects.filter(full_name="Ahmad Saputra").count() == 1
        assert Person.objects.filter(full_name="Anggota 1").count() == 1
        assert Person.objects.get(pk=existing.pk).full_name == "AHMAD SAPUTRA."
        assert run.result["held"][0]["written"] and run.result["held_rows"] == 0
        assert run.result["new"] == 2

    def test_link_updates_the_registered_person(self, officer, tmp_path, files, django_capture_on_commit_callbacks):
        existing = _registered()
        rows = household("A", 10, 1)
        run = _import(officer, tmp_path, rows)
        with django_capture_on_commit_callbacks(execute=True):
            held_decide(actor=officer, run=run, row=2, action=LINK, person_id=existing.pk)
        existing.refresh_from_db()
        assert Person.objects.count() == 1
        assert existing.nik == rows[0]["nik"] and existing.full_name == "Ahmad Saputra"
        run.refresh_from_db()
        assert run.result["held"][0]["written"] and run.result["updated"] == 1

    def test_the_page_lists_held_rows_and_takes_the_decision(
        self, officer, tmp_path, files, django_capture_on_commit_callbacks
    ):
        existing = _registered()
        run = _import(officer, tmp_path, household("A", 10, 1))
        client = client_for(officer)
        page = client.get(reverse("imports:detail", args=[run.pk])).content.decode()
        assert "Ditahan: kemungkinan duplikat" in page
        assert reverse("registry:person_detail", args=[existing.pk]) in page
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("imports:held_row", args=[run.pk, 2]), {"action": "release"})
        assert response.status_code == 302
        assert Person.objects.count() == 2

    def test_it_refuses_a_link_to_someone_not_proposed(self, officer, tmp_path, files):
        _registered()
        run = _import(officer, tmp_path, household("A", 10, 1))
        stranger = f.person(name="Orang Asing")
        client = client_for(officer)
        client.post(reverse("imports:held_row", args=[run.pk, 2]), {"action": "link", "person": str(stranger.pk)})
        run.refresh_from_db()
        assert run.decisions == {} and Person.objects.count() == 2


class TestScope:
    def test_a_partner_learns_nothing_of_a_match_outside_their_organisation(self, partner, tmp_path, files):
        # Registered by another organisation: outside the partner's scope.
        existing = _registered(village="15.02.01.2001")
        Household.objects.filter(pk=existing.household_id).update(registered_by_organisation=f.organisation("Lain"))
        run = _import(partner, tmp_path, [person_row(hh_key="A", _serial=10, kk_number="")])
        assert run.result["held_rows"] == 1
        page = client_for(partner).get(reverse("imports:detail", args=[run.pk])).content.decode()
        section = page[page.index('id="held-rows"') :]
        assert "di luar wilayah atau organisasi Anda (1 data)" in section
        assert reverse("registry:person_detail", args=[existing.pk]) not in section
        assert "AHMAD SAPUTRA." not in section
        with pytest.raises(PermissionDenied):
            held_decide(actor=partner, run=run, row=2, action=LINK, person_id=existing.pk)

    def test_a_facilitator_of_another_village_learns_nothing(self, areas, tmp_path, files):
        facilitator = f.user("facilitator", villages=["15.02.01.2001"])
        existing = _registered(village="15.02.01.2001")
        other = f.user("facilitator", villages=["15.02.01.2002"])
        # The match is in the first facilitator's village: the second one imports there? No: they import in theirs,
        # and a provider proposes the person of the other village (as the dedup engine would).
        from berdaya.registry import matching

        def provider(*, duck, records, into):
            duck.execute(f"INSERT INTO {into} SELECT row_no, {existing.pk}, 'nama mirip', 0.9 FROM {records}")  # noqa: S608

        matching.register_batch_provider("test", provider)
        row = person_row(hh_key="A", _serial=10, kk_number="", village_id="15.02.01.2002")
        run = _import(other, tmp_path, [row])
        assert run.result["held"][0]["candidates"][0]["id"] == existing.pk
        page = client_for(other).get(reverse("imports:detail", args=[run.pk])).content.decode()
        section = page[page.index('id="held-rows"') :]
        assert "di luar wilayah atau organisasi Anda (1 data)" in section
        assert "AHMAD SAPUTRA." not in section and "nama mirip" not in section
        assert facilitator.pk != other.pk
