"""The name rule: what it does to Indonesian names, and that its Python and DuckDB forms agree on any text."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from berdaya.dedup.names import canonical_words, install_macros, name_parts


@pytest.fixture(scope="module")
def duck():
    con = duckdb.connect()
    install_macros(con)
    yield con
    con.close()


def sql_parts(con, text):
    row = con.execute("SELECT bd_name_parts(?)", [text]).fetchall()[0][0]
    return tuple(row["given"]), tuple(row["parent"])


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("H. Moch. Wawan, S.Pd.", "Muhammad Hermawan"),
        ("Hermawan Muhamad", "Mohammad Hermawan"),  # name order
        ("Yoesoef", "Yusuf"),
        ("Djoko Soetjipto", "Joko Sucipto"),
        ("Hj. St. Aminah", "Siti Aminah"),
        ("Drs. Iwan Setiadi, M.Si.", "Irwan Setiadi"),
        ("Achmad Fauzi", "Ahmad Fauzi"),
        ("Abd. Rahman", "Abdul Rahman"),
    ],
)
def test_it_gives_variants_one_key(a, b):
    assert name_parts(a).sorted_key == name_parts(b).sorted_key


def test_it_keeps_different_names_apart():
    assert name_parts("Siti Aminah").sorted_key != name_parts("Siti Aisyah").sorted_key
    assert name_parts("Budi").sorted_key != name_parts("Budiman").sorted_key


def test_bin_and_binti_give_the_fathers_name_apart():
    parts = name_parts("Ahmad bin Djamaluddin")
    assert parts.given == ("AHMAD",)
    assert parts.parent == ("JAMALUDIN",)
    assert name_parts("Aminah binti Yusuf").parent_text == "YUSUF"


def test_single_names_and_empty_input():
    assert name_parts("Sukarno").given == ("SUKARNO",)
    assert name_parts("Sukarno").last == ""
    assert name_parts("").given == ()
    assert name_parts(None).given == ()
    # A leading title alone is kept as the name rather than dropped to nothing.
    assert name_parts("H").given == ("H",)


@pytest.mark.parametrize(
    "text",
    ["H. Moch. Wawan, S.Pd.", "Hj. St. Aminah binti Djoko", "BIN Ali", "Dr. Ir. Budi Santoso M.Si", "Ma'ruf", "ST"],
)
def test_sql_form_agrees_on_examples(duck, text):
    parts = name_parts(text)
    assert sql_parts(duck, text) == (parts.given, parts.parent)


# Names are drawn from pieces that exercise every step (titles, degrees, bin, old spellings, doubled letters,
# nicknames), glued with any separators, plus arbitrary text.
PIECES = st.sampled_from(
    [
        "H.", "Hj.", "Drs", "dr.", "Dr.", "Ir.", "S.Pd.", "S.E.", "A.Md.", "St.", "ST", "bin", "BINTI", "bt", "M.",
        "Moch.", "Muhamad", "Mohammad", "Yoesoef", "Djoko", "Tjahjo", "Soedjono", "Wawan", "Iwan", "Yanti", "Aminah",
        "Achmad", "Khairul", "Syamsuddin", "Siti", "Nur", "Abd.", "Ma'ruf", "allah", "o", "e", "",
    ]
)  # fmt: skip
SEPARATORS = st.sampled_from([" ", "  ", ".", ". ", ",", ", ", "-", "'", "\t", "é", "1"])


@st.composite
def indonesian_names(draw):
    pieces = draw(st.lists(st.tuples(PIECES, SEPARATORS), max_size=7))
    return "".join(p + s for p, s in pieces)


@settings(max_examples=120, deadline=None)
@given(
    text=st.one_of(
        indonesian_names(),
        # Any text a UTF-8 file or database can hold: no NUL, no lone surrogates (which no encoding can carry).
        st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=40),
    )
)
def test_python_and_sql_forms_agree(duck, text):
    parts = name_parts(text)
    assert sql_parts(duck, text) == (parts.given, parts.parent)
    # A parent's name is taken whole (bin/binti kept as a word): the incremental check's Python form of it too.
    whole = duck.execute("SELECT bd_canon_words(bd_name_words(?))", [text]).fetchall()[0][0]
    assert tuple(whole) == canonical_words(text)
