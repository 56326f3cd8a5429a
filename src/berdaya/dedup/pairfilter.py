# SQL here is assembled from level conditions matched against fixed patterns (column names, a decimal literal).
# ruff: noqa: S608
"""The likely-duplicate check's name filter (incremental._related) answered in Python where it can be answered
exactly, so that most checks need no DuckDB statement at all.

The filter keeps a pair (a new record, a candidate) when one of the model's name levels other than the last ("Nama
berbeda") or one of the identifying levels holds for it, each level's SQL condition taken as Splink's CASE takes
it (NULL does not choose a level). Here each condition is read as a disjunction of atoms of four shapes, the shapes
linkage.FIELDS writes: `x_l IS NULL`, `x_l = y_r`, `list_has_all(x_l, y_r)` and `jaro_winkler_similarity(x_l, y_r)
>= 0.8`, over prepared columns computed in Python as linkage.prepare computes them (the names from names.name_parts,
as incremental._raw hands them to prepare). An atom is decided in Python when that is exact: the equalities, the
NULL tests and list_has_all, and a Jaro-Winkler similarity whose upper bound (`jw_at_most`) is below the threshold.
The similarities that could reach their threshold go to DuckDB in one small statement, DuckDB's own function on the
same values. A condition of any other shape, a column not computed here or a value not reproduced exactly (an
`other_id`, which no registration carries) leaves the whole filter to incremental._related's statement (None).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import duckdb

from . import linkage
from .names import name_parts

_COLUMN = r"([a-z_]+)_([lr])"
_NUMBER = r"(0\.[0-9]+|1(?:\.0+)?)"
_ATOMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("null", re.compile(rf"{_COLUMN} IS NULL")),
    ("eq", re.compile(rf"{_COLUMN} = {_COLUMN}")),
    ("all", re.compile(rf"list_has_all\({_COLUMN}, {_COLUMN}\)")),
    ("jw", re.compile(rf"jaro_winkler_similarity\({_COLUMN}, {_COLUMN}\) >= {_NUMBER}")),
)
# Atom: (kind, ((column, side), ...), threshold literal or "").
Atom = tuple[str, tuple[tuple[str, str], ...], str]
_UNKNOWN = object()  # a value this module does not reproduce exactly
_UNDECIDED = object()  # a similarity left to DuckDB


def _wrapped(sql: str) -> bool:
    """`sql` is one parenthesised expression: its first parenthesis closes at its end."""
    if not (sql.startswith("(") and sql.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(sql):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            return i == len(sql) - 1
    return False


def _split_or(sql: str) -> list[str]:
    """The terms of `sql` joined by OR outside parentheses."""
    terms, depth, start, i = [], 0, 0, 0
    while i < len(sql):
        ch = sql[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and sql.startswith(" OR ", i):
            terms.append(sql[start:i])
            i += 4
            start = i
            continue
        i += 1
    terms.append(sql[start:])
    return terms


def _atoms(sql: str) -> list[Atom] | None:
    """`sql` as a disjunction of atoms, or None when it is not one (an AND, a function not read here)."""
    sql = sql.strip()
    while _wrapped(sql):
        sql = sql[1:-1].strip()
    terms = _split_or(sql)
    if len(terms) > 1:
        return _joined(terms)
    for kind, pattern in _ATOMS:
        m = pattern.fullmatch(sql)
        if m is not None:
            groups = m.groups()
            columns = tuple((groups[i], groups[i + 1]) for i in range(0, len(groups) - (kind == "jw"), 2))
            if any(column not in _DERIVED for column, _side in columns):
                return None
            return [(kind, columns, groups[-1] if kind == "jw" else "")]
    return None


@lru_cache(maxsize=16)
def plan(conditions: tuple[str, ...]) -> tuple[Atom, ...] | None:
    """The atoms of the filter's conditions (any one that holds keeps a pair), or None when one is not read here."""
    atoms = _joined(conditions)
    return tuple(atoms) if atoms is not None else None


def _joined(parts: Sequence[str]) -> list[Atom] | None:
    """The atoms of a disjunction of `parts`, or None when one of them is not read here."""
    out: list[Atom] = []
    for part in parts:
        atoms = _atoms(part)
        if atoms is None:
            return None
        out += atoms
    return out


def _alnum(value: Any, pattern: str) -> Any:
    # linkage._prepare_parts: NULLIF(regexp_replace(NULLIF(trim(x), ''), pattern, '', 'g'), ''); trim removes only
    # what the pattern removes too, so it changes nothing here.
    return (re.sub(pattern, "", value) or None) if isinstance(value, str) else (None if value is None else _UNKNOWN)


def _sorted_or_none(given: tuple[str, ...]) -> Any:
    return " ".join(sorted(given)) or None


_AT: dict[str, int] = {name: i for i, name in enumerate(linkage.RAW_COLUMNS)}
# The prepared columns computed here, from the raw row (linkage.RAW_COLUMNS' order) and its given names: each as
# linkage._prepare_parts writes it (the names' words are A-Z only, so Python's and DuckDB's orders agree).
_DERIVED: dict[str, Callable[[Sequence[Any], tuple[str, ...]], Any]] = {
    "name_text": lambda row, given: " ".join(given) or None,
    "name_sorted": lambda row, given: _sorted_or_none(given),
    "name_words": lambda row, given: tuple(sorted(given)) if given else None,
    "first_name": lambda row, given: given[0] if given else None,
    "last_name": lambda row, given: given[-1] if len(given) > 1 else None,
    "nik": lambda row, given: _alnum(row[_AT["nik"]], "[^0-9A-Za-z]"),
    "kk_number": lambda row, given: _alnum(row[_AT["kk_number"]], "[^0-9A-Za-z]"),
    "phone": lambda row, given: _alnum(row[_AT["phone"]], "[^0-9]"),
    # upper() is not reproduced for every alphabet: only an absent other id is read here.
    "other_id": lambda row, given: None if row[_AT["other_id"]] is None else _UNKNOWN,
}


def jw_at_most(a: str, b: str) -> float:
    """An upper bound of DuckDB's jaro_winkler_similarity(a, b) (prefix weight 0.1, a common prefix of at most 4
    characters) for ASCII `a` and `b`, whatever the matching window: the Jaro similarity (m/|a| + m/|b| + (m-t)/m)/3
    is at most (c/|a| + c/|b| + 1)/3 with c the characters the two strings share (as multisets), since the m
    matching characters pair equal characters one to one; and Winkler's s + p·0.1·(1-s) grows with s."""
    if not a or not b:
        return 1.0  # not bounded here: left to DuckDB
    common = sum((Counter(a) & Counter(b)).values())
    jaro = (common / len(a) + common / len(b) + 1) / 3
    prefix = 0
    while prefix < min(4, len(a), len(b)) and a[prefix] == b[prefix]:
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


# Floating point: DuckDB's sum of three quotients may exceed the exact bound by a few units in the last place.
_MARGIN = 1e-9


def related(
    con: duckdb.DuckDBPyConnection,
    atoms: tuple[Atom, ...],
    pairs: Sequence[tuple[int, int]],
    rows: Sequence[Sequence[Any]],
) -> set[tuple[int, int]] | None:
    """The pairs of `pairs` (unique ids of `rows`, raw rows in linkage.RAW_COLUMNS' order) for which one of `atoms`
    holds, or None when one cannot be decided exactly here (the caller runs the filter's statement)."""
    columns = {column for _kind, cols, _t in atoms for column, _side in cols}
    values: dict[int, dict[str, Any]] = {}
    uid, full = _AT["unique_id"], _AT["full_name"]
    for row in rows:
        given = name_parts(row[full]).given
        values[row[uid]] = {column: _DERIVED[column](row, given) for column in columns}
    kept: set[tuple[int, int]] = set()
    later: list[tuple[int, str, str, str]] = []  # (pair index, a, b, threshold)
    for index, (left, right) in enumerate(pairs):
        side = {"l": values[left], "r": values[right]}
        waiting: list[tuple[int, str, str, str]] = []
        for kind, cols, threshold in atoms:
            args = [side[s][column] for column, s in cols]
            if any(a is _UNKNOWN for a in args):
                return None
            if kind == "null":
                held = args[0] is None
            elif any(a is None for a in args):
                held = False  # NULL: the level is not chosen
            elif kind == "eq":
                held = args[0] == args[1]
            elif kind == "all":
                held = set(args[1]) <= set(args[0])
            else:
                a, b = args
                if not (a.isascii() and b.isascii()) or jw_at_most(a, b) >= float(threshold) - _MARGIN:
                    waiting.append((index, a, b, threshold))
                held = False
            if held:
                kept.add((left, right))
                break
        else:
            later += waiting
    if later:
        thresholds = sorted({t for _i, _a, _b, t in later})
        cases = " ".join(f"WHEN {k} THEN jaro_winkler_similarity(a, b) >= {t}" for k, t in enumerate(thresholds))
        at = {t: k for k, t in enumerate(thresholds)}
        found = con.execute(
            "SELECT DISTINCT i FROM (SELECT unnest(?::BIGINT[]) AS i, unnest(?::VARCHAR[]) AS a, "
            f"unnest(?::VARCHAR[]) AS b, unnest(?::INTEGER[]) AS k) WHERE CASE k {cases} END",
            [[i for i, *_r in later], [a for _i, a, _b, _t in later], [b for *_r, b, _t in later],
             [at[t] for *_r, t in later]],
        ).fetchall()  # fmt: skip
        kept |= {pairs[int(i)] for (i,) in found}
    return kept
