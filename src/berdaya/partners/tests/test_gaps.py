"""Coverage gaps on a small hand-made dataset whose answer is worked out by hand below."""

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
from berdaya.programmes.models import Assistance, Enrolment
from berdaya.registry import choices as rc
from berdaya.testing import factories as f
from berdaya.testing import programmes as h


def period() -> s.Period:
    return s.Period(dt.date(h.today().year - 1, 1, 1), dt.date(h.today().year + 1, 12, 31))


def resident(village: str, *, disabled: bool = False, elderly: bool = False, **fields):
    # Men heading their own household: no other flag (female-headed, smallholder, poor, migrant) applies.
    return f.person(
        hh=f.household(village=village),
        name=f"Warga {village}",
        sex=rc.Sex.MALE,
        birth_date=dt.date(1950, 1, 1) if elderly else dt.date(1985, 1, 1),
        wgss_seeing=rc.WGSSAnswer.A_LOT if disabled else rc.WGSSAnswer.NO_DIFFICULTY,
        **fields,
    )


@pytest.fixture
def dataset(officer, org_a, org_b):
    """
    Programmes (period: last year to next year):
      X  org A (LSM Tani Sejahtera), covers Kec. Jangkat                       in the period
      Y  org B (PT Kopi Sumatra Lestari), covers desa 15.02.02.2004 (Bangko)   in the period
      Z  Dinas Sosial, names no area (whole regency)                           in the period
      OLD  Dinas Lama, covers Kec. Bangko, ended in 2015                       outside the period

    Residents (D = disability, E = elderly):
      Jangkat 15.02.01.2001: P1 D enrolled in X (reached) · P2 D · P3 E
      Jangkat 15.02.01.2002: P4 D · P5 (no flag)
      Bangko  15.02.02.2004: P6 D, only *planned* assistance in Y · P7 D, assistance *disbursed* in Y (reached)
                             P8 D, dropped out of X · P9 D, completed OLD (outside the period)
      Bangko  15.02.02.1010: P10 E, active in Z (reached) · P11 D, deceased (not counted)

    By hand, disability (unreached / total): Jangkat 2/3 (P2, P4), Bangko 3/4 (P6, P8, P9).
    Any group: Jangkat 3/4 (75%), Bangko 3/5 (60%). Elderly: Jangkat 1/1, Bangko 0/1.
    """
    x = h.programme(officer, organiser=org_a, name="X", districts=["15.02.01"])
    y = h.programme(officer, organiser=org_b, name="Y", villages=["15.02.02.2004"])
    dinsos = f.organisation("Dinas Sosial Kabupaten Merangin", Organisation.Kind.GOVERNMENT)
    z = h.programme(officer, organiser=dinsos, name="Z")
    old = h.programme(
        officer,
        organiser=f.organisation("Dinas Lama", Organisation.Kind.GOVERNMENT),
        name="OLD",
        start=dt.date(2015, 1, 1),
        end=dt.date(2015, 6, 30),
        districts=["15.02.02"],
    )
    p1 = resident("15.02.01.2001", disabled=True)
    resident("15.02.01.2001", disabled=True)
    resident("15.02.01.2001", elderly=True)
    resident("15.02.01.2002", disabled=True)
    resident("15.02.01.2002")
    p6 = resident("15.02.02.2004", disabled=True)
    p7 = resident("15.02.02.2004", disabled=True)
    p8 = resident("15.02.02.2004", disabled=True)
    p9 = resident("15.02.02.2004", disabled=True)
    p10 = resident("15.02.02.1010", elderly=True)
    resident("15.02.02.1010", disabled=True, status=rc.PersonStatus.DECEASED, date_of_death=dt.date(2024, 1, 1))

    def enrol(programme, person, status, reason=""):
        Enrolment.objects.create(programme=programme, person=person, status=status, reason=reason, created_by=officer)

    def assist(programme, person, status):
        Assistance.objects.create(
            programme=programme, person=person, kind="cash_grant", amount=1_000_000, status=status, created_by=officer
        )

    enrol(x, p1, "enrolled")
    assist(y, p6, "planned")
    assist(y, p7, "disbursed")
    enrol(x, p8, "dropped_out", reason="Pindah kerja")
    enrol(old, p9, "completed")
    enrol(z, p10, "active")
    return {"x": x, "y": y, "z": z, "old": old}


def test_it_ranks_districts_by_unreached_vulnerable_people(dataset, viewer):
    rows = s.coverage_gaps(actor=viewer, period=period(), group="disability")
    assert [(r.name, r.gaps["disability"], r.totals["disability"]) for r in rows] == [
        ("Bangko", 3, 4),
        ("Jangkat", 2, 3),
    ]
    bangko, jangkat = rows
    assert (bangko.residents, jangkat.residents) == (5, 5)
    assert round(bangko.share("disability"), 1) == 75.0 and round(jangkat.share("disability"), 1) == 66.7
    assert (jangkat.gaps["elderly"], jangkat.totals["elderly"], bangko.gaps["elderly"], bangko.totals["elderly"]) == (
        1,
        1,
        0,
        1,
    )
    # who is working there already: programmes covering the area in the period (not OLD, not the regency-wide Z)
    assert (bangko.organisations, jangkat.organisations) == (["PT Kopi Sumatra Lestari"], ["LSM Tani Sejahtera"])
    assert s.organisations_working(period(), False)["regency"] == {"Dinas Sosial Kabupaten Merangin"}


def test_any_group_ties_are_broken_by_share(dataset, viewer):
    rows = s.coverage_gaps(actor=viewer, period=period(), group="any")
    assert [(r.name, r.gaps["any"], r.totals["any"], round(r.share("any"))) for r in rows] == [
        ("Jangkat", 3, 4, 75),
        ("Bangko", 3, 5, 60),
    ]


def test_villages_ranked_by_number_or_by_share(dataset, viewer):
    by_number = s.coverage_gaps(actor=viewer, period=period(), level="village", group="disability")
    assert [(r.code, r.gaps["disability"], r.totals["disability"]) for r in by_number] == [
        ("15.02.02.2004", 3, 4),
        ("15.02.01.2002", 1, 1),
        ("15.02.01.2001", 1, 2),
        ("15.02.02.1010", 0, 0),
    ]
    by_share = s.coverage_gaps(actor=viewer, period=period(), level="village", group="disability", order="share")
    assert [r.code for r in by_share] == ["15.02.01.2002", "15.02.02.2004", "15.02.01.2001", "15.02.02.1010"]
    organisations = {r.code: r.organisations for r in by_number}
    assert organisations == {
        "15.02.02.2004": ["PT Kopi Sumatra Lestari"],
        "15.02.01.2002": ["LSM Tani Sejahtera"],
        "15.02.01.2001": ["LSM Tani Sejahtera"],
        "15.02.02.1010": [],
    }


def test_the_period_decides_who_was_reached(dataset, viewer):
    # In 2015 only OLD ran: P9 was reached then, nobody else.
    rows = s.coverage_gaps(actor=viewer, period=s.Period(dt.date(2015, 1, 1), dt.date(2015, 12, 31)))
    gaps = {r.name: (r.gaps["disability"], r.totals["disability"]) for r in rows}
    assert gaps == {"Bangko": (3, 4), "Jangkat": (3, 3)}


def test_it_is_one_aggregate_query_whatever_the_number_of_people(dataset, viewer):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            s.coverage_gaps(actor=viewer, period=period(), level="village")
        people = [q for q in ctx.captured_queries if '"registry_person"' in q["sql"]]
        return len(people), len(ctx.captured_queries)

    people, total = count()
    assert people == 1
    for _ in range(5):
        resident("15.02.01.2002", disabled=True)
    assert count() == (1, total)


def test_the_meeting_page_is_clear_and_printable(client, dataset, viewer):
    client.force_login(viewer)
    response = client.get(reverse("partners:gaps"), {"level": "village", "group": "disability"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-print" in html and "Belum ada mitra" in html
    assert "Dinas Sosial Kabupaten Merangin" in html  # the regency-wide programme, listed once
    assert "Warga" not in html  # counts only, never a name


def test_it_exports_the_gaps_and_audits_it(client, dataset, officer):
    client.force_login(officer)
    response = client.get(reverse("partners:gaps_xlsx"), {"group": "disability"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["Bangko", "Jangkat"]
    assert rows[1][3] == 5
    assert AuditEvent.objects.filter(action="export", object_type="partners.coverage_gaps", actor=officer).exists()


# --- Stored snapshots (core.snapshots): the same figures as the direct computation ---------------------------------


def _direct_gap_counts(village_level: bool) -> list[dict]:
    """The coverage gaps' counts by the definitions themselves: flag_q/group_q and the correlated reached_q."""
    from django.db.models import Count

    from berdaya.registry.models import Person

    today = h.today()
    area = "household__village" if village_level else "household__village__district"
    not_reached = ~s.reached_q(period())
    aggregates = {}
    for g in s.GAP_GROUP_CODES:
        q = s.gap_group_q(g, today)
        aggregates[f"total_{g}"] = Count("pk", filter=q)
        aggregates[f"gap_{g}"] = Count("pk", filter=q & not_reached)
    rows = Person.objects.current().filter(status="active").values(area).annotate(residents=Count("pk"), **aggregates)
    return sorted((dict(r) for r in rows.order_by()), key=lambda r: r[area])


def _counts_only(rows: list[dict], area: str) -> list[dict]:
    keep = {area, "residents", *(f"{k}_{g}" for g in s.GAP_GROUP_CODES for k in ("total", "gap"))}
    return sorted(({k: v for k, v in r.items() if k in keep} for r in rows), key=lambda r: r[area])


@pytest.mark.parametrize("village_level", [False, True])
def test_stored_gap_counts_equal_the_direct_computation(dataset, village_level):
    area = "household__village" if village_level else "household__village__district"
    fast = s._gap_counts(period(), village_level, "", h.today())
    direct = _direct_gap_counts(village_level)
    assert direct and _counts_only(fast, area) == direct
    if not village_level:
        # The refresh sums the village rows into districts: the same as counting by district.
        summed = s._gap_district_rows(s._gap_counts(period(), True, "", h.today()))
        assert _counts_only(summed, area) == direct


def test_a_snapshot_is_served_until_the_refresh(dataset, viewer, settings):
    from berdaya.core import snapshots
    from berdaya.core.models import AggregateSnapshot

    settings.BERDAYA_AGGREGATE_MAX_AGE = 3600
    this_year = s.Period.default(h.today())

    def bangko_disabled() -> int:
        rows = s.coverage_gaps(actor=viewer, period=this_year, group="disability")
        return next(r.totals["disability"] for r in rows if r.name == "Bangko")

    assert bangko_disabled() == 4
    assert AggregateSnapshot.objects.filter(name="partners.gaps").count() == 1
    resident("15.02.02.2004", disabled=True)
    assert bangko_disabled() == 4  # stale: the stored figure, at most BERDAYA_AGGREGATE_MAX_AGE old
    took = snapshots.refresh_all()
    assert {"partners.gaps", "partners.matrix", "registry.vulnerability"} <= set(took)
    assert bangko_disabled() == 5
    # An aged-out snapshot is computed again by its reader.
    resident("15.02.02.2004", disabled=True)
    AggregateSnapshot.objects.update(computed_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert bangko_disabled() == 6
    settings.BERDAYA_AGGREGATE_MAX_AGE = 0
    resident("15.02.02.2004", disabled=True)
    assert bangko_disabled() == 7  # live


def test_the_stored_matrix_equals_the_direct_one(dataset, settings):
    filters = s.MatrixFilters(period=period())
    settings.BERDAYA_AGGREGATE_MAX_AGE = 0
    live = [(r.organisation.pk, r.role, r.kind, r.reached, r.recipients, r.disbursed) for r in s.matrix_rows(filters)]
    settings.BERDAYA_AGGREGATE_MAX_AGE = 3600
    first = [(r.organisation.pk, r.role, r.kind, r.reached, r.recipients, r.disbursed) for r in s.matrix_rows(filters)]
    stored = [(r.organisation.pk, r.role, r.kind, r.reached, r.recipients, r.disbursed) for r in s.matrix_rows(filters)]
    assert live and live == first == stored
    assert s.reached_by_district(filters) == s._reached_by_district(filters)


def test_the_rendered_gaps_are_cached_per_reader_scope_and_snapshot(
    client, dataset, officer, viewer, partner_b, settings, monkeypatch
):
    from django.core.cache import cache

    from berdaya.core import snapshots
    from berdaya.partners import views

    settings.BERDAYA_AGGREGATE_MAX_AGE = 3600
    cache.clear()
    snapshots.refresh_all()  # the scheduled job: this year's default snapshots
    calls = []
    compute = views.coordination.coverage_gaps
    monkeypatch.setattr(views.coordination, "coverage_gaps", lambda **k: calls.append(1) or compute(**k))
    url, params = reverse("partners:gaps"), {"group": "disability", "level": "village"}
    try:
        # given: an officer's exact table, rendered once and then read from the cache
        client.force_login(officer)

        def table(html: str) -> str:
            return html[html.index("<table") : html.index("</table>")]

        exact = client.get(url, params).content.decode()
        assert table(client.get(url, params).content.decode()) == table(exact)
        assert len(calls) == 1
        assert "Data per" in exact and "&lt;5" not in exact
        # when: a viewer and partner staff (suppressed for both) ask the same table
        for reader in (viewer, partner_b):
            client.force_login(reader)
            html = client.get(url, params).content.decode()
            # then: their own suppressed table, not the officer's cached one
            assert "&lt;5" in html
        assert len(calls) == 3
        # A new snapshot (the next refresh) is rendered again, with the new figures.
        resident("15.02.02.2004", disabled=True)
        snapshots.refresh_all()
        client.force_login(officer)
        assert table(client.get(url, params).content.decode()) != table(exact)
        assert len(calls) == 4
    finally:
        cache.clear()
