import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from berdaya.transparency import sections
from berdaya.transparency.sections import PublicArea, Section

from .helpers import VILLAGE, public_world


@pytest.fixture(autouse=True)
def _no_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(officer):
    return public_world(officer)


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_anyone_reads_the_village_page_without_logging_in(world):
    response = Client().get(f"/transparansi/{VILLAGE}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Pelatihan Menjahit Jangkat" in html and "Bantuan Bibit Kopi" in html
    assert len(response.content) < 50_000
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    assert "id_password" not in html


def test_small_counts_are_suppressed_and_no_person_is_shown(world):
    html = Client().get(f"/transparansi/{VILLAGE}/").content.decode()
    rows = {
        cells[0].strip(): [c.strip() for c in cells[1:]]
        for cells in (re.findall(r"<td[^>]*>(.*?)</td>", tr) for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S))
        if cells
    }
    # Columns: organiser, people reached, recipients, items, value.
    assert rows["Pelatihan Menjahit Jangkat"][1:] == ["12", "&lt;5", "&lt;5", "&lt;5"]
    # 6 recipients alone would give the 3 back from the total (9): secondary suppression hides a second cell.
    assert rows["Bantuan Bibit Kopi"][1] == "6"
    jumlah = rows["Jumlah"]
    assert jumlah[1] == "18"
    assert "&lt;5" in rows["Bantuan Bibit Kopi"][2:] + jumlah[2:]
    assert "1.500.000" not in html and "1,500,000" not in html  # the 3 recipients' total value
    text = _text(html)
    for person in world["people"]:
        assert person.full_name not in text
        assert person.nik not in html


def test_the_district_page_counts_its_villages(world):
    html = Client().get("/transparansi/15.02.01/").content.decode()
    assert "Pelatihan Menjahit Jangkat" in html and VILLAGE in html  # the link to the village's page
    assert Client().get("/transparansi/").status_code == 200


def test_another_year_or_area_shows_no_programme(world):
    year = timezone.localdate().year - 3
    html = Client().get(f"/transparansi/{VILLAGE}/", {"tahun": year}).content.decode()
    assert "Pelatihan Menjahit Jangkat" not in html and "Belum ada data" in html
    assert "Pelatihan Menjahit Jangkat" not in Client().get("/transparansi/15.02.02/").content.decode()
    assert Client().get("/transparansi/99.99.99/").status_code == 404
    assert Client().get(f"/transparansi/{VILLAGE}/", {"tahun": "x"}).status_code == 200


def test_an_upper_app_adds_a_section_through_the_registry(world):
    def rows(area: PublicArea) -> list[dict]:
        return [{"category": f"Kategori {area.code} {area.year}", "received": 7}]

    section = Section(
        key="test-grievances",
        title="Pengaduan uji",
        order=20,
        rows=rows,
        columns=[("category", "Kategori"), ("received", "Diterima")],
    )
    sections.register(section)
    try:
        html = Client().get(f"/transparansi/{VILLAGE}/").content.decode()
        assert "Pengaduan uji" in html and f"Kategori {VILLAGE}" in html
        assert [s.key for s in sections.sections()][:2] == ["programmes", "test-grievances"]
    finally:
        sections._SECTIONS.pop("test-grievances")


def test_the_page_is_cached(world, django_assert_max_num_queries):
    Client().get(f"/transparansi/{VILLAGE}/")
    with django_assert_max_num_queries(2):
        Client().get(f"/transparansi/{VILLAGE}/")
