"""Writes of farming, prices and sessions through the API (issue 18): the web form's fields and messages and the
owning app's service, the caller's scope (another organisation's farmer is not found, another's plot is 404), the
confirmation the page asks for, and an audit row per write."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from berdaya.core.models import AuditEvent
from berdaya.farming.models import Harvest, Plot, Sale
from berdaya.markets.models import PriceObservation
from berdaya.programmes.models import Session
from berdaya.testing import markets as tm

from .test_scope import VILLAGE_B, client, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def errors_of(response) -> dict[str, str]:
    return {row["field"]: row["rule"] for row in response.json()["errors"]}


def plot_body(farmer, **more):
    return {
        "farmer": farmer.pk,
        "village": VILLAGE_B,
        "area_ha": "1.5",
        "tenure": "own",
        "commodity": tm.commodity("karet").pk,
        "planting_year": 2015,
        **more,
    }


def test_plots_are_added_and_changed_in_scope_with_the_forms_rules(world):  # noqa: F811
    fac, other = client(world["fac_b"]), client(world["partner_a"])

    created = fac.post("/api/v1/plots/", plot_body(world["b"]), format="json")
    assert created.status_code == 201, created.content
    plot = Plot.objects.get(pk=created.json()["id"])
    assert plot.farmer == world["b"] and plot.created_by == world["fac_b"]
    assert AuditEvent.objects.filter(action="create", object_id=str(plot.pk), detail__via="api").exists()

    # the form's rules and messages, by field
    bad = fac.post("/api/v1/plots/", plot_body(world["b"], area_ha="-1", planting_year=None), format="json")
    assert bad.status_code == 400 and {"area_ha", "planting_year"} <= set(errors_of(bad)), bad.content
    assert "tenure" in errors_of(fac.post("/api/v1/plots/", plot_body(world["b"], tenure="dicuri"), format="json"))
    # a farmer outside the caller's scope does not exist for it; a plot outside it is 404
    assert "farmer" in errors_of(other.post("/api/v1/plots/", plot_body(world["b"]), format="json"))
    assert other.patch(f"/api/v1/plots/{plot.pk}/", {"area_ha": "2"}, format="json").status_code == 404

    changed = fac.patch(f"/api/v1/plots/{plot.pk}/", {"area_ha": "2.25"}, format="json")
    assert changed.status_code == 200, changed.content
    plot.refresh_from_db()
    assert str(plot.area_ha) == "2.250" and plot.tenure == "own"  # the rest stays as it was


def test_a_harvest_past_the_usual_yield_needs_confirmation(world):  # noqa: F811
    officer = client(world["officer"])
    plot = Plot.objects.create(
        farmer=world["b"], village_id=VILLAGE_B, area_ha="0.5", tenure="own", commodity=tm.commodity("karet")
    )
    body = {
        "plot": plot.pk,
        "harvested_on": str(timezone.localdate() - dt.timedelta(days=1)),
        "quantity": "100000",
        "unit": tm.unit("kg").pk,
    }
    asked = officer.post("/api/v1/harvests/", body, format="json")
    assert asked.status_code == 400 and errors_of(asked) == {"confirm": "needs_confirmation"}, asked.content
    assert not Harvest.objects.exists()

    done = officer.post("/api/v1/harvests/", {**body, "confirm": True}, format="json")
    assert done.status_code == 201, done.content
    assert Harvest.objects.get().warning  # kept with the warning the officer confirmed
    future = officer.post(
        "/api/v1/harvests/", {**body, "harvested_on": str(timezone.localdate() + dt.timedelta(days=3))}, format="json"
    )
    assert "harvested_on" in errors_of(future)


def test_sales_are_recorded_for_farmers_in_scope(world):  # noqa: F811
    body = {
        "farmer": world["b"].pk,
        "date": str(timezone.localdate()),
        "commodity": tm.commodity("karet").pk,
        "quantity": "50",
        "unit": tm.unit("kg").pk,
        "price_per_kg": 9000,
        "channel": "uppb",
        "confirm": True,
    }
    done = client(world["fac_b"]).post("/api/v1/sales/", body, format="json")
    assert done.status_code == 201, done.content
    sale = Sale.objects.get()
    assert sale.amount == 450_000 and sale.recorded_by == world["fac_b"]
    bad = client(world["fac_b"]).post("/api/v1/sales/", {**body, "channel": "gelap", "price_per_kg": 0}, format="json")
    assert bad.status_code == 400 and "channel" in errors_of(bad)
    assert "farmer" in errors_of(client(world["partner_a"]).post("/api/v1/sales/", body, format="json"))


def test_prices_are_recorded_by_field_staff_and_not_by_viewers(world):  # noqa: F811
    body = {
        "date": str(timezone.localdate()),
        "point": tm.point().pk,
        "commodity": tm.commodity("karet").pk,
        "price_type": "farm_gate",
        "price_per_kg": 9500,
    }
    done = client(world["fac_b"]).post("/api/v1/prices/", body, format="json")
    assert done.status_code == 201, done.content
    observation = PriceObservation.objects.get()
    assert observation.recorded_by == world["fac_b"] and observation.source == "enumerator"
    assert client(world["viewer"]).post("/api/v1/prices/", body, format="json").status_code == 403
    bad = client(world["fac_b"]).post("/api/v1/prices/", {**body, "price_type": "x", "point": 999999}, format="json")
    assert bad.status_code == 400 and {"price_type", "point"} <= set(errors_of(bad))


def test_sessions_are_added_by_the_programmes_organiser(world):  # noqa: F811
    programme = world["b"].enrolments.get().programme
    body = {
        "programme": programme.pk,
        "date": str(timezone.localdate()),
        "start_time": "09:00",
        "end_time": "11:00",
        "topic": "Penyadapan karet",
        "venue": "Balai desa",
    }
    missing = client(world["officer"]).post("/api/v1/sessions/", {**body, "venue": ""}, format="json")
    assert missing.status_code == 400 and errors_of(missing) == {"venue": "required"}, missing.content
    done = client(world["officer"]).post("/api/v1/sessions/", body, format="json")
    assert done.status_code == 201, done.content
    session = Session.objects.get(pk=done.json()["id"])
    changed = client(world["officer"]).patch(
        f"/api/v1/sessions/{session.pk}/", {"venue": "Aula kecamatan"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["topic"] == "Penyadapan karet"
    # another organisation's partner: not its programme
    refused = client(world["partner_a"]).post("/api/v1/sessions/", body, format="json")
    assert refused.status_code in (400, 403, 404) and Session.objects.count() == 1


def test_assistance_is_recorded_by_the_organiser_for_its_participants(world):  # noqa: F811
    programme = world["b"].enrolments.get().programme
    body = {
        "programme": programme.pk,
        "person": world["b"].pk,
        "kind": "cash_grant",
        "amount": 750_000,
        "date": str(timezone.localdate()),
    }
    organiser = client(world["partner_b"])
    done = organiser.post("/api/v1/assistance/", body, format="json")
    assert done.status_code == 201, done.content
    assert done.json()["amount"] == 750_000 and AuditEvent.objects.filter(action="create", detail__via="api").exists()
    # a cash grant states its amount (the form's and the service's rule); a non-participant is not a choice
    assert "amount" in errors_of(organiser.post("/api/v1/assistance/", {**body, "amount": None}, format="json"))
    other = world["a"].pk
    assert "person" in errors_of(organiser.post("/api/v1/assistance/", {**body, "person": other}, format="json"))
    # another organisation's partner does not find the programme
    refused = client(world["partner_a"]).post("/api/v1/assistance/", body, format="json")
    assert refused.status_code in (400, 403) and programme.assistance.count() == 1


def test_groups_are_added_in_the_users_villages(world):  # noqa: F811
    fac = client(world["fac_b"])
    body = {"name": "Poktan Karya Tani", "kind": "poktan", "village": VILLAGE_B}
    done = fac.post("/api/v1/groups/", body, format="json")
    assert done.status_code == 201, done.content
    elsewhere = fac.post("/api/v1/groups/", {**body, "village": "15.02.01.2001"}, format="json")
    assert elsewhere.status_code == 400 and "village" in errors_of(elsewhere)
    renamed = fac.patch(f"/api/v1/groups/{done.json()['id']}/", {"name": "Poktan Maju"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "Poktan Maju", renamed.content
    assert renamed.json()["village"] == VILLAGE_B
