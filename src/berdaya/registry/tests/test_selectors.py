"""Reads of the registry: search, filters, the no-NIK outreach list and the district aggregates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from berdaya.core.dates import years_ago as _years_ago
from berdaya.registry import choices as c
from berdaya.registry import selectors, services
from berdaya.registry.access import people_for_aggregates
from berdaya.testing import factories as f

JANGKAT_1, JANGKAT_2 = f.AREAS["15.02.01"][1]
BANGKO_1, BANGKO_2 = f.AREAS["15.02.02"][1]


def found(actor, **filters) -> set[str]:
    _filterset, qs = selectors.person_list(actor=actor, filters=filters)
    return set(qs.values_list("full_name", flat=True))


# --- search -------------------------------------------------------------------------------------------------------


@pytest.fixture
def people(areas):
    siti = f.person(name="Siti Aminah Lubis", hh=f.household(kk_number=f.kk_number()))
    f.person(name="Aminah", hh=f.household(village=BANGKO_1))
    f.person(name="Ahmad Siregar", sex="M", birth_date=dt.date(1979, 9, 9), hh=f.household(village=BANGKO_2))
    spouse = f.person(name="Rahmat Lubis", sex="M", hh=siti.household, relationship=c.Relationship.SPOUSE)
    return {"siti": siti, "spouse": spouse}


def test_it_searches_names_case_insensitively_word_by_word(officer, people):
    assert found(officer, q="aminah") == {"Siti Aminah Lubis", "Aminah"}
    assert found(officer, q="LUBIS siti") == {"Siti Aminah Lubis"}
    assert found(officer, q="  siti   aminah  ") == {"Siti Aminah Lubis"}
    assert found(officer, q="siti siregar") == set()
    assert found(officer, q="") == {"Siti Aminah Lubis", "Aminah", "Ahmad Siregar", "Rahmat Lubis"}


def test_it_finds_a_person_by_full_nik_only(officer, people):
    siti = people["siti"]
    assert found(officer, q=siti.nik) == {"Siti Aminah Lubis"}
    spaced = " ".join([siti.nik[:6], siti.nik[6:12], siti.nik[12:]])
    assert found(officer, q=spaced) == {"Siti Aminah Lubis"}
    assert found(officer, q=siti.nik[:12] + "9998") == set()  # same person's prefix, another serial


def test_it_finds_a_household_by_its_current_kk(officer, people):
    assert found(officer, q=people["siti"].household.kk_number) == {"Siti Aminah Lubis", "Rahmat Lubis"}


def test_it_finds_a_household_by_a_former_kk(officer, areas):
    old_kk, new_kk = f.kk_number(), f.kk_number()
    hh = services.household_register(
        actor=officer,
        household={"village_id": JANGKAT_1, "kk_number": old_kk},
        members=[f.member(name="Joko Widodo")],
    )
    services.household_update(actor=officer, household=hh, data={"kk_number": new_kk}, kk_reason="Pecah KK")

    assert found(officer, q=old_kk) == {"Joko Widodo"}
    assert found(officer, q=new_kk) == {"Joko Widodo"}


def test_it_finds_by_nik_or_kk_prefix(officer, areas):
    hh = f.household(village=BANGKO_1, kk_number="1502020101200001")
    f.person(hh=hh, name="Lahir di Bangko", nik=f.nik(district="15.02.02", birth_date=dt.date(1985, 3, 14), sex="F"))
    f.person(name="Lahir di Jangkat", nik=f.nik(district="15.02.01", birth_date=dt.date(1985, 3, 14), sex="F"))
    f.person(name="Lahir di Jakarta", nik=f.nik(district="31.71.01", birth_date=dt.date(1985, 3, 14), sex="F"))

    assert found(officer, q="150202") == {"Lahir di Bangko"}
    assert found(officer, q="3171") == set()  # fewer than 6 digits: read as a name, not a prefix
    assert found(officer, q="317101") == {"Lahir di Jakarta"}
    assert found(officer, q="15020201012") == {"Lahir di Bangko"}  # the KK's prefix


def test_it_searches_only_within_scope(facilitator, people):
    # Ahmad lives in Bangko, outside the facilitator's village: not found even by exact name.
    assert found(facilitator, q="ahmad") == set()
    assert found(facilitator, q="lubis") == {"Siti Aminah Lubis", "Rahmat Lubis"}


# --- filters ------------------------------------------------------------------------------------------------------


def test_it_filters_by_district_village_and_sex(officer, people):
    assert found(officer, district="15.02.02") == {"Aminah", "Ahmad Siregar"}
    assert found(officer, village=BANGKO_2) == {"Ahmad Siregar"}
    assert found(officer, village=JANGKAT_1, sex="M") == {"Rahmat Lubis"}
    assert found(officer, sex="F") == {"Siti Aminah Lubis", "Aminah"}


def test_it_shows_nothing_for_an_invalid_filter(officer, people):
    assert found(officer, sex="X") == set()
    assert found(officer, district="99.99.99") == set()


def test_it_filters_by_age_band_with_exact_birthdays(officer, areas):
    today = timezone.localdate()
    births = {
        "lahir hari ini": today,
        "genap 6": _years_ago(6, today),
        "hampir 6": _years_ago(6, today) + dt.timedelta(days=1),
        "genap 18": _years_ago(18, today),
        "hampir 18": _years_ago(18, today) + dt.timedelta(days=1),
        "genap 60": _years_ago(60, today),
        "hampir 60": _years_ago(60, today) + dt.timedelta(days=1),
    }
    hh = f.household()
    for name, born in births.items():
        f.person(hh=hh, name=name, birth_date=born, relationship=c.Relationship.OTHER_RELATIVE)

    assert found(officer, age_band="0-5") == {"lahir hari ini", "hampir 6"}
    assert found(officer, age_band="6-17") == {"genap 6", "hampir 18"}
    assert found(officer, age_band="18-59") == {"genap 18", "hampir 60"}
    assert found(officer, age_band="60+") == {"genap 60"}


def test_it_filters_by_disability_and_domain(officer, areas):
    f.person(name="Sulit Melihat", wgss_seeing=c.WGSSAnswer.CANNOT)
    f.person(name="Sulit Berjalan", wgss_walking=c.WGSSAnswer.A_LOT, wgss_seeing=c.WGSSAnswer.SOME)
    f.person(name="Sedikit Sulit", wgss_hearing=c.WGSSAnswer.SOME)
    f.person(name="Belum Ditanya")

    assert found(officer, disability="yes") == {"Sulit Melihat", "Sulit Berjalan"}
    # Unanswered questions are not "a lot of difficulty": NULLs belong to "no", not to neither.
    assert found(officer, disability="no") == {"Sedikit Sulit", "Belum Ditanya"}
    assert found(officer, disability="wgss_seeing") == {"Sulit Melihat"}
    assert found(officer, disability="wgss_hearing") == set()


def test_it_filters_by_vulnerability_flag(officer, areas):
    farmer = f.person(name="Petani", sex="M", hh=f.household(land_ha="0.4"), occupation=c.Occupation.FARMER)
    f.person(name="Pedagang", sex="M", hh=f.household(land_ha="0.4"), occupation=c.Occupation.TRADER)
    f.person(name="Ibu Kepala", hh=farmer.household, relationship=c.Relationship.SPOUSE)
    assert found(officer, flag="gurem") == {"Petani"}
    assert found(officer, flag="female_headed") == set()
    assert found(officer, flag="no_such_flag") == set()


def test_it_filters_by_status(officer, areas):
    hh = f.household()
    f.person(hh=hh, name="Hidup")
    f.person(hh=hh, name="Wafat", relationship=c.Relationship.PARENT, status=c.PersonStatus.DECEASED)
    assert found(officer, status=c.PersonStatus.DECEASED) == {"Wafat"}
    assert found(officer, status=c.PersonStatus.ACTIVE) == {"Hidup"}


# --- people without NIK -------------------------------------------------------------------------------------------


def test_it_counts_people_without_nik_per_village(officer, facilitator, areas):
    j1, j2, b1 = f.household(), f.household(village=JANGKAT_2), f.household(village=BANGKO_1)
    for hh, reasons in (
        (j1, [c.NikMissingReason.NEVER_REGISTERED, c.NikMissingReason.NEVER_REGISTERED, c.NikMissingReason.CARD_LOST]),
        (j2, [c.NikMissingReason.UNKNOWN]),
        (b1, [c.NikMissingReason.CARD_LOST, c.NikMissingReason.UNKNOWN]),
    ):
        for reason in reasons:
            f.person(hh=hh, name="Tanpa NIK", with_nik=False, nik_missing_reason=reason)
    f.person(hh=j1, name="Ada NIK")
    for status in (c.PersonStatus.DECEASED, c.PersonStatus.MOVED_OUT):
        f.person(hh=j2, name=status, with_nik=False, status=status)  # no longer in the village

    rows = list(selectors.people_without_nik(actor=officer))

    assert [(r["household__village"], r["total"]) for r in rows] == [(JANGKAT_1, 3), (BANGKO_1, 2), (JANGKAT_2, 1)]
    first = rows[0]
    assert (first["never_registered"], first["card_lost"], first["unknown"]) == (2, 1, 0)
    assert first["household__village__district__name"] == "Jangkat"
    assert [r["household__village"] for r in selectors.people_without_nik(actor=facilitator)] == [JANGKAT_1]


# --- aggregates ---------------------------------------------------------------------------------------------------


def test_it_counts_vulnerability_per_district(viewer, areas):
    mother_hh = f.household(land_ha="1.5")
    f.person(hh=mother_hh, name="Ibu", occupation=c.Occupation.FARMER, wgss_walking=c.WGSSAnswer.A_LOT)
    f.person(hh=mother_hh, name="Nenek", birth_date=dt.date(1940, 1, 1), relationship=c.Relationship.PARENT)
    f.person(hh=mother_hh, name="Anak", sex="M", birth_date=dt.date(2015, 1, 1), relationship=c.Relationship.CHILD)
    f.person(hh=mother_hh, name="Kakek", sex="M", relationship=c.Relationship.PARENT, status=c.PersonStatus.DECEASED)
    f.person(hh=mother_hh, name="Perantau", sex="M", relationship=c.Relationship.CHILD, status=c.PersonStatus.MOVED_OUT)
    father_hh = f.household(village=BANGKO_1, land_ha="0.3")
    f.person(hh=father_hh, name="Bapak", sex="M", occupation=c.Occupation.FARMER, with_nik=False)

    rows = {
        r["household__village__district"]: r
        for r in selectors.vulnerability_by_district(people=people_for_aggregates(viewer))
    }

    jangkat, bangko = rows["15.02.01"], rows["15.02.02"]
    assert set(rows) == {"15.02.01", "15.02.02"}
    assert (jangkat["total"], jangkat["female"]) == (3, 2)
    assert (jangkat["disability"], jangkat["elderly"], jangkat["child"]) == (1, 1, 1)
    assert (jangkat["female_headed"], jangkat["smallholder"], jangkat["gurem"], jangkat["no_nik"]) == (3, 1, 0, 0)
    assert (bangko["total"], bangko["female"], bangko["female_headed"]) == (1, 0, 0)
    assert (bangko["smallholder"], bangko["gurem"], bangko["no_nik"]) == (1, 1, 1)


def test_it_counts_only_what_the_user_may_see(facilitator, areas):
    f.person(name="Di Desa Tugas")
    f.person(name="Di Bangko", hh=f.household(village=BANGKO_1))
    rows = selectors.vulnerability_by_district(people=people_for_aggregates(facilitator))
    assert [(r["household__village__district"], r["total"]) for r in rows] == [("15.02.01", 1)]
