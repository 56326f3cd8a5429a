"""SMS segments: counting what a text costs, and packing bulletins into whole parts (issue 21, item 2)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from berdaya.markets import gsm
from berdaya.markets.services import bulletin_sms, bulletin_sms_pieces


@pytest.mark.parametrize(
    ("text", "encoding", "units", "count"),
    [
        ("", "gsm7", 0, 1),
        ("a" * 160, "gsm7", 160, 1),
        ("a" * 161, "gsm7", 161, 2),
        ("a" * 306, "gsm7", 306, 2),
        ("a" * 307, "gsm7", 307, 3),
        ("€" * 80, "gsm7", 160, 1),  # extension characters cost two septets
        ("a" * 159 + "[", "gsm7", 161, 2),
        # 152 septets then an escape pair: the pair may not be split, so it opens the second segment.
        ("a" * 152 + "{" + "a" * 10, "gsm7", 164, 2),
        ("a" * 152 + "{" + "a" * 152, "gsm7", 306, 3),
        ("é" * 70 + "ñ", "gsm7", 71, 1),  # é and ñ are in the basic set
        ("ā" * 70, "ucs2", 70, 1),
        ("ā" * 71, "ucs2", 71, 2),
        ("ā" * 134, "ucs2", 134, 2),
        ("ā" * 135, "ucs2", 135, 3),
        ("🌶" * 35, "ucs2", 70, 1),  # a surrogate pair is two units
        ("ā" * 66 + "🌶" + "ā", "ucs2", 69, 1),
        ("ā" * 66 + "🌶" + "ā" * 5, "ucs2", 73, 2),
    ],
)
def test_it_counts_segments_as_the_network_bills_them(text, encoding, units, count):
    assert gsm.sms_segments(text) == gsm.Segments(encoding, units, count)


def test_a_pair_that_would_straddle_two_segments_moves_whole():
    # 66 units then a surrogate pair (67, 68): the pair starts segment two; then 67 more fill segment two exactly.
    text = "ā" * 66 + "🌶" + "ā" * 65
    assert gsm.sms_segments(text).count == 2
    assert gsm.sms_segments(text + "ā").count == 3


# An independent optimum: the fewest parts any in-order split of the items into whole parts can take.


def _render(head, group, i, n, footer=""):
    text = "; ".join(group) + ("." if i == n else ";")
    text = f"{head} {text}" if i == 1 else text
    text = f"{text} {footer}" if i == n and footer else text
    return (f"({i}/{n}) " if n > 1 else "") + text


def _fewest_parts(head, items, footer=""):
    """Brute force over the number of parts n and every split point (dynamic programming): the smallest n for which
    some split into n parts, each rendered with its real number, fits one SMS each."""
    for n in range(1, len(items) + 1):
        # reach[j] = the part numbers k such that items[:j] can fill parts 1..k exactly
        reach = [set() for _ in range(len(items) + 1)]
        reach[0].add(0)
        for j in range(1, len(items) + 1):
            for i in range(j):
                for k in reach[i]:
                    if k + 1 > n:
                        continue
                    last = j == len(items)
                    if last and k + 1 != n:
                        continue
                    part = _render(head, items[i:j], k + 1, n, footer if last else "")
                    if len(part) <= gsm.SMS_LIMIT:  # transliterated text: one septet per character
                        reach[j].add(k + 1)
        if n in reach[len(items)]:
            return n
    return None


SHORT_NAMES = ["Karet", "TBS", "Kopi", "Kopi bj", "Padi", "Kayu manis", "Pinang", "Cabai", "Jagung", "Kakao"]
row = st.fixed_dictionaries(
    {
        "short": st.one_of(st.sampled_from(SHORT_NAMES), st.text(min_size=1, max_size=12)),
        "farm_gate": st.one_of(st.none(), st.integers(100, 999_999)),
        "organised": st.one_of(st.none(), st.integers(100, 999_999)),
        "market": st.one_of(st.none(), st.integers(100, 99_999)),
        "change_pct": st.one_of(st.none(), st.floats(-95, 400, allow_nan=False)),
    }
).filter(lambda r: r["farm_gate"] or r["organised"] or r["market"])


@settings(max_examples=80, deadline=None)
@given(st.lists(row, min_size=1, max_size=14), st.booleans())
def test_any_price_set_packs_into_the_fewest_whole_parts(rows, stop_by_reply):
    # given a bulletin's numbers (the footer offers "reply STOP" when the gateway's inbound reaches Berdaya)
    data = {"week_start": "2026-11-30", "rows": {f"c{i}": {"name": r["short"], **r} for i, r in enumerate(rows)}}
    from django.test import override_settings

    from berdaya.core.conf import conf

    extra = {"SMS_CALLBACK_SECRET": "x" if stop_by_reply else ""}
    with override_settings(BERDAYA={**_berdaya(), **extra}):
        assert conf().sms_callback_secret == extra["SMS_CALLBACK_SECRET"]
        pieces = [bulletin_sms_pieces(data, compact=compact) for compact in (False, True)]
        # when
        parts = bulletin_sms(data)
    pieces = [(gsm._clean(h), [gsm._clean(i) for i in its], [gsm._clean(f) for f in fs]) for h, its, fs in pieces]
    fewest = [_fewest_parts(h, its) for h, its, _fs in pieces]
    # the parts are as few as any split into whole items can give, in either wording (the full one when equal)
    assert len(parts) == min(fewest)
    head, items, footers = pieces[0] if fewest[0] == len(parts) else pieces[1]
    # then every part is one GSM-7 SMS
    assert parts
    for part in parts:
        assert gsm.is_gsm7(part) and len(part) <= gsm.SMS_LIMIT
        assert gsm.sms_segments(part).count == 1
    # no item is split: the parts are exactly consecutive groups of whole items, each group at least one item (so
    # the last part never holds the footer alone)
    footer = next((f for f in footers if parts[-1].endswith(f". {f}")), "")
    start = 0
    for number, part in enumerate(parts, 1):
        ends = [
            j
            for j in range(start + 1, len(items) + 1)
            if _render(head, items[start:j], number, len(parts), footer) == part
        ]
        assert ends, (part, items[start:])
        start = ends[-1]
    assert start == len(items)
    # the preferred footer that fits without a part of its own is used (else the next, else none)
    fitting = [f for f in footers if _fewest_parts(head, items, f) == len(parts)]
    if fitting:
        assert parts[-1].endswith(f". {fitting[0]}")
    else:
        assert parts[-1].endswith(".")


def _berdaya():
    from django.conf import settings as dj

    return dj.BERDAYA


def test_the_157_160_16_split_of_the_old_composer_is_gone():
    # A bulletin whose last words used to spill into a third message of their own.
    names = ["Karet", "TBS", "Kopi", "Pinang", "Kayu manis", "Jagung"]
    data = {
        "week_start": "2026-11-30",
        "rows": {
            f"c{i}": {
                "name": n,
                "short": n,
                "farm_gate": 12_345 + i,
                "organised": 13_000 + i,
                "market": None,
                "change_pct": 12.0,
            }
            for i, n in enumerate(names)
        },
    }
    old = gsm.split_sms(
        "Harga Merangin 30/11 Rp/kg: "
        + "; ".join(f"{n} 12.{345 + i} (UPPB/pabrik 13.00{i}) naik 12%" for i, n in enumerate(names))
        + ". Stop: hub. pendamping"
    )
    parts = bulletin_sms(data)
    assert [len(p) for p in old] == [157, 160, 16]  # the case: a third SMS for the last words
    assert len(parts) == 2
    assert parts[-1].endswith("Jagung 12.350 (UPPB 13.005) +12%. Stop: hub. pendamping")
    assert all(len(p) <= 160 for p in parts)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="āβжक🌶 abc", min_size=1, max_size=30), min_size=1, max_size=10))
def test_unicode_items_without_transliteration_fit_ucs2_parts(items):
    parts = gsm.pack_sms("Harga:", items, ["STOP=berhenti"], transliterate=False)
    items = [" ".join(i.split()) for i in items if i.split()]
    if not items:
        assert parts == []
        return
    for part in parts:
        seg = gsm.sms_segments(part)
        assert seg.count == 1 and seg.units <= (70 if seg.encoding == "ucs2" else 160)
    joined = " ".join(parts)
    for item in items:
        assert item in joined
