"""The coordination pages (4W matrix, its map, coverage gaps, their XLSX) for partner staff: the regency's figures
less whoever withdrew consent to sharing with partners, the same for every partner (partners.access.
coordination_less_withdrawn). Their own organisation's row is exact and sits beside their participant list and
assistance ledger: a row that still counted a participant who withdrew would give her back by difference. Officers
read the regency's figures, her included.

The reference for "the regency's figures without her" is the officer's figures once her records are gone."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from berdaya.core import disclosure, snapshots
from berdaya.core.models import AggregateSnapshot
from berdaya.partners import coordination as s
from berdaya.programmes.models import Assistance, Enrolment
from berdaya.registry import choices as rc
from berdaya.registry import services as registry_services
from berdaya.registry.models import ConsentRecord
from berdaya.testing import factories as f
from berdaya.testing import programmes as h

from .test_commitments import disburse
from .test_gaps import resident

JANGKAT, VILLAGE = "15.02.01", "15.02.01.2001"


def period() -> s.Period:
    return s.Period.default(h.today())


@pytest.fixture
def world(officer, org_a, org_b):
    """Org A's programme covers Jangkat: seven disabled residents of one village take part, six of them received
    cash; "Siti" (a participant with assistance) withdrew consent to sharing with partners. Two more disabled
    residents are not reached."""
    programme = h.programme(officer, organiser=org_a, name="Pelatihan Menjahit", districts=[JANGKAT])
    participants = [resident(VILLAGE, disabled=True) for _ in range(7)]
    for i, person in enumerate(participants):
        h.enrol(officer, programme, person)
        if i < 6:
            disburse(officer, programme, person, 100_000 * (i + 1))
    siti = participants[0]
    for _ in range(2):
        resident(VILLAGE, disabled=True)
    registry_services.consent_withdraw(
        actor=officer, person=siti, purpose=rc.ConsentPurpose.SHARING, on=h.today() - dt.timedelta(days=1)
    )
    return {"programme": programme, "siti": siti, "partner_a": f.user("partner", org=org_a)}


def forget(person) -> None:
    """Her records gone: what the regency's figures are without her."""
    Assistance.objects.filter(person=person).delete()
    Enrolment.objects.filter(person=person).delete()
    ConsentRecord.objects.filter(person=person).delete()
    person.delete()


def row_of(rows: list[s.MatrixRow], org) -> tuple[int, int, int, int]:
    # The district's row, or at village level the village's (not the covered district as a whole).
    (row,) = [
        r
        for r in rows
        if r.organisation == org
        and r.district
        and r.district.code == JANGKAT
        and (r.village.code == VILLAGE if r.village_level and r.village else not r.village_level)
    ]
    return (row.participants, row.reached, row.recipients, row.disbursed)


def matrix(user, **kw) -> list[s.MatrixRow]:
    return s.matrix_rows(s.MatrixFilters(period=period(), **kw).for_reader(user))


def gap_figures(user, level: str = "district") -> list[tuple]:
    rows = s.coverage_gaps(actor=user, period=period(), level=level)
    return sorted((r.code, r.residents, tuple(sorted(r.totals.items())), tuple(sorted(r.gaps.items()))) for r in rows)


def reached(user) -> dict[str, int]:
    return s.reached_by_district(s.MatrixFilters(period=period()).for_reader(user))


def test_partner_staff_read_the_regency_less_whoever_withdrew(world, officer, org_a, partner_b):
    partner_a, siti = world["partner_a"], world["siti"]
    spent_on_her = sum(a.amount for a in Assistance.objects.filter(person=siti))
    readers = {"a": partner_a, "b": partner_b}
    seen = {
        key: {
            "row": row_of(matrix(user), org_a),
            "village_row": row_of(matrix(user, level="village"), org_a),
            "reached": reached(user),
            "gaps": gap_figures(user),
            "village_gaps": gap_figures(user, "village"),
        }
        for key, user in readers.items()
    }
    officer_row = row_of(matrix(officer), org_a)
    officer_reached, officer_gaps = reached(officer), gap_figures(officer)

    forget(siti)
    without_her = {
        "row": row_of(matrix(officer), org_a),
        "village_row": row_of(matrix(officer, level="village"), org_a),
        "reached": reached(officer),
        "gaps": gap_figures(officer),
        "village_gaps": gap_figures(officer, "village"),
    }
    # Partner staff of the organisation and of another one read the regency's figures without her.
    assert seen["a"] == seen["b"] == without_her
    # An officer reads the regency's, her included: one more participant and recipient, her assistance.
    participants, reach, recipients, disbursed = without_her["row"]
    assert officer_row == (participants + 1, reach + 1, recipients + 1, disbursed + spent_on_her)
    assert officer_reached[JANGKAT] == without_her["reached"][JANGKAT] + 1
    assert officer_gaps != without_her["gaps"]


def _sheet(client, user, name: str, params: dict) -> list[tuple]:
    client.force_login(user)
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_the_xlsx_exports_leave_her_out_for_partner_staff(client, world, officer, org_a, partner_b):
    partner_a = world["partner_a"]
    params = {"start": period().start.isoformat(), "end": period().end.isoformat()}
    matrix_sheets = {u: _sheet(client, u, "partners:matrix_xlsx", params) for u in (partner_a, partner_b, officer)}
    gap_sheets = {u: _sheet(client, u, "partners:gaps_xlsx", params) for u in (partner_a, partner_b, officer)}

    def org_line(sheet):
        (line,) = [r for r in sheet if r[0] == JANGKAT and r[4] == org_a.name]
        return line[13:18]  # participants, assistance only, reached, recipients (period), Rupiah

    forget(world["siti"])
    ref = row_of(matrix(officer), org_a)
    shown = disclosure.for_coordination(partner_a)
    for user in (partner_a, partner_b):
        line = org_line(matrix_sheets[user])
        assert (line[0], line[2], line[3], line[4]) == (
            shown.count(ref[0]),
            shown.count(ref[1]),
            shown.count(ref[2]),
            ref[3],
        )
        assert gap_sheets[user] == _sheet(client, user, "partners:gaps_xlsx", params)
    # The officer's export counted her.
    assert org_line(matrix_sheets[officer])[4] > ref[3]
    assert org_line(matrix_sheets[officer])[0] == ref[0] + 1


def test_the_refresh_stores_both_variants_and_partner_staff_read_theirs(
    client, world, officer, org_a, partner_b, settings, monkeypatch
):
    settings.BERDAYA_AGGREGATE_MAX_AGE = 3600
    live = {
        "partner": (row_of(matrix(partner_b), org_a), gap_figures(partner_b), reached(partner_b)),
        "officer": (row_of(matrix(officer), org_a), gap_figures(officer), reached(officer)),
    }
    AggregateSnapshot.objects.all().delete()
    snapshots.refresh_all()
    stored = AggregateSnapshot.objects.filter(name__in=["partners.matrix", "partners.gaps"])
    variants = sorted(
        (r.name, r.params.get("level", r.params.get("village_level")), bool(r.params.get("less_withdrawn")))
        for r in stored
    )
    assert variants == sorted(
        [
            (name, level, less)
            for name, levels in (("partners.matrix", ["district", "village"]), ("partners.gaps", [False, True]))
            for level in levels
            for less in (False, True)
        ]
    )

    # Readers now read the stored snapshots: nothing is computed.
    def refuse(*args, **kwargs):
        raise AssertionError("computed live")

    monkeypatch.setattr(s, "_matrix_counts", refuse)
    monkeypatch.setattr(s, "_gap_counts", refuse)
    assert (row_of(matrix(partner_b), org_a), gap_figures(partner_b)) == live["partner"][:2]
    assert (row_of(matrix(officer), org_a), gap_figures(officer)) == live["officer"][:2]
    assert live["partner"] != live["officer"]

    # The page's "data as of" is the variant's: partner staff's snapshots older than the officers'.
    older = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=7)
    stored.filter(params__less_withdrawn=True).update(computed_at=older)
    note = "tidak menghitung warga yang menarik persetujuan berbagi data dengan mitra"
    for name in ("partners:matrix", "partners:gaps"):
        client.force_login(partner_b)
        response = client.get(reverse(name))
        assert response.context["as_of"] == older
        assert note in response.content.decode()  # said to partner staff, whoever withdrew
        client.force_login(officer)
        response = client.get(reverse(name))
        assert response.context["as_of"] > older
        assert note not in response.content.decode()
