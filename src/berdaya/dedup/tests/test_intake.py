"""End to end: the engine's likely matches in the registry's check before saving (registry.matching), on the form
and on import, and the officer's "bukan orang yang sama" remembered as a "different" decision."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from berdaya.dedup.incremental import likely_matches
from berdaya.dedup.intake import _IDENTIFYING
from berdaya.dedup.models import PairDecision
from berdaya.imports.services import import_execute, import_run_create
from berdaya.imports.tests.helpers import person_row, write_csv
from berdaya.registry import matching, services
from berdaya.registry.identity import make_nik
from berdaya.registry.models import Person
from berdaya.testing import factories

pytestmark = pytest.mark.django_db


def _wawan():
    hh = factories.household(village="15.02.01.2001", kk_number="1502011506180001")
    return factories.person(hh=hh, name="Muhammad Hermawan", sex="M", birth_date=dt.date(1980, 3, 7), with_nik=False)


NEW = {
    "full_name": "Moch. Wawan",
    "sex": "M",
    "birth_date": dt.date(1980, 7, 3),  # day and month swapped
    "relationship": "head",
    "nik_missing_reason": "unknown",
}


def test_the_form_is_stopped_by_a_nickname_the_exact_rules_miss(officer):
    target = _wawan()
    assert set(matching.providers()) >= {"exact", "dedup"}
    with pytest.raises(services.LikelyDuplicates) as refused:
        services.household_register(actor=officer, household={"village_id": "15.02.01.2002"}, members=[NEW])
    [candidate] = refused.value.matches[0]
    assert candidate.person_id == target.pk and candidate.score is not None and candidate.score >= 0.5
    assert "Hari dan bulan tertukar" in candidate.reasons
    assert Person.objects.count() == 1


def test_a_confirmed_different_person_becomes_a_different_decision(officer):
    target = _wawan()
    hh = services.household_register(
        actor=officer,
        household={"village_id": "15.02.01.2002"},
        members=[NEW],
        distinct_reason="Kakak beradik kembar? Dicek di KK: orang lain",
    )
    new = hh.members.get()
    decision = PairDecision.objects.get()
    assert {decision.person_low_id, decision.person_high_id} == {target.pk, new.pk}
    assert decision.decision == PairDecision.Decision.DIFFERENT and decision.actor == officer


def test_an_import_holds_a_row_the_engine_scores_as_likely(officer, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    target = _wawan()
    row = person_row(
        hh_key="A", full_name="Moch. Wawan", sex="L", _birth=dt.date(1980, 7, 3), village_id="15.02.01.2002",
        kk_number="", nik="", nik_missing_reason="Tidak diketahui",
    )  # fmt: skip
    path = write_csv(tmp_path / "a.csv", [row])
    run = import_run_create(actor=officer, uploaded=SimpleUploadedFile("a.csv", path.read_bytes()))
    result = import_execute(run=run, dry_run=False, mode="valid-only")
    assert result.held_rows == 1, result.first_errors()
    assert [c["id"] for c in result.held[0]["candidates"]] == [target.pk]
    assert Person.objects.count() == 1


def test_a_neighbour_born_the_same_day_with_another_name_is_not_stopped(officer):
    _wawan()
    other = {**NEW, "full_name": "Budi Hartono", "birth_date": dt.date(1980, 3, 7)}
    services.household_register(actor=officer, household={"village_id": "15.02.01.2001"}, members=[other])
    assert Person.objects.count() == 2


def test_a_neighbour_with_a_nik_and_kk_a_digit_away_is_stopped_only_by_an_exact_identifier(officer):
    # Born the same day in the same district: the NIKs differ in the serial only, the KKs (issued the same day) too.
    born = dt.date(1980, 3, 7)
    hh = factories.household(village="15.02.01.2001", kk_number="1502011506180011")
    target = factories.person(
        hh=hh, name="Muhammad Hermawan", sex="M", birth_date=born, phone="+6281234567890",
        nik=make_nik(district_code="15.02.01", birth_date=born, sex="M", serial=11),
    )  # fmt: skip
    other = {
        **NEW,
        "full_name": "Bambang Sutrisno",
        "birth_date": born,
        "nik": make_nik(district_code="15.02.01", birth_date=born, sex="M", serial=12),
        "nik_missing_reason": "",
    }
    household = {"village_id": "15.02.01.2001", "kk_number": "1502011506180012"}
    with pytest.raises(services.LikelyDuplicates) as refused:
        services.household_register(
            actor=officer, household=household, members=[{**other, "phone": "081234567890"}]
        )  # the same phone number: held
    assert [c.person_id for c in refused.value.matches[0]] == [target.pk]
    services.household_register(actor=officer, household=household, members=[{**other, "phone": "081298765432"}])
    assert Person.objects.count() == 2


def test_the_form_check_does_not_score_people_who_share_only_a_birth_date_and_a_place(areas):
    # Born the same day in the same district, NIK and KK a digit away: the model scores them near 1 ("Nama berbeda"
    # but the rest agrees), which the form's check never holds; it leaves them out before scoring.
    born = dt.date(1980, 3, 7)
    hh = factories.household(village="15.02.01.2001", kk_number="1502011506180011")
    target = factories.person(
        hh=hh, name="Muhammad Hermawan", sex="M", birth_date=born, phone="+6281234567890",
        nik=make_nik(district_code="15.02.01", birth_date=born, sex="M", serial=11),
    )  # fmt: skip
    record = {
        "full_name": "Bambang Sutrisno", "birth_date": born, "sex": "M", "village_id": "15.02.01.2001",
        "nik": make_nik(district_code="15.02.01", birth_date=born, sex="M", serial=12),
        "kk_number": "1502011506180012", "phone": "081298765432",
    }  # fmt: skip
    [scored] = likely_matches([record])
    assert [m.person_id for m in scored] == [target.pk]
    assert likely_matches([record], unless_names_differ=_IDENTIFYING) == [[]]
    # An exact identifier keeps the pair, with the score and explanation it gets without the option.
    same_phone = {**record, "phone": "081234567890"}
    assert likely_matches([same_phone], unless_names_differ=_IDENTIFYING) == likely_matches([same_phone])
    # A similar name keeps it too, whatever the rest.
    nickname = {**NEW, "village_id": "15.02.01.2002"}
    wawan = _wawan()
    kept = likely_matches([nickname], unless_names_differ=_IDENTIFYING)
    assert kept == likely_matches([nickname]) and wawan.pk in [m.person_id for m in kept[0]]
