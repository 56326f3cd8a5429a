"""Any regency is first class: a deployment for Kerinci (15.01) names Kerinci everywhere, offers Kerinci's
districts only, gets a map and village centre points from a boundary file, and every page answers."""

from __future__ import annotations

import io
import json

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from berdaya.accounts.models import User
from berdaya.areas import selectors
from berdaya.areas.models import District, Village
from berdaya.areas.services import areas_load
from berdaya.markets.models import Bulletin
from berdaya.partners.maps import _district_shapes, district_shapes
from berdaya.partners.models import Agreement
from berdaya.programmes.models import Certificate
from berdaya.testing.crawl import crawl
from berdaya.testing.demo import demo_build

# Side by side (make test), in the PostgreSQL suite only; CI runs it on both databases (conftest.runs_on_this_side).
pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.one_side("postgresql")]


def _square(lon: float, lat: float, size: float = 0.02) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def kerinci_geojson(tmp_path, villages: list[str]):
    features = [
        {"type": "Feature", "properties": {"kode": code.replace(".", "")}, "geometry": _square(101.2 + i * 0.03, -2.1)}
        for i, code in enumerate(villages)
    ]
    path = tmp_path / "kerinci.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


@pytest.fixture
def kerinci(db, settings, tmp_path):
    settings.BERDAYA = {**settings.BERDAYA, "DEFAULT_REGENCY": "15.01"}
    # The public price page is cached (per process): a page an earlier test cached names the other regency.
    cache.clear()
    settings.DATA_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Merangin's villages are loaded too (another deployment's leftovers): they must not show up.
    areas_load(regency_codes=["15.02", "15.01"])
    villages = list(Village.objects.filter(code__startswith="15.01.").values_list("code", flat=True))
    out = io.StringIO()
    call_command(
        "areas", "load", "--regency", "15.01", "--boundaries", str(kerinci_geojson(tmp_path, villages)), stdout=out
    )
    # (the size does not matter here: a certificate, a bulletin and an agreement are all the test reads)
    demo_build(tmp_path, households=30)
    return out.getvalue()


def test_the_regency_name_comes_from_the_setting(settings):
    settings.BERDAYA = {**settings.BERDAYA, "DEFAULT_REGENCY": "15.01"}
    regency = selectors.deployment_regency()
    assert (regency.name, regency.short_name, regency.government_short) == (
        "Kabupaten Kerinci",
        "Kerinci",
        "Pemkab Kerinci",
    )
    settings.BERDAYA = {**settings.BERDAYA, "DEFAULT_REGENCY": "15.71"}
    assert selectors.deployment_regency().government_short == "Pemkot Jambi"


def test_a_kerinci_deployment_is_kerinci_everywhere(kerinci, client):
    assert "titik tengah" in kerinci
    # boundaries: every Kerinci village has a centre point inside its square, and the map has Kerinci's districts
    assert not Village.objects.filter(code__startswith="15.01.", latitude__isnull=True).exists()
    village = Village.objects.filter(code__startswith="15.01.").order_by("code").first()
    assert -2.1 < float(village.latitude) < -2.08
    _district_shapes.cache_clear()
    shapes = district_shapes()
    assert shapes is not None and {s.code[:5] for s in shapes.shapes} == {"15.01"}

    # drop-downs offer Kerinci's districts only
    assert set(selectors.deployment_districts().values_list("regency_id", flat=True)) == {"15.01"}
    merangin_district = District.objects.filter(regency_id="15.02", villages__isnull=False).first()
    assert merangin_district is not None

    # the words the interface writes
    assert "Kabupaten Kerinci" in Client().get("/masuk/").content.decode()
    public = Client().get("/harga/publik/").content.decode()
    # (Kerinci has a district called Batang Merangin: the regency's name is what must not appear)
    assert "Harga Komoditas Kerinci" in public and "Kabupaten Merangin" not in public

    failures = []
    for user in User.objects.filter(username__in=["admin", "petugas", "pendamping", "mitra", "pemantau", "kasus"]):
        browser = Client()
        browser.force_login(user)
        result = crawl(browser, limit=120)
        assert len(result.visits) > 10, user.username
        failures += [(user.username, v.url, v.status) for v in result.errors]
        first = result.visits[0].html
        assert "· Kerinci" in first and "Merangin</small>" not in first, user.username
        for visit in result.visits:
            if f'value="{merangin_district.code}"' in visit.html:
                failures.append((user.username, visit.url, "Merangin district offered"))
    assert not failures

    # prints and agreements (the same demo: building it is most of the time)
    admin = User.objects.get(username="admin")
    browser = Client()
    browser.force_login(admin)
    cert = Certificate.objects.first()
    page = browser.get(f"/program/peserta/{cert.enrolment_id}/sertifikat/").content.decode()
    assert "Kerinci," in page and "Merangin," not in page
    bulletin = Bulletin.objects.filter(district__isnull=True).first()
    page = browser.get(f"/harga/buletin/{bulletin.pk}/cetak/").content.decode()
    assert "Kabupaten Kerinci" in page and "Kabupaten Merangin" not in page
    assert "Harga Kerinci " in bulletin.sms_parts[0]
    assert "Kabupaten Kerinci" in bulletin.text
    agreement = Agreement.objects.filter(pemkab_is_party=True).first()
    page = browser.get(f"/mitra/perjanjian/{agreement.pk}/").content.decode()
    assert "Pemerintah Kabupaten Kerinci" in page
    listing = browser.get("/mitra/perjanjian/").content.decode()
    assert "Pemkab Kerinci" in listing and "Pemkab Merangin" not in listing
