"""Loading the official areas from the vendored idn-area-data CSVs."""

from __future__ import annotations

import csv
import gzip
from decimal import Decimal

import pytest

from berdaya.areas.models import District, Province, Regency, Village
from berdaya.areas.services import DATA_DIR, UnknownRegency, areas_load


def csv_codes(name: str) -> set[str]:
    opener = gzip.open if name.endswith(".gz") else open
    with opener(DATA_DIR / name, "rt", encoding="utf-8", newline="") as handle:
        return {row["code"] for row in csv.DictReader(handle)}


def counts() -> tuple[int, int, int, int]:
    return (Province.objects.count(), Regency.objects.count(), District.objects.count(), Village.objects.count())


@pytest.fixture(scope="module")
def national_districts() -> set[str]:
    return csv_codes("districts.csv")


def test_it_loads_every_district_of_indonesia_and_merangins_villages(db, national_districts):
    result = areas_load(regency_codes=["15.02"])

    assert len(national_districts) == 7285
    assert set(District.objects.values_list("code", flat=True)) == national_districts
    assert Province.objects.count() == len(csv_codes("provinces.csv")) == result.provinces
    assert Regency.objects.count() == len(csv_codes("regencies.csv")) == result.regencies
    assert District.objects.filter(regency_id="15.02").count() == 24
    villages = Village.objects.all()
    assert villages.count() == result.villages == 215
    assert all(v.code.startswith("15.02.") and v.district_id == v.code[:8] for v in villages)


def test_it_is_idempotent(db):
    areas_load(regency_codes=["15.02"])
    first = counts()
    jangkat = District.objects.get(code="15.02.01")
    jangkat.name = "Nama Salah"
    jangkat.save()

    areas_load(regency_codes=["15.02"])

    assert counts() == first
    assert District.objects.get(code="15.02.01").name == "Jangkat"  # the official name is restored


def test_it_derives_the_village_kind_from_the_code(db):
    areas_load(regency_codes=["15.02"])
    kinds = dict(Village.objects.values_list("code", "kind"))
    for code, kind in kinds.items():
        expected = Village.Kind.KELURAHAN if code.split(".")[-1][0] == "1" else Village.Kind.DESA
        assert kind == expected, code
    # domain.md: Merangin has 205 desa and 10 kelurahan.
    assert list(kinds.values()).count(Village.Kind.KELURAHAN) == 10
    assert list(kinds.values()).count(Village.Kind.DESA) == 205


def test_it_places_merangin_villages_inside_merangin(db):
    areas_load(regency_codes=["15.02"])
    # Every Merangin village has a shipped outline, so every one gets a centroid.
    assert not Village.objects.filter(latitude__isnull=True).exists()
    for village in Village.objects.all():
        # Merangin lies around 1.5-2.8° S, 101.5-102.9° E.
        assert Decimal("-3") < village.latitude < Decimal("-1"), village.code
        assert Decimal("101") < village.longitude < Decimal("103"), village.code


def test_it_loads_villages_of_several_regencies(db):
    areas_load(regency_codes=["15.02", "15.71"])
    regencies = set(Village.objects.values_list("district__regency_id", flat=True).distinct())
    assert regencies == {"15.02", "15.71"}
    expected = {code for code in csv_codes("villages.csv.gz") if code.startswith(("15.02.", "15.71."))}
    assert set(Village.objects.values_list("code", flat=True)) == expected


def test_it_refuses_an_unknown_regency_and_writes_nothing(db):
    with pytest.raises(UnknownRegency) as exc:
        areas_load(regency_codes=["15.02", "15.99"])
    assert "15.99" in str(exc.value)
    assert "15.02" not in str(exc.value)
    assert counts() == (0, 0, 0, 0)
