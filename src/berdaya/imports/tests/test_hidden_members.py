"""An import by partner staff and the members hidden from them (UU 27/2022: a withdrawn consent has effect).

Partner staff may import into the households they see, but do not see a member who withdrew consent to sharing
with partners (registry.access.people_visible_to). No message of the import names, counts or is decided by such a
member: a row with her NIK is refused as one outside their scope, a near match to her is not reported, and the head
of a registered household is kept as the rule of the form keeps it (registry.access.changes_household_heads), with
one message whether or not the head is hidden. Officers keep the check naming the head who is not in the file."""

from __future__ import annotations

import datetime as dt

import pytest

from berdaya.imports.pipeline import import_households
from berdaya.registry import choices as c
from berdaya.registry.models import Person
from berdaya.testing import factories
from berdaya.testing.consent import hidden_and_headless

from .helpers import person_row, write_csv

pytestmark = pytest.mark.django_db

JANGKAT_1 = "15.02.01.2001"
REFUSED = (
    "Hanya petugas dinas atau pendamping desa yang boleh mengubah kepala keluarga rumah tangga yang sudah terdaftar."
)
OUT_OF_SCOPE = "Baris ini tidak bisa diimpor dengan hak akses Anda."


@pytest.fixture
def registered(officer, partner):
    return hidden_and_headless(officer, partner.organisation_id, JANGKAT_1)


def _member_row(person: Person, **fields) -> dict[str, str]:
    """The row of a registered person as the registry holds her (`fields` changed)."""
    written = {
        "hh_key": "",
        "kk_number": person.household.kk_number,
        "nik": person.nik,
        "full_name": person.full_name,
        "sex": "L" if person.sex == c.Sex.MALE else "P",
        "_birth": person.birth_date,
        "relationship": str(c.Relationship(person.relationship).label),
    }
    return person_row(**{**written, **fields})


def _new_head_row(household, **fields) -> dict[str, str]:
    return person_row(
        hh_key="",
        kk_number=household.kk_number,
        _serial=41,
        full_name="Kepala Baru",
        _birth=dt.date(1968, 2, 2),
        **fields,
    )


def _answer(result) -> tuple:
    """What the importer is told: every message by row, and the counts."""
    counts = (result.new, result.updated, result.unchanged, result.invalid, result.households_new, result.held_rows)
    return result.errors, counts


def test_partner_staff_giving_a_household_a_head_get_one_answer_whether_or_not_its_head_is_hidden(
    partner, registered, tmp_path
):
    answers = {}
    for key, found in registered.items():
        rows = [_new_head_row(found["hh"]), _member_row(found["child"])]
        answers[key] = _answer(import_households(path=write_csv(tmp_path / f"{key}.csv", rows), actor=partner))
    assert answers["hidden"] == answers["headless"]
    errors, counts = answers["hidden"]
    assert [m for _c, m in errors[2]] == [REFUSED]
    assert errors[3][0][1].startswith("Dilewati")
    assert counts[3] == 2  # nothing of either household is written


def test_partner_staff_naming_a_hidden_member_by_nik_are_answered_as_for_a_number_outside_their_scope(
    partner, officer, registered, tmp_path
):
    hidden, headless = registered["hidden"], registered["headless"]
    elsewhere = factories.person(hh=factories.household(village=JANGKAT_1), name="Orang Lain", sex=c.Sex.MALE)
    hidden_rows = [_member_row(hidden["head"], occupation="Petani/pekebun"), _member_row(hidden["child"])]
    other_rows = [
        {**_member_row(elsewhere), "kk_number": headless["hh"].kk_number, "occupation": "Petani/pekebun"},
        _member_row(headless["child"]),
    ]
    before = hidden["head"].history.count()
    answers = {
        "hidden": _answer(
            import_households(path=write_csv(tmp_path / "a.csv", hidden_rows), actor=partner, dry_run=False)
        ),
        "elsewhere": _answer(import_households(path=write_csv(tmp_path / "b.csv", other_rows), actor=partner)),
    }
    assert answers["hidden"] == answers["elsewhere"]
    assert any(m.startswith(OUT_OF_SCOPE) for _c, m in answers["hidden"][0][2])
    # Her record is not changed by someone who cannot see it.
    assert hidden["head"].history.count() == before


def test_a_near_match_to_a_hidden_member_is_not_reported_to_partner_staff(partner, officer, registered, tmp_path):
    def near(name: str) -> dict[str, str]:
        # No NIK, a new household, the same village, another birth date: "mirip" for whoever sees the namesake.
        return person_row(
            hh_key="BARU",
            kk_number="",
            nik="",
            nik_missing_reason="Belum pernah terdaftar",
            full_name=name,
            _birth=dt.date(1971, 9, 9),
        )

    hidden_name = registered["hidden"]["head"].full_name
    answers = {
        name: _answer(import_households(path=write_csv(tmp_path / f"{i}.csv", [near(name)]), actor=partner))
        for i, name in enumerate([hidden_name, "Nama Tanpa Kembaran"])
    }
    assert answers[hidden_name] == answers["Nama Tanpa Kembaran"]
    assert answers[hidden_name][0] == {}
    # An officer sees her, and is told.
    told = import_households(path=write_csv(tmp_path / "o.csv", [near(hidden_name)]), actor=officer)
    assert "mirip" in told.errors[2][0][1].lower() and f"#{registered['hidden']['head'].pk}" in told.errors[2][0][1]


def test_officers_are_still_told_which_head_is_not_in_the_file(officer, registered, tmp_path):
    found = registered["hidden"]
    rows = [_new_head_row(found["hh"]), _member_row(found["child"])]
    result = import_households(path=write_csv(tmp_path / "a.csv", rows), actor=officer)
    message = result.errors[2][0][1]
    assert "sudah punya kepala keluarga lain" in message and f"#{found['head'].pk}" in message


def test_partner_staff_import_into_a_household_keeping_the_head_they_see(partner, tmp_path):
    hh = factories.household(
        village=JANGKAT_1, kk_number=factories.kk_number(), registered_by_organisation=partner.organisation
    )
    head = factories.person(hh=hh, name="Kepala Terlihat", sex=c.Sex.MALE, birth_date=dt.date(1972, 3, 3))
    child = factories.person(
        hh=hh, name="Anak Terlihat", relationship=c.Relationship.CHILD, birth_date=dt.date(2001, 1, 1)
    )
    newborn = person_row(
        hh_key="", kk_number=hh.kk_number, _serial=42, full_name="Anak Baru", _birth=dt.date(2020, 5, 5)
    )
    newborn["relationship"] = "Anak"
    fresh = person_row(hh_key="BARU", kk_number="", _serial=43, full_name="Kepala Rumah Baru")
    rows = [_member_row(head), _member_row(child), newborn, fresh]
    result = import_households(path=write_csv(tmp_path / "a.csv", rows), actor=partner, dry_run=False)
    assert (result.new, result.invalid, result.households_new) == (2, 0, 1), result.first_errors()
    assert list(hh.members.filter(relationship=c.Relationship.HEAD).values_list("pk", flat=True)) == [head.pk]
    # Changing who heads it is refused on both rows, whatever the other members.
    swapped = [_member_row(head, relationship="Istri/suami"), _member_row(child, relationship="Kepala keluarga")]
    refused = import_households(path=write_csv(tmp_path / "b.csv", swapped), actor=partner)
    assert {row: [m for _c, m in errs] for row, errs in refused.errors.items()} == {2: [REFUSED], 3: [REFUSED]}
