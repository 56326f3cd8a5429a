"""The dashboard, maps, downloads and indicators as users see them."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from berdaya.core.models import AuditEvent
from berdaya.jobs import schedule
from berdaya.monitoring import refresh
from berdaya.monitoring.models import Indicator, IndicatorSnapshot, Refresh
from berdaya.registry.models import Person

from . import world as w


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def known(officer):
    data = w.build(officer)
    refresh.rebuild()
    return data


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_it_is_the_home_of_officers_and_viewers_and_not_of_facilitators(known, officer, viewer, facilitator):
    for user in (officer, viewer):
        html = client_for(user).get("/").content.decode()
        assert "Dasbor pemantauan dan evaluasi" in html and "Data per" in html
    html = client_for(facilitator).get("/").content.decode()
    assert "Dasbor pemantauan dan evaluasi" not in html
    assert client_for(facilitator).get("/pemantauan/").status_code == 200
    assert client_for(officer).get("/ringkasan/").status_code == 200


def test_filters_reload_only_the_figures_with_htmx(known, officer):
    response = client_for(officer).get("/pemantauan/?year=2026&district=15.02.02", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="dashboard-body">')
    assert "<nav" not in html and "<svg" in html


def test_a_panel_download_is_what_its_table_shows_and_is_audited(known, officer):
    c = client_for(officer)
    rows = _csv(c.get("/pemantauan/bagan/districts/unduh.csv?year=2026"))
    assert rows[0] == ["Kecamatan", "Terdaftar", "Rentan", "Terjangkau"]
    # In English, people in the registry are "Registered", not "Enrolled" (a programme's word for the same Indonesian).
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = _csv(c.get("/pemantauan/bagan/districts/unduh.csv?year=2026"))[0]
    c.post("/i18n/setlang/", {"language": "id", "next": "/"})
    assert english[1:] == ["Registered", "Vulnerable", "Reached"], english
    body = {r[0]: r[1:] for r in rows[1:]}
    assert body["Jangkat"][0] == "4" and body["Bangko"][0] == "1"
    html = c.get("/pemantauan/?year=2026").content.decode()
    assert '<th scope="row" class="fw-normal">Jangkat</th>' in html  # the same row in the table view
    event = AuditEvent.objects.filter(action="export", object_type="monitoring.figure").latest("pk")
    assert event.detail["panel"] == "districts" and event.detail["rows"] == 2
    xlsx = c.get("/pemantauan/bagan/money/unduh.xlsx?year=2026")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert c.get("/pemantauan/bagan/nope/unduh.csv").status_code == 404
    assert c.get("/pemantauan/bagan/districts/unduh.pdf").status_code == 404


def test_a_viewer_reads_small_counts_suppressed_everywhere(known, viewer):
    c = client_for(viewer)
    rows = _csv(c.get("/pemantauan/rincian/unduh.csv?measure=people&by=sex&by=district"))
    assert rows[1:] and all(r[-1] == "<5" for r in rows[1:])
    html = c.get("/pemantauan/peta/?measure=people").content.decode()
    # The person "P1" is named nowhere (as a word: a random CSRF token may hold the letters "P1").
    assert "&lt;5" in html and not re.search(r"\bP1\b", html)


def test_breakdown_by_four_dimensions_together(known, officer):
    url = "/pemantauan/rincian/unduh.csv?measure=people&by=sex&by=age_band&by=disability&by=district"
    rows = _csv(client_for(officer).get(url))
    assert rows[0][:4] == ["Jenis kelamin", "Kelompok umur", "Disabilitas", "Kecamatan"]
    assert ["Laki-laki", "60+ th", "Penyandang disabilitas", "Jangkat", "1"] in rows
    assert len(rows) == 1 + 5


def test_the_map_zooms_into_a_district_and_its_table_lists_every_village(known, officer):
    c = client_for(officer)
    html = c.get("/pemantauan/peta/?measure=people").content.decode()
    assert 'class="choropleth"' in html and "district=15.02.01" in html  # districts link to their villages
    rows = _csv(c.get("/pemantauan/peta/unduh.csv?measure=people&district=15.02.01"))
    assert rows[0][1] == "Desa/kelurahan"
    values = {r[0]: r[2] for r in rows[1:]}
    assert values.get(w.A) == "4"


def test_facilitator_and_partner_figures_stay_in_their_scope(known, facilitator, partner):
    rows = _csv(client_for(facilitator).get("/pemantauan/rincian/unduh.csv?measure=people&by=village"))
    assert [r[0] for r in rows[1:]] == ["Jangkat Desa 1"]
    partner.organisation = known["o1"]
    partner.save()
    rows = _csv(client_for(partner).get("/pemantauan/rincian/unduh.csv?measure=enrolled&by=programme"))
    assert [r[0] for r in rows[1:]] == ["Program X"]
    other = known["o2"].pk
    # Another organisation's programmes are not a filter a partner may choose: refused like an unknown record.
    response = client_for(partner).get(f"/pemantauan/rincian/unduh.csv?measure=enrolled&organisation={other}")
    assert response.status_code == 404


def test_only_officers_refresh_and_the_refresh_is_a_job(known, officer, viewer, django_capture_on_commit_callbacks):
    before = Refresh.objects.count()
    client_for(viewer).post("/pemantauan/perbarui/")
    assert Refresh.objects.count() == before
    immediate = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(TASKS=immediate), django_capture_on_commit_callbacks(execute=True):
        response = client_for(officer).post("/pemantauan/perbarui/")
    assert response.status_code == 302 and "/tugas/" in response["Location"]
    assert Refresh.objects.count() == before + 1  # the immediate task backend ran the job
    keys = {s.key for s in schedule.registered()}
    assert {"monitoring.refresh", "monitoring.snapshots"} <= keys


def test_an_admin_defines_an_indicator_and_a_snapshot_keeps_its_value(known, admin_user, officer):
    c = client_for(admin_user)
    bad = c.post(
        "/pemantauan/indikator/baru/",
        {"code": "ikut", "name": "Peserta", "measure": "budget", "disaggregations": ["sex"], "is_active": "on"},
    )
    assert "tidak dapat dipilah" in bad.content.decode() and not Indicator.objects.exists()
    response = c.post(
        "/pemantauan/indikator/baru/",
        {
            "code": "penduduk",
            "name": "Penduduk terdaftar",
            "unit": "orang",
            "measure": "people",
            "disaggregations": ["sex", "district"],
            "filter_district": "15.02.01",
            "is_active": "on",
        },
    )
    indicator = Indicator.objects.get(code="penduduk")
    assert response.status_code == 302 and indicator.filters == {"district": "15.02.01"}
    c.post(f"/pemantauan/indikator/{indicator.pk}/", {"year": 2026, "target": "8"})
    assert client_for(officer).post(f"/pemantauan/indikator/{indicator.pk}/ubah/", {}).status_code == 403
    client_for(officer).post(f"/pemantauan/indikator/{indicator.pk}/potret/")
    snapshot = IndicatorSnapshot.objects.get(indicator=indicator)
    assert snapshot.value == 4
    assert {r["code"]: r["value"] for r in snapshot.breakdowns["sex"]} == {"F": 2, "M": 2}
    # The records change and the tables are rebuilt: the snapshot still says what it said.
    Person.objects.filter(pk=known["people"][0].pk).update(status="moved_out")
    refresh.rebuild()
    snapshot.refresh_from_db()
    assert snapshot.value == 4
    html = client_for(officer).get(f"/pemantauan/indikator/{indicator.pk}/?year={snapshot.year}").content.decode()
    assert "Potret per periode" in html
    listing = client_for(officer).get(f"/pemantauan/indikator/?year={snapshot.year}").content.decode()
    assert "Penduduk terdaftar" in listing


def test_the_scheduled_job_rebuilds_then_snapshots_every_active_indicator(known, admin_user):
    from django.core.management import call_command

    from berdaya.jobs.progress import Progress
    from berdaya.monitoring import services

    Indicator.objects.create(code="a", name="A", measure="people", created_by=admin_user)
    Indicator.objects.create(code="b", name="B", measure="households", created_by=admin_user, is_active=False)
    before = Refresh.objects.count()
    assert services.snapshots_job(None, Progress()) == {"snapshots": 1}
    assert Refresh.objects.count() == before + 1
    assert list(IndicatorSnapshot.objects.values_list("indicator__code", "value")) == [("a", 5)]
    out = io.StringIO()
    call_command("monitoring", "refresh", stdout=out)
    assert "dibangun ulang" in out.getvalue() and Refresh.objects.count() == before + 2


def test_a_snapshot_read_by_a_viewer_hides_a_small_part_and_the_part_that_would_give_it_back():
    """169 people: 166 without and 3 with a disability. A viewer must read neither 3 nor 166 (169 - 166 = 3); the
    officer reads both; a share's breakdown (no counts kept) is not shown to the viewer."""
    from types import SimpleNamespace

    from berdaya.core import disclosure
    from berdaya.monitoring import measures as m
    from berdaya.monitoring.views import _snapshot_row

    snapshot = SimpleNamespace(
        value=169,
        breakdowns={
            "disability": [{"label": "Bukan", "value": 166}, {"label": "Disabilitas", "value": 3}],
            "sex": [{"label": "P", "value": 88}, {"label": "L", "value": 81}],
        },
    )
    count = m.get("people")
    viewer_row = _snapshot_row(snapshot, count, disclosure.SUPPRESSING)
    by = dict(viewer_row["breakdowns"])
    assert [v for _label, v in by[m.dimension_label("disability")]] == ["<5", "<5"]
    assert [v for _label, v in by[m.dimension_label("sex")]] == [88, 81]
    assert viewer_row["value"] == 169
    officer_row = _snapshot_row(snapshot, count, disclosure.EXACT)
    assert [v for _label, v in dict(officer_row["breakdowns"])[m.dimension_label("disability")]] == [166, 3]
    share = _snapshot_row(snapshot, m.get("reached_share"), disclosure.SUPPRESSING)
    assert share["breakdowns"] == [] and share["value"] == 169


def test_filters_without_a_year_show_this_year_and_a_bad_value_drops_only_itself(officer):
    import datetime as dt

    from django.http import QueryDict

    from berdaya.monitoring.forms import FilterForm

    this_year = dt.date.today().year
    form = FilterForm(QueryDict("district=15.02.01"))
    assert f'<option value="{this_year}" selected>' in str(form["year"])
    filters = FilterForm(QueryDict("district=15.02.01&programme=banyak")).filters()
    assert (filters.district, filters.programme, filters.year) == ("15.02.01", None, this_year)


def test_the_breakdown_is_rendered_once_per_scope_and_never_shown_to_another(known, facilitator, partner, monkeypatch):
    from berdaya.areas.models import Village
    from berdaya.monitoring import views
    from berdaya.testing import factories as f

    # given: a counter on the computation behind the breakdown's figures
    calls = []
    compute = views.m.compute
    monkeypatch.setattr(views.m, "compute", lambda *a, **k: calls.append(1) or compute(*a, **k))
    name_a, name_b = (Village.objects.get(pk=code).name for code in (w.A, w.B))
    other_facilitator = f.user("facilitator", villages=[w.B])
    by_village = "/pemantauan/rincian/?measure=people&by=village"

    # when: the same reader asks twice, then a facilitator of another village asks the same
    first = client_for(facilitator).get(by_village).content.decode()
    again = client_for(facilitator).get(by_village).content.decode()
    assert len(calls) == 1  # the second request read the cached figures
    assert again[again.index("<table") :] == first[first.index("<table") :]
    theirs = client_for(other_facilitator).get(by_village).content.decode()

    # then: each sees their own village only
    assert len(calls) == 2
    assert name_a in first and name_b not in first
    assert name_b in theirs and name_a not in theirs

    # Partner staff of two organisations: each their own programme, never the other's cached table.
    partner.organisation = known["o1"]
    partner.save()
    other_partner = f.user("partner", org=known["o2"])
    by_programme = "/pemantauan/rincian/?measure=enrolled&by=programme"
    mine = client_for(partner).get(by_programme).content.decode()
    theirs = client_for(other_partner).get(by_programme).content.decode()
    assert "Program X" in mine and "Program Y" not in mine
    assert "Program Y" in theirs and "Program X" not in theirs
    assert len(calls) == 4


def test_the_cached_breakdown_follows_a_rebuild_of_the_analytics_tables(known, officer):
    def table(html: str) -> str:
        return html[html.index("<table") : html.index("</table>")]

    c = client_for(officer)
    url = "/pemantauan/rincian/?measure=people&by=sex"
    before = table(c.get(url).content.decode())
    person = known["people"][0]
    Person.objects.filter(pk=person.pk).update(sex="F" if person.sex == "M" else "M")
    assert table(c.get(url).content.decode()) == before  # the tables (and so the figures) are as they were
    refresh.rebuild()
    assert table(c.get(url).content.decode()) != before


def test_made_up_query_strings_do_not_fill_the_shared_cache(known, officer):
    c = client_for(officer)
    c.get("/pemantauan/peta/?measure=people")
    c.get("/mitra/4w/")
    entries = len(cache._cache)  # type: ignore[attr-defined] (the test settings' local-memory cache)
    for i in range(5):
        assert c.get(f"/pemantauan/peta/?measure=people&year=abc{i}").status_code == 200
        assert c.get(f"/pemantauan/?year=abc{i}").status_code == 200
        assert c.get(f"/mitra/4w/?junk={i}").status_code == 200
    # At most the dashboard's own valid entries (a first visit): none per made-up value.
    assert len(cache._cache) - entries <= 2  # type: ignore[attr-defined]
