"""Querysets compiled once and run with other values (core.compiled): the same rows as the queryset built anew."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from berdaya.areas.models import District, Province, Regency
from berdaya.core.compiled import CompiledQuery
from berdaya.registry.models import Person
from berdaya.testing import factories as f


@pytest.fixture
def regencies(db):
    Province.objects.bulk_create(Province(code=f"{i}0", name=f"Provinsi {i}") for i in range(1, 4))
    Regency.objects.bulk_create(
        Regency(code=f"{p}0.{r:02d}", province_id=f"{p}0", name=f"Kabupaten {p}-{r}")
        for p in range(1, 4)
        for r in (1, 2)
    )
    District.objects.bulk_create(
        District(code=f"{p}0.{r:02d}.0{d}", regency_id=f"{p}0.{r:02d}", name=f"Kecamatan {p}-{r}-{d}")
        for p in range(1, 4)
        for r in (1, 2)
        for d in (1, 2, 3)
    )


def shown(districts) -> list[tuple[str, str, str]]:
    return [(d.code, d.regency.name, d.regency.province.name) for d in districts]


def test_a_scalar_argument_gives_each_calls_rows_with_their_related_models(regencies):
    read = CompiledQuery(
        lambda regency: District.objects.filter(regency=regency).select_related("regency__province").order_by("-code"),
        regency=str,
    )
    for code in ["10.01", "20.02", "30.01", "10.02"]:
        built = list(read.build(regency=code))
        with CaptureQueriesContext(connection) as queries:
            rows = read(regency=code)
            names = shown(rows)  # the related models came with the rows: no query more
        assert names == shown(built) and len(names) == 3
        assert len(queries.captured_queries) == 1
    assert read._shapes[connection.alias] is not None  # the compiled SQL was reused, not compiled per call


def test_a_list_argument_takes_any_number_of_values(regencies):
    read = CompiledQuery(
        lambda regencies: (
            District.objects.filter(regency__in=regencies, name__startswith="Kecamatan")
            .select_related("regency")
            .order_by("code")[:5]
        ),
        regencies=[str],
    )
    for codes in (["10.01"], ["20.02", "30.01"], ["10.01", "10.02", "20.01", "30.02"], ["99.99"]):
        assert shown(read(regencies=codes)) == shown(read.build(regencies=codes))
    assert [d.code for d in read(regencies=["20.02", "30.01"])] == [
        "20.02.01",
        "20.02.02",
        "20.02.03",
        "30.01.01",
        "30.01.02",
    ]
    with CaptureQueriesContext(connection) as queries:
        assert read(regencies=[]) == []  # as Django: no query for an empty IN
    assert queries.captured_queries == []


def test_values_and_integer_keys(db):
    f.make_areas()
    first, second = f.household(), f.household()
    people = [f.person(hh=first, name="Ani"), f.person(hh=first, name="Budi"), f.person(hh=second, name="Citra")]
    read = CompiledQuery(
        lambda household: Person.objects.filter(household=household).order_by("full_name").values_list("full_name"),
        household=int,
    )
    assert read(household=first.pk) == [("Ani",), ("Budi",)]
    assert read(household=second.pk) == [("Citra",)]
    assert read(household=-5) == []
    assert {p.pk for p in people} == set(Person.objects.values_list("pk", flat=True))


def test_a_value_its_lookup_changes_is_compiled_for_each_call_and_still_right(regencies):
    # icontains wraps the value in %...%: the stand-in is not found in the parameters, so nothing is reused.
    read = CompiledQuery(lambda word: District.objects.filter(name__icontains=word).order_by("code"), word=str)
    assert [d.code for d in read(word="3-2-")] == ["30.02.01", "30.02.02", "30.02.03"]
    assert [d.code for d in read(word="1-1-1")] == ["10.01.01"]
    assert read._shapes[connection.alias] is None


def test_the_arguments_must_be_the_declared_ones(regencies):
    read = CompiledQuery(lambda regency: District.objects.filter(regency=regency), regency=str)
    with pytest.raises(TypeError):
        read(district="10.01")
    with pytest.raises(TypeError):
        CompiledQuery(lambda when: District.objects.all(), when=float)


def test_daily_querysets_build_once_a_day_per_key_and_hand_out_copies(monkeypatch, db):
    import datetime as dt

    from django.contrib.auth import get_user_model

    from berdaya.core import compiled

    built: list[str] = []

    def build(key: str):
        built.append(key)
        return get_user_model().objects.filter(username=key)

    daily = compiled.DailyQuerysets(build, most=3)
    day = dt.date(2026, 12, 7)
    monkeypatch.setattr(compiled.timezone, "localdate", lambda: day)
    first, second = daily.get("a"), daily.get("a")
    assert built == ["a"] and first is not second  # a copy each time: the kept one is never run
    first.filter(pk=1)  # a caller's further filter does not change what the next one gets
    assert str(daily.get("a").query) == str(build("a").query)
    built.clear()
    day = dt.date(2026, 12, 8)  # a new day builds anew (the rules hold today's date)
    daily.get("a")
    assert built == ["a"] and list(daily._kept) == [("a", day)]
    for key in ("b", "c", "d"):  # past `most` keys, all are dropped and built again as asked
        daily.get(key)
    assert len(daily._kept) <= 3
    daily.clear()
    built.clear()
    daily.get("a")
    assert built == ["a"]
