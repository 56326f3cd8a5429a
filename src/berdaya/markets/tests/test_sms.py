import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from berdaya.markets import gsm
from berdaya.markets.services import bulletin_sms


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=1200))
def test_any_text_becomes_gsm7_parts_of_at_most_160(text):
    parts = gsm.split_sms(text)
    for part in parts:
        assert len(part) <= gsm.SMS_LIMIT
        assert gsm.is_gsm7(part)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40), min_size=1, max_size=12))
def test_any_bulletin_data_gives_valid_sms(names):
    data = {
        "week_start": "2025-05-12",
        "rows": {
            f"c{i}": {
                "name": name,
                "short": name,
                "farm_gate": 7000 + i,
                "organised": 11600 if i % 2 else None,
                "market": None,
                "change_pct": (-1) ** i * 12.5,
            }
            for i, name in enumerate(names)
        },
    }
    parts = bulletin_sms(data)
    assert parts
    assert all(len(p) <= 160 and gsm.is_gsm7(p) for p in parts)


def test_it_transliterates_what_gsm7_cannot_carry():
    assert gsm.to_gsm7("Harga naik – “tinggi” … ≥ 5% [KKK] €") == 'Harga naik - "tinggi" ... >= 5% (KKK) EUR'
    assert gsm.to_gsm7("Kopi café ñ") == "Kopi café ñ"  # é and ñ are in the basic set
    assert gsm.to_gsm7("ç ā 🌶") == "c a ?"


def test_a_short_text_is_one_unnumbered_part():
    assert gsm.split_sms("Karet 7.500 naik 2%") == ["Karet 7.500 naik 2%"]


def test_long_text_is_numbered_and_keeps_every_word():
    text = " ".join(f"Komoditas{i} {7000 + i}" for i in range(60))
    parts = gsm.split_sms(text)
    assert len(parts) > 2
    assert parts[0].startswith(f"(1/{len(parts)}) ")
    rebuilt = " ".join(p.split(") ", 1)[1] for p in parts)
    assert rebuilt == text


def test_the_bulletin_sms_names_the_week_and_prices():
    data = {
        "week_start": dt.date(2025, 5, 12).isoformat(),
        "rows": {
            "karet": {
                "name": "Karet",
                "short": "Karet",
                "farm_gate": 7500,
                "organised": 11600,
                "market": None,
                "change_pct": 2.0,
            }
        },
    }
    (sms,) = bulletin_sms(data)
    assert sms.startswith("Harga Merangin 12/05 Rp/kg: Karet 7.500 (UPPB/pabrik 11.600) naik 2%")


def test_a_district_with_only_an_organised_price_reads_well():
    data = {
        "week_start": "2025-05-12",
        "rows": {
            "tbs": {
                "name": "Sawit (TBS)",
                "short": "TBS",
                "farm_gate": None,
                "organised": 2789,
                "market": None,
                "change_pct": None,
            }
        },
    }
    assert bulletin_sms(data) == ["Harga Merangin 12/05 Rp/kg: TBS UPPB/pabrik 2.789. Stop: hub. pendamping"]
