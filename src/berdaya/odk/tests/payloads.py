"""Representative submissions of the generated forms, in ODK Central's OData shape (nested groups, repeats inline
with $expand=*) and KoboToolbox's JSON shape (flat "group/field" keys)."""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from typing import Any

from berdaya.testing import factories as f

TODAY = dt.date.today()


def _uuid() -> str:
    return f"uuid:{uuidlib.uuid4()}"


def central(fields: dict[str, Any], *, instance: str | None = None, submitter: str = "") -> dict[str, Any]:
    instance = instance or _uuid()
    return {
        "__id": instance,
        "__system": {
            "submissionDate": f"{TODAY.isoformat()}T08:00:00.000Z",
            "submitterId": "7",
            "submitterName": submitter,
            "reviewState": None,
        },
        "meta": {"instanceID": instance},
        **fields,
    }


def kobo(fields: dict[str, Any], *, instance: str | None = None, submitter: str = "") -> dict[str, Any]:
    instance = instance or _uuid()
    flat: dict[str, Any] = {
        "_id": 101,
        "_uuid": instance.removeprefix("uuid:"),
        "meta/instanceID": instance,
        "formhub/uuid": "abc",
        "__version__": "v1",
        "_submitted_by": submitter or None,
        "_submission_time": f"{TODAY.isoformat()}T08:00:00",
        "_attachments": [],
        "_geolocation": [None, None],
    }

    def walk(prefix: str, value: dict[str, Any], out: dict[str, Any]) -> None:
        for key, item in value.items():
            path = f"{prefix}{key}"
            if isinstance(item, dict) and item.get("type") != "Point":
                walk(f"{path}/", item, out)
            elif isinstance(item, list):
                rows = []
                for row in item:
                    inner: dict[str, Any] = {}
                    walk(f"{path}/", row, inner)
                    rows.append(inner)
                out[path] = rows
            elif isinstance(item, dict):  # GeoJSON point: Kobo writes "lat lon alt accuracy"
                lon, lat, alt = item["coordinates"]
                out[path] = f"{lat} {lon} {alt} 5.0"
            else:
                out[path] = item

    walk("", fields, flat)
    return flat


def household_fields(
    *, village: str = "15.02.01.2001", group: int | None = None, head_nik: str | None = None
) -> dict[str, Any]:
    head_birth = dt.date(1980, 5, 20)
    child_birth = TODAY.replace(year=TODAY.year - 8) - dt.timedelta(days=3)
    head = {
        "full_name": "Ahmad Lapangan",
        "nik": head_nik or f.nik(birth_date=head_birth, sex="M"),
        "nik_missing_reason": None,
        "sex": "M",
        "birth_place": "Bangko",
        "birth_date": head_birth.isoformat(),
        "age": "45",
        "relationship": "head",
        "marital_status": "married",
        "education": "primary",
        "occupation": "farmer",
        "phone": "081234567890",
        "wgss": {
            "wgss_seeing": "1",
            "wgss_hearing": "1",
            "wgss_walking": "3",
            "wgss_remembering": "1",
            "wgss_selfcare": "1",
            "wgss_communicating": "1",
        },
        "consent": {"consent_basis": "consent", "consent_given_by": "self", "consent_given_by_name": None},
    }
    if group is not None:
        head["group"] = str(group)
    child = {
        "full_name": "Putri Lapangan",
        "nik": None,
        "nik_missing_reason": "never_registered",
        "sex": "F",
        "birth_place": None,
        "birth_date": child_birth.isoformat(),
        "age": "8",
        "relationship": "child",
        "marital_status": "single",
        "education": "none",
        "occupation": "student",
        "phone": None,
        "wgss": dict.fromkeys(
            ("wgss_seeing", "wgss_hearing", "wgss_walking", "wgss_remembering", "wgss_selfcare", "wgss_communicating"),
            "1",
        ),
        "consent": {
            "consent_basis": "consent",
            "consent_given_by": "parent",
            "consent_given_by_name": "Ahmad Lapangan",
        },
    }
    return {
        "start": f"{TODAY.isoformat()}T07:30:00.000+07:00",
        "end": f"{TODAY.isoformat()}T07:50:00.000+07:00",
        "location": {
            "district": village[:8],
            "village": village,
            "address": "Jl. Kebun Karet 3",
            "rt": "003",
            "rw": "001",
            "gps": {"type": "Point", "coordinates": [101.9, -2.3, 500.0], "properties": {"accuracy": 5.0}},
            "kk_number": f.kk_number(),
        },
        "house": {
            "floor_material": "wood",
            "wall_material": "wood",
            "roof_material": "zinc",
            "water_source": "protected_well",
            "toilet": "own_no_septic",
            "lighting": "pln_metered",
            "cooking_fuel": "wood",
            "floor_area_m2": 36,
            "land_operated_ha": 1.25,
            "land_tenure": "own",
            "assets": "asset_motorcycle asset_smartphone",
        },
        "members": [head, child],
    }


def farmer_ref(person) -> dict[str, Any]:
    return {"farmer_nik": person.nik, "farmer_id": None}


def plot_fields(person) -> dict[str, Any]:
    return {
        **farmer_ref(person),
        "district": "15.02.01",
        "village": "15.02.01.2001",
        "plot_name": "Kebun belakang",
        "area_ha": 0.75,
        "tenure": "own",
        "commodity": "kopi_biji",
        "variety": "Robusta",
        "planting_year": 2015,
        "gps": {"type": "Point", "coordinates": [101.91, -2.31, 600.0], "properties": {"accuracy": 4.0}},
    }


def harvest_fields(person, *, quantity: float = 300, confirmed: str | None = None) -> dict[str, Any]:
    return {
        **farmer_ref(person),
        "commodity": "karet",
        "plot_id": None,
        "harvested_on": (TODAY - dt.timedelta(days=2)).isoformat(),
        "quantity": quantity,
        "unit": "kg",
        "practices": "",
        "confirmed": confirmed,
    }


def sale_fields(person, *, price: int = 11000) -> dict[str, Any]:
    return {
        **farmer_ref(person),
        "date": (TODAY - dt.timedelta(days=1)).isoformat(),
        "commodity": "karet",
        "grade": None,
        "quality_pct": 60,
        "quantity": 100,
        "unit": "kg",
        "price_per_kg": price,
        "channel": "uppb",
        "buyer_name": "UPPB Jangkat",
        "confirmed": None,
    }


def attendance_fields(session, present: list[int]) -> dict[str, Any]:
    return {"programme": str(session.programme_id), "session": str(session.pk), "present": " ".join(map(str, present))}


def prices_fields(point, *, price: int = 11000) -> dict[str, Any]:
    return {
        "district": point.district_id,
        "point": str(point.pk),
        "date": TODAY.isoformat(),
        "prices": [
            {"commodity": "karet", "grade": None, "price_type": "farm_gate", "price_per_kg": price},
            {"commodity": "kopi_biji", "grade": None, "price_type": "farm_gate", "price_per_kg": 45000},
        ],
        "confirmed": None,
    }


def outcome_fields(person) -> dict[str, Any]:
    return {
        **farmer_ref(person),
        "village": "15.02.01.2001",
        "interview_date": TODAY.isoformat(),
        "programme": None,
        "round": "baseline",
        "round_month": None,
        "household_size": 4,
        "income": {
            "income_farming": 2500000,
            "income_wages": 0,
            "income_business": 0,
            "income_transfers": 200000,
            "income_remittances": 0,
            "income_other": 0,
        },
        "work": {"employed": "yes", "occupation": "farmer", "hours_worked": 40, "business_running": "yes"},
        "farm": {"commodity": "karet", "yield_kg": 1200, "area_ha": 1.5, "price_obtained": 11000},
        "savings_group": {"has_savings": "yes", "savings_amount": 500000},
        "wellbeing": 6,
    }
