"""The 4W matrix is derived from programmes, sessions, enrolments and assistance, never typed twice."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from berdaya.core.models import AuditEvent
from berdaya.organisations.models import Organisation
from berdaya.partners import coordination as s
from berdaya.partners.maps import choropleth, district_shapes
from berdaya.programmes import services as programme_services
from berdaya.testing import factories as f
from berdaya.testing import programmes as h

from .test_commitments import disburse


def this_year() -> s.Period:
    return s.Period(dt.date(h.today().year - 1, 1, 1), dt.date(h.today().year + 1, 12, 31))


@pytest.fixture
def world(officer, org_a, org_b):
    """Org A (NGO) runs a training covering Jangkat, funded by org B (company); Dinsos runs a capital grant covering
    one Bangko village; an old programme ended long before the period."""
    training = h.programme(officer, organiser=org_a, name="Pelatihan Menjahit", districts=["15.02.01"], capacity=30)
    training.funders.add(org_b)
    for days_ago in (10, 3, -7):  # two held, one to come
        h.session(officer, training, days_ago=days_ago)
    jangkat = h.people(3, village="15.02.01.2001") + h.people(1, village="15.02.01.2002")
    bangko = h.people(1, village="15.02.02.2004")
    for person in jangkat + bangko:
        h.enrol(officer, training, person)
    proposed = h.people(1, village="15.02.01.2001")[0]
    programme_services.enrolment_create(actor=officer, programme=training, person=proposed)  # not a seat
    disburse(officer, training, jangkat[0], 1_500_000)
    dinsos = f.organisation("Dinas Sosial Kabupaten Merangin", Organisation.Kind.GOVERNMENT)
    grant = h.programme(officer, organiser=dinsos, kind="capital", name="Hibah KUBE", villages=["15.02.02.2004"])
    old = h.programme(
        officer,
        organiser=org_a,
        name="Program Lama",
        start=dt.date(2015, 1, 1),
        end=dt.date(2015, 6, 1),
        districts=["15.02.02"],
    )
    return {"training": training, "grant": grant, "old": old, "dinsos": dinsos}


def key(r: s.MatrixRow):
    return (r.organisation.name, r.role, r.kind, r.district.code if r.district else None)


def test_it_derives_rows_from_programmes_sessions_enrolments_and_assistance(world, org_a, org_b):
    rows = {key(r): r for r in s.matrix_rows(s.MatrixFilters(period=this_year()))}
    assert set(rows) == {
        ("LSM Tani Sejahtera", "organiser", "skills_training", "15.02.01"),
        ("LSM Tani Sejahtera", "organiser", "skills_training", "15.02.02"),
        ("PT Kopi Sumatra Lestari", "funder", "skills_training", "15.02.01"),
        ("PT Kopi Sumatra Lestari", "funder", "skills_training", "15.02.02"),
        ("Dinas Sosial Kabupaten Merangin", "organiser", "capital", "15.02.02"),
    }
    jangkat = rows[("LSM Tani Sejahtera", "organiser", "skills_training", "15.02.01")]
    # covered district; 4 seats (the proposed person is not reached); 2 sessions held; one grant disbursed
    assert (jangkat.programmes, jangkat.participants, jangkat.sessions, jangkat.recipients, jangkat.disbursed) == (
        1,
        4,
        2,
        1,
        1_500_000,
    )
    assert (jangkat.start, jangkat.end) == (world["training"].start_date, world["training"].end_date)
    # Bangko is not covered by the training, but one participant lives there: the matrix shows where people are
    bangko = rows[("LSM Tani Sejahtera", "organiser", "skills_training", "15.02.02")]
    assert (bangko.participants, bangko.disbursed) == (1, 0)
    funder = rows[("PT Kopi Sumatra Lestari", "funder", "skills_training", "15.02.01")]
    assert (funder.participants, funder.disbursed, funder.role_label) == (4, 1_500_000, "Penyandang dana")
    grant = rows[("Dinas Sosial Kabupaten Merangin", "organiser", "capital", "15.02.02")]
    assert (grant.programmes, grant.participants, grant.programme_names) == (1, 0, ["Hibah KUBE"])


def test_assistance_alone_reaches_people(world, officer, org_a):
    training = world["training"]
    enrolment = training.enrolments.filter(person__household__village="15.02.02.2004").get()
    disburse(officer, training, enrolment.person, 500_000)
    for step in ("active", "dropped_out"):
        programme_services.enrolment_transition(actor=officer, enrolment=enrolment, to_status=step, reason="Pindah")
    rows = {key(r): r for r in s.matrix_rows(s.MatrixFilters(period=this_year()))}
    bangko = rows[("LSM Tani Sejahtera", "organiser", "skills_training", "15.02.02")]
    assert (bangko.participants, bangko.assistance_only, bangko.reached, bangko.disbursed) == (0, 1, 1, 500_000)


def test_it_filters_by_period_kind_district_and_organisation_kind(world):
    period = this_year()
    only = s.matrix_rows(s.MatrixFilters(period=period, kind="capital"))
    assert {key(r) for r in only} == {("Dinas Sosial Kabupaten Merangin", "organiser", "capital", "15.02.02")}
    companies = s.matrix_rows(s.MatrixFilters(period=period, organisation_kind="company"))
    assert {r.organisation.name for r in companies} == {"PT Kopi Sumatra Lestari"}
    jangkat = s.matrix_rows(s.MatrixFilters(period=period, district="15.02.01"))
    assert {r.district.code for r in jangkat} == {"15.02.01"}
    old = s.matrix_rows(s.MatrixFilters(period=s.Period(dt.date(2015, 1, 1), dt.date(2015, 12, 31))))
    assert {(r.organisation.name, r.programme_names[0]) for r in old} == {("LSM Tani Sejahtera", "Program Lama")}


def test_village_level_rows(world):
    rows = s.matrix_rows(s.MatrixFilters(period=this_year(), level="village", organisation_kind="ngo"))
    by_area = {(r.district.code, r.village.code if r.village else None): r for r in rows}
    assert by_area[("15.02.01", None)].area_label == "Seluruh Kec. Jangkat"  # the covered district as a whole
    assert by_area[("15.02.01", "15.02.01.2001")].participants == 3
    assert by_area[("15.02.01", "15.02.01.2002")].participants == 1
    assert by_area[("15.02.02", "15.02.02.2004")].participants == 1


def test_it_is_a_fixed_number_of_queries_however_many_people(world, officer):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            s.matrix_rows(s.MatrixFilters(period=this_year()))
        return len(ctx.captured_queries)

    before = count()
    for person in h.people(6, village="15.02.02.1010"):
        h.enrol(officer, world["training"], person)
    assert count() == before


def test_the_page_shows_the_table_and_an_accessible_map(client, world, viewer, officer):
    client.force_login(viewer)
    response = client.get(reverse("partners:matrix"), {"start": "2020-01-01", "end": "2035-12-31"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Pelatihan Menjahit" in html and "Hibah KUBE" in html
    assert html.count("<path ") == len(district_shapes().shapes) == 24
    assert "<title>Jangkat: 2 organisasi</title>" in html
    assert 'role="img"' in html and "map-legend" in html
    assert "style=" not in html.split("<main", 1)[1]  # the CSP forbids inline styles
    response = client.get(reverse("partners:matrix"), {"measure": "people", "start": "2020-01-01", "end": "2035-12-31"})
    # 4 people reached: a viewer reads "<5" (core.disclosure), an officer the count.
    assert "<title>Jangkat: &lt;5 penerima manfaat</title>" in response.content.decode()
    client.force_login(officer)
    response = client.get(reverse("partners:matrix"), {"measure": "people", "start": "2020-01-01", "end": "2035-12-31"})
    assert "<title>Jangkat: 4 penerima manfaat</title>" in response.content.decode()


def test_the_map_bins_counts_and_caches_projected_paths():
    assert district_shapes() is district_shapes()
    m = choropleth({"15.02.01": 8, "15.02.02": 1}, unit="organisasi", caption="Uji")
    bins = {a.code: a.bin for a in m.areas}
    assert bins["15.02.01"] == 4 and bins["15.02.02"] == 1 and bins["15.02.03"] == 0
    assert [item.label for item in m.legend] == ["tidak ada", "1–2", "3–4", "5–6", "7–8"]
    for a in m.areas:
        assert a.path.startswith("M") and a.path.endswith("Z")


def test_it_exports_the_matrix_to_xlsx_and_audits_it(client, world, officer):
    client.force_login(officer)
    response = client.get(reverse("partners:matrix_xlsx"), {"start": "2020-01-01", "end": "2035-12-31"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == s.MATRIX_HEADER
    assert len(rows) == 1 + 5
    jangkat = next(r for r in rows if r[0] == "15.02.01" and r[4] == "LSM Tani Sejahtera")
    assert (jangkat[9], jangkat[12], jangkat[13], jangkat[17]) == (1, 2, 4, 1_500_000)
    event = AuditEvent.objects.get(action="export", object_type="partners.matrix4w")
    assert (event.actor, event.detail["rows"], event.detail["start"]) == (officer, 5, "2020-01-01")


def test_export_neutralises_formulas(client, officer):
    org = f.organisation('=HYPERLINK("http://x")', Organisation.Kind.NGO)
    h.programme(officer, organiser=org, districts=["15.02.01"])
    client.force_login(officer)
    response = client.get(reverse("partners:matrix_xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    names = [r[4] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ['\'=HYPERLINK("http://x")']


def test_the_rendered_matrix_is_cached_per_reader_scope_and_snapshot(
    client, world, viewer, officer, org_a, settings, monkeypatch
):
    from django.core.cache import cache

    from berdaya.core.models import AggregateSnapshot
    from berdaya.partners import views

    settings.BERDAYA_AGGREGATE_MAX_AGE = 3600
    cache.clear()
    calls = []
    rows = views.coordination.matrix_rows

    def counted(*args, **kwargs):
        calls.append(1)
        return rows(*args, **kwargs)

    url = reverse("partners:matrix")
    params = {"measure": "people", "start": "2020-01-01", "end": "2035-12-31"}
    partner = f.user("partner", org=org_a)
    monkeypatch.setattr(views.coordination, "matrix_rows", counted)
    try:
        # given: an officer's exact figures rendered (the first reader stores the snapshot) and cached
        client.force_login(officer)
        html = client.get(url, params).content.decode()
        assert "<title>Jangkat: 4 penerima manfaat</title>" in html and "Data per" in html
        calls.clear()
        for _ in range(2):
            assert "<title>Jangkat: 4 penerima manfaat</title>" in client.get(url, params).content.decode()
        assert len(calls) == 1  # rendered once for this snapshot, then read from the cache
        # when: a viewer and partner staff ask the same
        for reader in (viewer, partner):
            client.force_login(reader)
            html = client.get(url, params).content.decode()
            # then: they read their own (suppressed) figures, never the officer's cached exact ones
            assert "<title>Jangkat: &lt;5 penerima manfaat</title>" in html
            assert "Jangkat: 4 penerima" not in html
        assert len(calls) == 3
        # A snapshot aged out is computed again by its next reader: a new version, rendered again.
        AggregateSnapshot.objects.update(computed_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        client.force_login(officer)
        client.get(url, params)
        assert len(calls) == 4
    finally:
        cache.clear()


def test_the_money_disbursed_in_the_period_counts_each_disbursement_once(client, world, officer, org_a, org_b):
    """The training's Rp1.500.000 is in its organiser's row and again in its funder's: the page's total is the money
    disbursed, once, not the sum of the rows (which a second funder would triple)."""
    world["training"].funders.add(f.organisation("Yayasan Dana Kedua", Organisation.Kind.NGO))
    filters = s.MatrixFilters(period=this_year())
    assert sum(r.disbursed for r in s.matrix_rows(filters)) == 3 * 1_500_000
    assert s.disbursed_in_period(filters) == 1_500_000
    # Filtered to one organisation, whatever its role there: the money of the programmes it takes part in.
    assert s.disbursed_in_period(s.MatrixFilters(period=this_year(), organisation=org_b.pk)) == 1_500_000
    assert s.disbursed_in_period(s.MatrixFilters(period=this_year(), organisation=world["dinsos"].pk)) == 0
    client.force_login(officer)
    html = client.get(reverse("partners:matrix"), {"start": "2020-01-01", "end": "2035-12-31"}).content.decode()
    assert "Bantuan tersalur dalam periode: <strong>Rp1.500.000</strong>" in html
