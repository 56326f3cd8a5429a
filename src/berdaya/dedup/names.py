"""Indonesian names, made comparable: ONE rule, written once as data and applied two ways.

`name_parts(text)` is the rule in Python (the incremental check, tests, the shell); `name_parts_sql(expr)` is the
same rule as a DuckDB expression (the pipeline normalises a million names set-based). Both are built from the tables
below; tests/test_names.py proves with hypothesis that they agree on any text.

The steps, in order:
1. Keep ASCII letters, dots and commas (apostrophes are dropped: Ma'ruf = Maruf), upper-case, and cut at the first
   comma: what follows a comma is academic degrees ("Budi Santoso, S.Pd., M.Si.").
2. Drop degree and title words written anywhere (S.Pd., S.E., A.Md., Drs., Dra., Ir., Hj., Prof., K.H.), compared
   without their dots; then split the rest on spaces and dots ("M.Yusuf" is M + YUSUF).
3. A leading H. (haji) or dr. is a title, not a name, unless it is the only word; "St." first is Siti (St. Aminah),
   elsewhere a degree (S.T.).
4. bin/binti (bt, bn) splits the name: the words after it are the father's name, kept apart as a parent's-name
   signal.
5. Each word is spelled one way: the pre-1972 spellings (oe→u, dj→j, tj→c, sj→sy) and common variants (ch/kh→h,
   dh→d, th→t, ph/v→f, sy→s), doubled letters made single; then the variant table (Muhamad, Mohammad, Mochammad,
   Moh., M. → one MUHAMAD; Abd. → ABDUL; Achmad → AHMAD) and the nickname table (data/nicknames.csv: Wawan →
   Hermawan, Iwan → Irwan, Yanti → Suryanti...) give the canonical word.

`NameParts.sorted_key` (the words sorted) makes "Hermawan Muhammad" and "Moh. Wawan" the same key, whatever their
order; a single name is a key of one word.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("data")

# Step 2: compared without dots, anywhere in the name (before step 2 splits words on dots).
DEGREES: tuple[str, ...] = (
    "SPD", "SPDI", "SE", "SH", "SHI", "SAG", "SKM", "SSOS", "SKOM", "SIP", "SP", "SPT", "SST", "SSTP", "SKEP",
    "SKED", "SKG", "SFARM", "SSI", "SS", "SHUT", "STP", "SPSI", "SPI", "SAK", "SKEB", "SGZ", "MPD", "MSI", "MM",
    "MH", "MT", "MAG", "MKES", "MSC", "MA", "PHD", "AMD", "AMDKEB", "AMDKEP", "AMKEB", "AMKEP", "AMK", "AMA",
    "AMAPD", "DRG", "DRS", "DRA", "IR", "PROF", "HJ", "KH",
)  # fmt: skip
# Step 2, after splitting on dots: title words that are never names.
TITLE_WORDS: tuple[str, ...] = ("HJ", "DRS", "DRA", "IR", "PROF", "KH", "HAJI", "HAJAH", "HAJJAH", "DRG")
LEADING_TITLES: tuple[str, ...] = ("H", "DR")
BIN_WORDS: tuple[str, ...] = ("BIN", "BINTI", "BT", "BN", "BINTE")
# Step 5: applied in this order to every word.
SPELLINGS: tuple[tuple[str, str], ...] = (
    ("OE", "U"), ("DJ", "J"), ("TJ", "C"), ("SJ", "SY"), ("CH", "H"), ("KH", "H"), ("DH", "D"), ("TH", "T"),
    ("PH", "F"), ("V", "F"), ("SY", "S"),
)  # fmt: skip
VARIANTS: dict[str, tuple[str, ...]] = {
    "MUHAMMAD": (
        "MUHAMAD", "MOHAMMAD", "MOHAMAD", "MOHAMED", "MOHAMMED", "MUHAMMED", "MUHAMED", "MOCHAMMAD", "MOCHAMAD",
        "MOKHAMAD", "MUCHAMMAD", "MUCHAMAD", "MOH", "MUH", "M", "MHD", "MUHD", "MOCH", "MUHAMMAT", "MAMAD", "MHMD",
    ),
    "ABDUL": ("ABD", "ABDOEL", "ABDOL"),
    "AHMAD": ("ACHMAD", "AKHMAD", "ACHMED", "AHMED", "AMAD"),
    "NUR": ("NOR", "NOER", "NURUL"),
    "SITI": ("SITTI", "SIETI"),
    "SRI": ("SERI",),
}  # fmt: skip


@dataclass(frozen=True)
class NameParts:
    """A name as canonical words, and the parent's name written after bin/binti."""

    given: tuple[str, ...]
    parent: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return " ".join(self.given)

    @property
    def sorted_key(self) -> str:
        return " ".join(sorted(self.given))

    @property
    def first(self) -> str:
        return self.given[0] if self.given else ""

    @property
    def last(self) -> str:
        """The last word of a name of two or more words ("" for a single name)."""
        return self.given[-1] if len(self.given) > 1 else ""

    @property
    def parent_text(self) -> str:
        return " ".join(self.parent)


def spell(word: str) -> str:
    """Step 5 without the tables: old and variant spellings, doubled letters made single."""
    for old, new in SPELLINGS:
        word = word.replace(old, new)
    return re.sub(r"([A-Z])\1+", r"\1", word)


@cache
def word_map() -> dict[str, str]:
    """Variant and nickname → canonical word, both sides spelled by `spell` (so the table is read as written)."""
    mapping: dict[str, str] = {}
    with (DATA / "nicknames.csv").open(encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        for row in rows:
            short, full = spell(_clean(row["nickname"])), spell(_clean(row["full_name"]))
            if short and full and short != full:
                mapping[short] = full
    for canonical, variants in VARIANTS.items():
        target = spell(canonical)
        for variant in (canonical, *variants):
            if spell(variant) != target:
                mapping[spell(variant)] = target
    return mapping


def _clean(text: str) -> str:
    return re.sub(r"[^A-Z]", "", text.upper())


def _words(text: str | None) -> list[str]:
    """Steps 1-3: the name's words, titles and degrees dropped."""
    s = re.sub(r"['`]", "", text or "")
    s = re.sub(r"[^A-Za-z.,]", " ", s).upper().split(",")[0]
    words = [w for w in s.split(" ") if w != "" and w.replace(".", "") not in DEGREES]
    words = [w for w in re.split(r"[ .]+", " ".join(words)) if w != ""]
    words = [w for w in words if w not in TITLE_WORDS]
    if len(words) > 1 and words[0] in LEADING_TITLES:
        words = words[1:]
    words = [("SITI" if i == 1 else "") if w == "ST" else w for i, w in enumerate(words, 1)]
    return [w for w in words if w != ""]


def _canon(words: list[str]) -> tuple[str, ...]:
    table = word_map()
    return tuple(table.get(w, w) for w in map(spell, words))


@lru_cache(maxsize=4096)
def name_parts(text: str | None) -> NameParts:
    """The rule in Python (see the module docstring). Kept for the last few thousand names: the likely-duplicate
    check reads a candidate's name in its filter and again when the candidate is scored."""
    words = _words(text)
    cut = next((i for i, w in enumerate(words) if w in BIN_WORDS), None)
    given, parent = (words, []) if cut is None else (words[:cut], words[cut + 1 :])
    return NameParts(_canon(given), _canon(parent))


def canonical_words(text: str | None) -> tuple[str, ...]:
    """Every word of a name made canonical, bin/binti included (a parent's name as written: bd_canon_words of
    bd_name_words in SQL)."""
    return _canon(_words(text))


# --- the same rule in DuckDB SQL -------------------------------------------------------------------------------------
def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]"


def _spell_sql(expr: str) -> str:
    for old, new in SPELLINGS:
        expr = f"replace({expr}, {_lit(old)}, {_lit(new)})"
    return expr


# Doubled letters made single (words hold only A-Z here): keep a letter unless it repeats the one before.
SINGLE_LETTERS_SQL = (
    "array_to_string(list_filter(string_split(u, ''), lambda ch, i: i = 1 OR ch <> substr(u, i - 1, 1)), '')"
)


def _word_map_sql() -> str:
    return "MAP {" + ", ".join(f"{_lit(k)}: {_lit(v)}" for k, v in sorted(word_map().items())) + "}"


def name_macros_sql() -> str:
    """CREATE MACRO statements: bd_name_parts(text) → STRUCT(given VARCHAR[], parent VARCHAR[])."""
    s0 = (
        "split_part(upper(regexp_replace(regexp_replace(coalesce(s, ''), '[''`]', '', 'g'), "
        "'[^A-Za-z.,]', ' ', 'g')), ',', 1)"
    )
    p1 = f"list_filter(string_split({s0}, ' '), lambda w: w <> '' AND NOT list_contains({_list(DEGREES)}, replace(w, '.', '')))"
    p2 = (
        f"list_filter(regexp_split_to_array(array_to_string({p1}, ' '), '[ .]+'), "
        f"lambda w: w <> '' AND NOT list_contains({_list(TITLE_WORDS)}, w))"
    )
    return f"""
CREATE OR REPLACE MACRO bd_lead(w) AS
    CASE WHEN len(w) > 1 AND list_contains({_list(LEADING_TITLES)}, w[1]) THEN w[2:] ELSE w END;
CREATE OR REPLACE MACRO bd_siti(w) AS list_filter(list_transform(w, lambda x, i: CASE WHEN x = 'ST'
    THEN (CASE WHEN i = 1 THEN 'SITI' ELSE '' END) ELSE x END), lambda x: x <> '');
CREATE OR REPLACE MACRO bd_name_words(s) AS bd_siti(bd_lead({p2}));
CREATE OR REPLACE MACRO bd_spell_words(ws) AS
    list_transform(list_transform(ws, lambda t: {_spell_sql("t")}), lambda u: {SINGLE_LETTERS_SQL});
CREATE OR REPLACE MACRO bd_canon_words(ws) AS
    list_transform(bd_spell_words(ws), lambda t: coalesce({_word_map_sql()}[t], t));
CREATE OR REPLACE MACRO bd_name_split(ws, pos) AS
    CASE WHEN pos IS NULL OR pos = 0
         THEN {{'given': bd_canon_words(ws), 'parent': CAST([] AS VARCHAR[])}}
         ELSE {{'given': bd_canon_words(ws[:pos - 1]), 'parent': bd_canon_words(ws[pos + 1:])}} END;
CREATE OR REPLACE MACRO bd_bin_pos(ws) AS
    list_position(list_transform(ws, lambda x: list_contains({_list(BIN_WORDS)}, x)), true);
CREATE OR REPLACE MACRO bd_name_parts(s) AS bd_name_split(bd_name_words(s), bd_bin_pos(bd_name_words(s)));
"""


def install_macros(con) -> None:  # a duckdb connection
    """Create the name macros on a DuckDB connection (once: compiling them costs a fifth of a second)."""
    found = con.execute("SELECT 1 FROM duckdb_functions() WHERE function_name = 'bd_name_parts' LIMIT 1").fetchall()
    if not found:
        con.execute(name_macros_sql())
