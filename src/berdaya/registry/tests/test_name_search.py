"""The name search's plan (filtersets._indexed_words): a common word is tested on the rows the others found, not looked
up in the trigram index, and the rows found are the same."""

from __future__ import annotations

import pytest
from django.db import connection

from berdaya.registry import filtersets
from berdaya.registry.models import Person
from berdaya.testing import factories as f

NAMES = [
    "Warga Satu",
    "Warga 123457",
    "Warga 1234",
    "Siti 50% Aminah",
    "Siti 50x Aminah",
    "Budi_Santoso",
    "Budi Santoso",
    "Back\\slash Nama",
    "Ärzte Ümit",
    "ärzte ümit",
    "Muhammad Rizki",
]
TERMS = [
    "warga 123",
    "WARGA 1234",
    "siti 50%",
    "50% aminah",
    "budi_ santoso",
    "budi_santoso",
    "back\\slash nama",
    "ärzte ümit",
    "ÄRZTE ümit",
    "rizki muhammad",
    "warga 7",
    "wa ga",
]


@pytest.fixture
def people(areas):
    return [f.person(name=name) for name in NAMES]


def found(term: str) -> set[str]:
    return set(Person.objects.filter(filtersets.search_q(term)).values_list("full_name", flat=True))


@pytest.mark.parametrize("term", TERMS)
def test_a_word_tested_outside_the_index_finds_the_same_rows(people, term, monkeypatch):
    as_before = found(term)  # every word through `icontains` (on SQLite, or PostgreSQL without statistics)
    monkeypatch.setattr(filtersets, "_indexed_words", lambda words: {words[0]})
    first_indexed = found(term)
    monkeypatch.setattr(filtersets, "_indexed_words", lambda words: set())
    none_indexed = found(term)
    assert first_indexed == none_indexed == as_before
    # The terms do find people (the comparison is not of two empty sets), but for SQLite, whose UPPER and LIKE fold
    # ASCII letters only (in both forms).
    assert as_before or term in {"warga 7", "wa ga"} or (connection.vendor == "sqlite" and not term.isascii())


def test_the_words_found_in_most_names_are_not_looked_up_in_the_index(monkeypatch):
    stats = ([("WARGA SATU", 0.05)], [f"WARGA {n}" for n in range(90)] + [f"SITI {n}" for n in range(10)], 0.95)
    monkeypatch.setattr(filtersets, "_name_statistics", lambda alias: stats)
    monkeypatch.setattr(filtersets.connections["default"], "vendor", "postgresql")
    assert filtersets._indexed_words(["Warga", "123457"]) == {"123457"}
    assert filtersets._indexed_words(["siti", "warga"]) == {"siti"}  # 9.5 % of names: not common
    assert filtersets._indexed_words(["Warga", "warga"]) == {"Warga"}  # the rarest always stays
    assert filtersets._indexed_words(["warga", "7"]) == {"warga"}  # "7" has no trigram to look up
    assert filtersets._indexed_words(["rizki", "muhammad"]) == {"rizki", "muhammad"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index and pg_stats: PostgreSQL")
def test_postgresql_plans_the_rare_word_through_the_index(areas):
    for n in range(300):
        f.person(name=f"Warga {n:04d}", with_nik=False)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_person")
    filtersets._name_stats.clear()
    try:
        assert filtersets._indexed_words(["Warga", "0123"]) == {"0123"}
        queryset = Person.objects.filter(filtersets.search_q("Warga 0123"))
        assert [p.full_name for p in queryset] == ["Warga 0123"]
        sql = str(queryset.query)
        assert "STRPOS" in sql and "LIKE UPPER(%0123%)" in sql
    finally:
        filtersets._name_stats.clear()
