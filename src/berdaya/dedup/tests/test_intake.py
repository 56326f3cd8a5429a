"""End to end: the engine's likely matches in the registry's check before saving (registry.matching), on the form
and on import, and the officer's "bukan orang yang sama" remembered as a "different" decision."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from berdaya.dedup import intake, linkage
from berdaya.dedup.incremental import likely_matches
from berdaya.dedup.intake import _IDENTIFYING, _record
from berdaya.dedup.models import DedupRun, PairDecision
from berdaya.imports.services import import_execute, import_run_create
from berdaya.imports.tests.helpers import person_row, write_csv
from berdaya.registry import matching, services
from berdaya.registry.duplicates import Facts
from berdaya.registry.identity import make_nik
from berdaya.registry.models import DistinctConfirmation, Person
from berdaya.testing import factories
from berdaya.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _wawan(**fields):
    hh = factories.household(village="15.02.01.2001", kk_number="1502011506180001")
    return factories.person(
        hh=hh, name="Muhammad Hermawan", sex="M", birth_date=dt.date(1980, 3, 7), with_nik=False, **fields
    )


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


@pytest.fixture
def birth_place_run(db):
    """A full run whose model compares the birth place, as a run adds it after training (linkage.with_birth_place).
    The counts stand for what add_birth_place learns (level numbers of linkage.BIRTH_PLACE_STRATA: 0-2 within one
    village, 3-5 between villages): between villages a shared place weighs for the pair and another place against."""
    m = {0: 60, 1: 5, 2: 35, 3: 70, 4: 10, 5: 20}
    u = {0: 60, 1: 1, 2: 39, 3: 3, 4: 1, 5: 96}
    model = linkage.with_birth_place(linkage.default_model(), m, u)
    return DedupRun.objects.create(status=DedupRun.Status.SUCCEEDED, model=model, finished_at=timezone.now())


def _refused(officer, **member) -> matching.Candidate:
    with pytest.raises(services.LikelyDuplicates) as refused:
        services.household_register(
            actor=officer, household={"village_id": "15.02.01.2002"}, members=[{**NEW, **member}]
        )
    [candidate] = refused.value.matches[0]
    return candidate


def test_the_form_check_weighs_the_birth_place(officer, birth_place_run):
    target = _wawan(birth_place="Bangko")
    unknown = _refused(officer)
    same = _refused(officer, birth_place="BANGKO ")  # written otherwise: compared as prepare normalises it
    other = _refused(officer, birth_place="Jambi")
    assert unknown.person_id == same.person_id == other.person_id == target.pk
    assert "Tempat lahir sama" in same.reasons
    assert not [r for r in (*unknown.reasons, *other.reasons) if r.startswith("Tempat lahir")]
    assert unknown.score is not None and same.score is not None and other.score is not None
    assert same.score > unknown.score > other.score
    # Another place weighs against the pair in the engine's explanation (the form shows only what weighs for it).
    record = Facts(full_name="Moch. Wawan", birth_date=NEW["birth_date"], village_id="15.02.01.2002", sex="M")
    [[match]] = likely_matches([_record(Facts(**{**record.__dict__, "birth_place": "Jambi"}))])
    [place] = [e for e in match.explanation if e["field"] == "birth_place"]
    assert place["label"] == "Tempat lahir berbeda" and place["weight"] < 0
    [[without]] = likely_matches([_record(record)])
    assert not [e for e in without.explanation if e["field"] == "birth_place" and e["weight"]]
    assert Person.objects.count() == 1


def test_an_import_row_brings_its_birth_place_to_the_check(officer, tmp_path, settings, birth_place_run):
    settings.MEDIA_ROOT = tmp_path / "media"
    target = _wawan(birth_place="Bangko")
    row = person_row(
        hh_key="A", full_name="Moch. Wawan", sex="L", _birth=dt.date(1980, 7, 3), village_id="15.02.01.2002",
        kk_number="", nik="", nik_missing_reason="Tidak diketahui", birth_place="Bangko",
    )  # fmt: skip
    path = write_csv(tmp_path / "a.csv", [row])
    run = import_run_create(actor=officer, uploaded=SimpleUploadedFile("a.csv", path.read_bytes()))
    result = import_execute(run=run, dry_run=False, mode="valid-only")
    assert result.held_rows == 1, result.first_errors()
    [candidate] = result.held[0]["candidates"]
    assert candidate["id"] == target.pk and "Tempat lahir sama" in candidate["reasons"]


# The engine's labels (linkage) and the English msgstr the catalogue gives them (locale/en/LC_MESSAGES/django.po).
SWAPPED = ("Hari dan bulan tertukar", "Day and month swapped")
SAME_VILLAGE = ("Desa sama", "Same village")


def _member_page(officer, language: str, **extra: str):
    """A member like Wawan added on a household page of his village, as an officer reading `language`."""
    household = factories.household(village="15.02.01.2001")
    factories.person(hh=household, name="Kepala Lain")
    client = client_for(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    data = {
        "full_name": "Moch. Wawan", "nik": "", "nik_missing_reason": "unknown", "sex": "M",
        "birth_date": "1980-07-03", "relationship": "child", **extra,
    }  # fmt: skip
    return client.post(reverse("registry:household_add_member", args=[household.pk]), data)


def _warning(response) -> str:
    page = response.content.decode()
    page = page[page.index('id="likely-matches"') :]
    return page[: page.index("</section>")]


def test_the_form_warning_gives_the_engine_reasons_in_the_readers_language(officer):
    _wawan()
    english = _warning(_member_page(officer, "en"))
    assert "matches:" in english
    for indonesian, translated in (SWAPPED, SAME_VILLAGE):
        assert translated in english and indonesian not in english
    indonesian_page = _warning(_member_page(officer, "id"))
    for indonesian, translated in (SWAPPED, SAME_VILLAGE):
        assert indonesian in indonesian_page and translated not in indonesian_page


def test_what_is_stored_of_the_reasons_stays_indonesian_whatever_the_readers_language(officer):
    _wawan()
    assert _member_page(officer, "en", distinct_reason="Orang lain, dicek di KK").status_code == 302
    stored = DistinctConfirmation.objects.get().reasons
    assert SWAPPED[0] in stored and SAME_VILLAGE[0] in stored
    assert SWAPPED[1] not in stored and SAME_VILLAGE[1] not in stored


def test_the_reasons_of_a_match_by_score_alone_are_translated_too():
    candidate = matching.Candidate(1, intake._reasons([{"field": "name", "label": "Nama berbeda", "weight": -3.0}]))
    assert candidate.reasons == ("skor kecocokan",)  # stored so
    with translation.override("en"):
        assert candidate.reasons_shown == "match score"
    with translation.override("id"):
        assert candidate.reasons_shown == "skor kecocokan"


def test_an_import_held_row_shows_the_engine_reasons_in_the_readers_language(officer, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    _wawan()
    row = person_row(
        hh_key="A", full_name="Moch. Wawan", sex="L", _birth=dt.date(1980, 7, 3), village_id="15.02.01.2001",
        kk_number="", nik="", nik_missing_reason="Tidak diketahui",
    )  # fmt: skip
    path = write_csv(tmp_path / "a.csv", [row])
    run = import_run_create(actor=officer, uploaded=SimpleUploadedFile("a.csv", path.read_bytes()))
    result = import_execute(run=run, dry_run=False, mode="valid-only")
    assert result.held_rows == 1, result.first_errors()
    [candidate] = result.held[0]["candidates"]
    assert SWAPPED[0] in candidate["reasons"] and SAME_VILLAGE[0] in candidate["reasons"]  # stored in Indonesian
    client = client_for(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("imports:detail", args=[run.pk])).content.decode()
    page = page[page.index('id="held-rows"') :]
    for indonesian, translated in (SWAPPED, SAME_VILLAGE):
        assert translated in page and indonesian not in page
