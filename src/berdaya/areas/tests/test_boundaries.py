"""`berdaya areas load --regency X --boundaries FILE.geojson`: outlines and village centre points for any regency."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from berdaya.areas.boundaries import _inside, centre_point, normalise_code
from berdaya.areas.models import Village
from berdaya.areas.services import areas_load, boundaries_geojson

# A "C": its area centroid lies in the gap, outside the village.
CRESCENT = {
    "type": "Polygon",
    "coordinates": [[[0, 0], [3, 0], [3, 1], [1, 1], [1, 2], [3, 2], [3, 3], [0, 3], [0, 0]]],
}


def test_the_centre_point_lies_inside_even_for_a_crescent():
    lon, lat = centre_point(CRESCENT)
    assert _inside(lon, lat, CRESCENT["coordinates"])
    square = {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]}
    assert centre_point(square) == pytest.approx((1, 1))


def test_codes_are_read_with_or_without_dots():
    assert normalise_code("1501012001") == "15.01.01.2001"
    assert normalise_code(150101) == "15.01.01"
    assert normalise_code("15.01.01.2001") == "15.01.01.2001"
    assert normalise_code("15.01") is None


@pytest.fixture
def kerinci_loaded(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    areas_load(regency_codes=["15.01"])


def test_it_loads_outlines_and_centre_points_for_another_regency(kerinci_loaded, tmp_path):
    code = Village.objects.filter(code__startswith="15.01.").order_by("code").values_list("code", flat=True)[0]
    shifted = {"type": "Polygon", "coordinates": [[[101 + x / 10, -2 + y / 10] for x, y in CRESCENT["coordinates"][0]]]}
    other = {"type": "Polygon", "coordinates": [[[103, -1], [103.1, -1], [103.1, -0.9], [103, -1]]]}
    path = tmp_path / "b.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"KODE": code.replace(".", ""), "NAMA": "X"},
                        "geometry": shifted,
                    },
                    {"type": "Feature", "properties": {"kode": "1502012001"}, "geometry": other},
                    {"type": "Feature", "properties": {"kode": "tanpa kode"}, "geometry": other},
                ],
            }
        ),
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("areas", "load", "--regency", "15.01", "--boundaries", str(path), stdout=out)
    village = Village.objects.get(code=code)
    assert _inside(float(village.longitude), float(village.latitude), shifted["coordinates"])
    assert "1 fitur dilewati" in out.getvalue()
    districts = boundaries_geojson("districts", "15.01")["features"]
    assert [f["properties"]["code"] for f in districts] == [code[:8]]
    assert districts[0]["properties"]["name"] != code[:8]  # named from the official list
    # loading the areas again keeps the centre points
    areas_load(regency_codes=["15.01"])
    assert Village.objects.get(code=code).latitude == village.latitude


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "bukan GeoJSON yang sah"),
        ('{"type": "Feature"}', "bukan GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": []}', "Tidak ada batas kecamatan atau desa/kelurahan"),
    ],
)
def test_a_bad_file_is_refused_with_a_reason_and_changes_nothing(kerinci_loaded, tmp_path, content, message):
    path = tmp_path / "bad.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("areas", "load", "--regency", "15.01", "--boundaries", str(path), stdout=io.StringIO())
    assert not Village.objects.filter(code__startswith="15.01.", latitude__isnull=False).exists()
    assert boundaries_geojson("villages", "15.01") is None


def test_boundaries_need_exactly_one_regency(kerinci_loaded, tmp_path):
    with pytest.raises(CommandError, match="tepat satu --regency"):
        call_command("areas", "load", "--regency", "15.01", "--regency", "15.02", "--boundaries", str(tmp_path / "x"))
