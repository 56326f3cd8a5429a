"""NIK and KK number checks (../shared/domain.md, "Identity numbers")."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from berdaya.areas.services import DATA_DIR
from berdaya.registry.identity import check_kk, check_nik, make_nik

TODAY = dt.date(2026, 6, 15)

with (DATA_DIR / "districts.csv").open(encoding="utf-8", newline="") as _handle:
    NATIONAL_DISTRICTS = sorted(row["code"] for row in csv.DictReader(_handle))
KNOWN_PREFIXES = frozenset(code.replace(".", "") for code in NATIONAL_DISTRICTS)


def known(prefix: str) -> bool:
    return prefix in KNOWN_PREFIXES


def rules(failures) -> set[str]:
    return {f.rule for f in failures}


def nik_check(nik: str, **kwargs):
    kwargs.setdefault("today", TODAY)
    kwargs.setdefault("district_exists", known)
    return check_nik(nik, **kwargs)


# --- NIK: one rule at a time --------------------------------------------------------------------------------------


def test_it_accepts_a_consistent_nik():
    nik = make_nik(district_code="15.02.01", birth_date=dt.date(1985, 3, 14), sex="M", serial=12)
    assert nik == "1502011403850012"
    assert nik_check(nik, birth_date=dt.date(1985, 3, 14), sex="M") == []


@pytest.mark.parametrize(
    "nik",
    [
        "150201140385001",
        "15020114038500123",
        "15020114038500a2",
        "",
        "1502 01140385001",
        "1502011403850012\n",  # a trailing newline from a pasted cell
        "١٥٠٢٠١١٤٠٣٨٥٠٠١٢",  # Arabic-Indic digits are digits to Python, not to Dukcapil
    ],
)
def test_it_requires_exactly_16_digits(nik):
    failures = nik_check(nik, birth_date=dt.date(1985, 3, 14), sex="M")
    assert rules(failures) == {"format"}
    with translation.override("id"):
        assert "16 digit" in failures[0].message


def test_it_checks_the_prefix_against_the_district_table(areas):
    # The default lookup reads the District table; 31.71.01 is outside Merangin but a known district.
    outside = make_nik(district_code="31.71.01", birth_date=dt.date(1990, 1, 2), sex="M", serial=1)
    assert check_nik(outside, birth_date=dt.date(1990, 1, 2), sex="M") == []

    unknown = make_nik(district_code="15.02.99", birth_date=dt.date(1990, 1, 2), sex="M", serial=1)
    failures = check_nik(unknown, birth_date=dt.date(1990, 1, 2), sex="M")
    assert rules(failures) == {"district"}
    assert "150299" in failures[0].message
    assert "kecamatan" in failures[0].message


def test_it_accepts_districts_anywhere_in_indonesia():
    # First registration may have been in Aceh or Papua: the whole national list counts, not only Merangin.
    for code in (NATIONAL_DISTRICTS[0], NATIONAL_DISTRICTS[-1]):
        assert not code.startswith("15.02")
        nik = make_nik(district_code=code, birth_date=dt.date(2001, 7, 30), sex="F", serial=9)
        assert nik_check(nik, birth_date=dt.date(2001, 7, 30), sex="F") == []


@pytest.mark.parametrize(
    "ddmmyy",
    [
        "310285",  # 31 February
        "001085",  # day zero
        "351085",  # 32-40 is neither a man's nor a woman's day
        "721085",  # 72 = 32 + 40
        "011385",  # month 13
        "010085",  # month 0
        "290285",  # 29 February 1985 was not a leap day
    ],
)
def test_it_rejects_an_impossible_birth_date(ddmmyy):
    failures = nik_check(f"150201{ddmmyy}0001")
    assert "date" in rules(failures)
    message = next(f.message for f in failures if f.rule == "date")
    assert ddmmyy in message
    assert "bukan tanggal yang sah" in message


def test_it_accepts_29_february_in_a_leap_year():
    nik = make_nik(district_code="15.02.01", birth_date=dt.date(1988, 2, 29), sex="F", serial=3)
    assert nik[6:12] == "690288"
    assert nik_check(nik, birth_date=dt.date(1988, 2, 29), sex="F") == []


def test_it_rejects_a_birth_date_in_the_future():
    nik = make_nik(district_code="15.02.01", birth_date=dt.date(2026, 7, 1), sex="M", serial=1)
    failures = nik_check(nik, birth_date=dt.date(2026, 7, 1), sex="M")
    assert rules(failures) == {"future"}
    with translation.override("id"):
        assert "masa depan" in failures[0].message
    assert "future" not in rules(nik_check(nik, birth_date=dt.date(2026, 7, 1), sex="M", today=dt.date(2026, 7, 1)))


def test_it_takes_the_century_from_the_stated_birth_date():
    # 15-12-26: born in 1926 this is a 100-year-old, not a birth six months from "today".
    nik = make_nik(district_code="15.02.01", birth_date=dt.date(1926, 12, 15), sex="M", serial=1)
    assert nik_check(nik, birth_date=dt.date(1926, 12, 15), sex="M") == []
    # Without a stated birth date the two-digit year is read as this century, hence in the future.
    assert rules(nik_check(nik, sex="M")) == {"future"}


def test_it_compares_the_nik_date_with_the_stated_birth_date():
    nik = make_nik(district_code="15.02.01", birth_date=dt.date(1985, 3, 14), sex="M", serial=1)
    # Only the two-digit year is in the NIK: 1885 and 1985 cannot be told apart (Person refuses pre-1900 dates).
    for stated in (dt.date(1985, 3, 15), dt.date(1985, 4, 14), dt.date(1986, 3, 14), dt.date(1995, 3, 14)):
        failures = nik_check(nik, birth_date=stated, sex="M")
        assert rules(failures) == {"birth_date"}, stated
        with translation.override("id"):
            assert "tidak sama dengan tanggal lahir tercatat" in failures[0].message


def test_it_adds_40_to_a_womans_day_of_birth():
    nik = make_nik(district_code="15.02.01", birth_date=dt.date(1985, 3, 14), sex="F", serial=1)
    assert nik[6:8] == "54"
    assert nik_check(nik, birth_date=dt.date(1985, 3, 14), sex="F") == []
    # The +40 is on the day only: 14 March, not some day in month 43.
    assert "birth_date" not in rules(nik_check(nik, birth_date=dt.date(1985, 3, 14)))


def test_it_rejects_a_sex_that_contradicts_the_day():
    woman = make_nik(district_code="15.02.01", birth_date=dt.date(1985, 3, 14), sex="F", serial=1)
    man = make_nik(district_code="15.02.01", birth_date=dt.date(1985, 3, 14), sex="M", serial=1)
    stated_male = nik_check(woman, birth_date=dt.date(1985, 3, 14), sex="M")
    stated_female = nik_check(man, birth_date=dt.date(1985, 3, 14), sex="F")
    assert rules(stated_male) == {"sex"}
    assert rules(stated_female) == {"sex"}
    with translation.override("id"):
        assert "Jenis kelamin" in stated_male[0].message
        assert "perempuan" in stated_male[0].message
        assert "laki-laki" in stated_female[0].message


def test_it_rejects_serial_0000():
    nik = make_nik(district_code="15.02.01", birth_date=dt.date(1985, 3, 14), sex="M", serial=0)
    failures = nik_check(nik, birth_date=dt.date(1985, 3, 14), sex="M")
    assert rules(failures) == {"serial"}
    assert "0000" in failures[0].message


def test_it_reports_every_failed_rule_at_once():
    failures = nik_check("9999993102990000", birth_date=dt.date(1999, 2, 1), sex="F")
    assert rules(failures) == {"district", "date", "sex", "serial"}
    assert len({f.message for f in failures}) == 4


# --- KK numbers ---------------------------------------------------------------------------------------------------


def kk_check(number: str, **kwargs):
    kwargs.setdefault("today", TODAY)
    kwargs.setdefault("district_exists", known)
    return check_kk(number, **kwargs)


def test_it_accepts_a_consistent_kk_number():
    assert kk_check("1502011506180003") == []


def test_it_checks_the_kk_issuing_district():
    failures = kk_check("1502991506180003")
    assert rules(failures) == {"district"}
    assert "150299" in failures[0].message
    assert "nomor KK" in failures[0].message


def test_it_has_no_plus_40_rule_for_kk_numbers():
    # Day 55 is a woman's day in a NIK, but a family card has an issue date, not a sex.
    failures = kk_check("1502015506180003")
    assert rules(failures) == {"date"}
    assert "550618" in failures[0].message


def test_it_rejects_a_kk_issued_in_the_future():
    assert rules(kk_check("1502010107260003")) == {"future"}
    assert kk_check("1502010107260003", today=dt.date(2026, 7, 1)) == []


def test_it_reads_the_kk_issue_year_relative_to_the_given_today():
    # Checked as of 1 June 2030, "010730" is 1 July 2030: a month ahead, whatever the machine's clock says.
    assert rules(kk_check("1502010107300003", today=dt.date(2030, 6, 1))) == {"future"}
    assert kk_check("1502010105300003", today=dt.date(2030, 6, 1)) == []


def test_it_rejects_kk_serial_0000_and_bad_format():
    assert rules(kk_check("1502011506180000")) == {"serial"}
    for bad in ("15020115061800", "1502011506180003\n"):
        failures = kk_check(bad)
        assert rules(failures) == {"format"}
        assert "16 digit" in failures[0].message


# --- Properties ---------------------------------------------------------------------------------------------------

birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)
sexes = st.sampled_from(["M", "F"])
districts = st.sampled_from(NATIONAL_DISTRICTS)
serials = st.integers(min_value=1, max_value=9999)


@hsettings(max_examples=300, deadline=None)
@given(district=districts, birth_date=birth_dates, sex=sexes, serial=serials)
def test_it_accepts_every_nik_built_by_make_nik(district, birth_date, sex, serial):
    nik = make_nik(district_code=district, birth_date=birth_date, sex=sex, serial=serial)
    assert len(nik) == 16
    assert nik_check(nik, birth_date=birth_date, sex=sex) == []


def _meaning(ddmmyy: str) -> tuple[str, int, int, int]:
    """(sex, day, month, two-digit year) a NIK's digits 7-12 stand for, decoded independently of the checker."""
    day = int(ddmmyy[:2])
    return ("F" if day > 40 else "M", day - 40 if day > 40 else day, int(ddmmyy[2:4]), int(ddmmyy[4:]))


@hsettings(max_examples=300, deadline=None)
@given(
    district=districts,
    birth_date=birth_dates,
    sex=sexes,
    serial=serials,
    position=st.integers(min_value=6, max_value=11),
    new_digit=st.sampled_from("0123456789"),
)
def test_it_detects_any_single_digit_change_in_the_date_or_sex_part(
    district, birth_date, sex, serial, position, new_digit
):
    nik = make_nik(district_code=district, birth_date=birth_date, sex=sex, serial=serial)
    corrupted = nik[:position] + new_digit + nik[position + 1 :]
    failures = nik_check(corrupted, birth_date=birth_date, sex=sex)
    if _meaning(corrupted[6:12]) == _meaning(nik[6:12]):
        assert corrupted == nik
        assert failures == []
        return
    assert failures, corrupted
    new_sex, day, month, yy = _meaning(corrupted[6:12])
    if new_sex != sex:
        assert "sex" in rules(failures)
    if (day, month, yy) == (birth_date.day, birth_date.month, birth_date.year % 100):
        return  # only the sex changed
    try:
        # The century is the stated birth date's (domain.md), so only day, month and two-digit year can differ.
        dt.date(birth_date.year // 100 * 100 + yy, month, day)
    except ValueError:
        assert "date" in rules(failures)
    else:
        assert "birth_date" in rules(failures)
