"""Querysets compiled once and run with other values (core.compiled): the same rows as the queryset built anew."""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from berdaya.areas.models import District, Province, Regency
from berdaya.core.compiled import CompiledQuery, ValuesByIds
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


# On PostgreSQL the compiled statements run prepared: parsed and planned once per connection (core.compiled, 3).

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def people_rows(ids):
    # A string, a date (today's) and integers among the parameters; a date, a datetime, a decimal among the columns.
    return (
        Person.objects.filter(pk__in=ids, birth_date__lte=timezone.localdate())
        .exclude(full_name="Tidak Ada")
        .values(
            "pk", "full_name", "birth_date", "created_at", "household__land_operated_ha", "household__village__name"
        )
    )


@pytest.fixture
def people(db):
    f.make_areas()
    households = [f.household(land_ha="1.25"), f.household(village="15.02.02.1010")]
    return [f.person(hh=households[i % 2], name=f"Warga {i}") for i in range(12)]


@on_postgresql
def test_postgresql_runs_a_values_by_ids_statement_prepared_with_the_orms_rows(people):
    by_ids = ValuesByIds(people_rows)
    pages = [[p.pk for p in people[:7]], [p.pk for p in people[3:]], [people[5].pk], [people[0].pk, -1]]
    for ids in pages:
        with CaptureQueriesContext(connection) as queries:
            rows = by_ids.rows(ids)
        assert sorted(rows, key=lambda r: r["pk"]) == list(people_rows(ids).order_by("pk"))
        assert len(queries.captured_queries) == 1  # counted as Django counts its own (assertNumQueries)
        assert re.search(rf"IN \({ids[0]}[,)]", queries.captured_queries[0]["sql"])  # logged with its values
    assert [s for s in prepared_statements() if '"registry_person"."id" IN ($' in s and "$10" in s]
    assert all(compiled.prepared for compiled in by_ids._compiled.values())


@on_postgresql
def test_postgresql_runs_a_compiled_query_prepared_with_its_related_models(regencies):
    read = CompiledQuery(
        lambda regency: District.objects.filter(regency=regency).select_related("regency__province").order_by("-code"),
        regency=str,
    )
    for code in ["10.01", "20.02", "30.01", "10.01"]:
        with CaptureQueriesContext(connection) as queries:
            names = shown(read(regency=code))
        assert names == shown(read.build(regency=code)) and len(names) == 3
        assert len(queries.captured_queries) == 1
    assert read._shapes[connection.alias].prepared
    assert [s for s in prepared_statements() if '"areas_district"."regency_id" = $1' in s]


def refused_by_ids():
    # pg_typeof of a parameter: PostgreSQL cannot type it when bound on the server; written in the SQL it is 'unknown'.
    return ValuesByIds(
        lambda ids: (
            Person.objects.filter(pk__in=ids).annotate(kind=RawSQL("pg_typeof(%s)::text", ("x",))).values("kind")
        )
    )


@on_postgresql
def test_a_statement_postgresql_refuses_prepared_runs_as_django_runs_it_and_the_transaction_goes_on(people):
    by_ids = refused_by_ids()
    with transaction.atomic():
        Person.objects.filter(pk=people[0].pk).update(full_name="Diubah")
        assert by_ids.rows([people[0].pk]) == [{"kind": "unknown"}]
        # The transaction was not aborted by the refused statement, nor was it rolled back.
        assert Person.objects.get(pk=people[0].pk).full_name == "Diubah"
    assert [c.prepared for c in by_ids._compiled.values()] == [False]
    with CaptureQueriesContext(connection) as queries:
        assert by_ids.rows([people[1].pk]) == [{"kind": "unknown"}]  # from now on straight as Django runs it
    assert len(queries.captured_queries) == 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_and_after_the_connection_is_closed(people):
    refused = refused_by_ids()
    assert refused.rows([people[0].pk]) == [{"kind": "unknown"}]  # autocommit: no savepoint needed
    by_ids = ValuesByIds(people_rows)
    ids = [p.pk for p in people[:5]]
    by_ids.rows(ids)
    connection.close()  # the connection's prepared statements go with it
    assert sorted(by_ids.rows(ids), key=lambda r: r["pk"]) == list(people_rows(ids).order_by("pk"))
    assert [s for s in prepared_statements() if '"registry_person"."id" IN ($' in s]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite")
def test_sqlite_runs_the_statements_as_before(people):
    by_ids = ValuesByIds(people_rows)
    ids = [p.pk for p in people[:7]]
    assert sorted(by_ids.rows(ids), key=lambda r: r["pk"]) == list(people_rows(ids).order_by("pk"))
    assert [c.prepared for c in by_ids._compiled.values()] == [None]  # never tried


def test_the_rows_converters_are_found_once_per_connection_and_convert_every_run(people, monkeypatch):
    from django.db.models.sql.compiler import SQLCompiler

    read = CompiledQuery(
        lambda pk: Person.objects.filter(pk=pk).select_related("household__village").order_by("pk"), pk=int
    )
    values = CompiledQuery(
        lambda household: (
            Person.objects.filter(household=household)
            .values_list("pk", "birth_date", "created_at", "household__land_operated_ha")
            .order_by("pk")
        ),
        household=int,
    )
    found = []
    real = SQLCompiler.get_converters
    monkeypatch.setattr(SQLCompiler, "get_converters", lambda self, exprs: found.append(1) or real(self, exprs))

    def fields(person):
        return [(f.attname, getattr(person, f.attname)) for f in person._meta.concrete_fields]

    for person in [*people[:4], *people[:4]]:
        [row] = read(pk=person.pk)
        [built] = read.build(pk=person.pk)
        assert fields(row) == fields(built)
        assert fields(row.household) == fields(built.household) and row.household.land_operated_ha is not None
        assert fields(row.household.village) == fields(built.household.village)
        assert values(household=person.household_id) == list(values.build(household=person.household_id))
    # Once for each compiled query, plus the ORM's own for each query built to compare with (16 of them).
    assert len(found) == 2 + 16
