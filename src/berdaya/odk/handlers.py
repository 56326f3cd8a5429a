"""From a field submission to Berdaya's records, through the same services as the web forms.

A submission arrives as JSON in one of two shapes: ODK Central's OData (groups as nested objects, repeats as lists
with `$expand=*`) and KoboToolbox's (flat keys "group/field", repeats as lists of such). `normalise` turns either into
one shape: each field by its own name (the generated forms give every field a unique name), each repeat a list of
such dicts. A handler per form converts the values (dates, numbers, GPS) and calls the services: the registry's
household registration (with its duplicate and NIK/KK checks), consent, group membership; farming's plots, harvests
and sales; programmes' attendance; markets' price observations. Nothing here restates a rule: a value the service
refuses comes back as its ValidationError, on the field it names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.areas.models import Village
from berdaya.farming import services as farming
from berdaya.farming.access import plots_visible_to
from berdaya.farming.models import Plot, Practice
from berdaya.markets import services as markets
from berdaya.markets.models import Commodity, Grade, PricePoint, Unit
from berdaya.outcomes import choices as oc
from berdaya.outcomes import services as outcomes
from berdaya.programmes import services as programmes
from berdaya.programmes.access import programmes_visible_to
from berdaya.programmes.models import Session
from berdaya.registry import choices as rc
from berdaya.registry import services as registry
from berdaya.registry.access import get_group_or_404, people_visible_to
from berdaya.registry.identity import normalise_identity
from berdaya.registry.models import Person

from .choices import FormKind
from .xlsform import ASSETS, EMPTY_CHOICE

CONSENT_PURPOSE = "Pendataan registri Berdaya (formulir lapangan)"

# Fields of the generated forms that identify or locate a person without being registry columns, with the registry
# field whose masking they take (core.masking): pages mask them, and a role that may not see them cannot change them.
FORM_IDENTIFYING = {"farmer_nik": "nik", "gps": "latitude", "consent_given_by_name": "address"}

# --- the two shapes into one -------------------------------------------------------------------------------------


def _leaf(key: str) -> str:
    return key.rsplit("/", 1)[-1]


def normalise(payload: dict[str, Any]) -> dict[str, Any]:
    """Central's nested groups and Kobo's "group/field" keys, both to {field: value}; repeats to lists of those.
    Metadata (Central's __id/__system, Kobo's _id/_uuid..., meta/, formhub/) is left out: it stays in the raw
    payload."""
    out: dict[str, Any] = {}
    for key, value in payload.items():
        name = _leaf(key)
        if key.startswith("_") or name.startswith("_") or key.split("/", 1)[0] in {"meta", "formhub"}:
            continue
        if name.endswith("@odata.navigationLink"):
            continue
        if isinstance(value, dict) and not _is_geojson(value):
            out.update(normalise(value))
        elif isinstance(value, list) and all(isinstance(item, dict) for item in value):
            out[name] = [normalise(item) for item in value]
        else:
            out[name] = value
    return out


def _is_geojson(value: dict[str, Any]) -> bool:
    return value.get("type") == "Point" and "coordinates" in value


def instance_id_of(payload: dict[str, Any]) -> str:
    meta = payload.get("meta")
    candidates = [
        meta.get("instanceID") if isinstance(meta, dict) else None,
        payload.get("meta/instanceID"),
        payload.get("__id"),
        f"uuid:{payload['_uuid']}" if payload.get("_uuid") else None,
    ]
    return next((str(c) for c in candidates if c), "")


def submitter_of(payload: dict[str, Any]) -> str:
    system = payload.get("__system")
    if isinstance(system, dict) and system.get("submitterName"):
        return str(system["submitterName"])
    return str(payload.get("_submitted_by") or "")


def submitted_at_of(payload: dict[str, Any]) -> dt.datetime | None:
    system = payload.get("__system")
    raw = system.get("submissionDate") if isinstance(system, dict) else payload.get("_submission_time")
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value, dt.UTC)


# --- values ------------------------------------------------------------------------------------------------------


class Errors:
    """Field errors gathered over a whole submission, so a person sees them all at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if value in (None, EMPTY_CHOICE):
        return ""
    return str(value).strip()


def number(data: dict[str, Any], name: str, errors: Errors, *, path: str = "") -> Decimal | None:
    raw = text(data, name)
    if not raw:
        return None
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        errors.add(path + name, _("Harus berupa angka (tertulis “%(v)s”).") % {"v": raw[:20]})
        return None
    if not value.is_finite():
        errors.add(path + name, _("Harus berupa angka (tertulis “%(v)s”).") % {"v": raw[:20]})
        return None
    return value


def integer(data: dict[str, Any], name: str, errors: Errors, *, path: str = "") -> int | None:
    value = number(data, name, errors, path=path)
    if value is None:
        return None
    if value != value.to_integral_value():
        errors.add(path + name, _("Harus bilangan bulat (tertulis “%(v)s”).") % {"v": text(data, name)[:20]})
        return None
    return int(value)


def date(data: dict[str, Any], name: str, errors: Errors, *, path: str = "", required: bool = True) -> dt.date | None:
    raw = text(data, name)
    if not raw:
        if required:
            errors.add(path + name, _("Wajib diisi."))
        return None
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        errors.add(path + name, _("Tanggal tidak dikenal (tertulis “%(v)s”); gunakan tttt-bb-hh.") % {"v": raw[:20]})
        return None


def many(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name)
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v for v in text(data, name).split() if v != EMPTY_CHOICE]


def geopoint(data: dict[str, Any], name: str, errors: Errors) -> tuple[Decimal | None, Decimal | None]:
    """(latitude, longitude) from Central's GeoJSON point or Kobo's "lat lon alt accuracy" text."""
    value = data.get(name)
    if not value:
        return None, None
    try:
        if isinstance(value, dict):
            lon, lat = value["coordinates"][0], value["coordinates"][1]
        else:
            lat, lon = str(value).split()[:2]
        q6 = Decimal("0.000001")
        return Decimal(str(lat)).quantize(q6), Decimal(str(lon)).quantize(q6)
    except (KeyError, IndexError, ValueError, InvalidOperation):
        errors.add(name, _("Lokasi GPS tidak terbaca."))
        return None, None


def _lookup(model: Any, name: str, value: str, errors: Errors, *, field_name: str = "code", path: str = "") -> Any:
    if not value:
        return None
    found = model.objects.filter(**{field_name: value}).first()
    if found is None:
        errors.add(path + name, _("Pilihan “%(v)s” tidak dikenal di Berdaya.") % {"v": value[:40]})
    return found


# --- who a record is about ---------------------------------------------------------------------------------------


def farmer_of(actor: User, data: dict[str, Any]) -> Person:
    """The person a farm or outcome record is about, by NIK or Berdaya number, among the people `actor` may see."""
    people = people_visible_to(actor).living()
    nik = normalise_identity(text(data, "farmer_nik"))
    if nik:
        person = people.filter(nik=nik).first()
        if person is None:
            raise ValidationError(
                {"farmer_nik": _("Tidak ada penduduk hidup dengan NIK ini di registri, atau di luar wilayah Anda.")}
            )
        return person
    raw = text(data, "farmer_id")
    person = people.filter(pk=int(raw)).first() if raw.isdigit() else None
    if person is None:
        raise ValidationError({"farmer_id": _("Isi NIK petani, atau nomor penduduk Berdaya yang ada di wilayah Anda.")})
    return person


def village_of(kind: str, data: dict[str, Any]) -> str | None:
    """The village a submission is about, for who may see it in the queue (not a scope check: any person's)."""
    code = text(data, "village")
    if kind in {FormKind.HOUSEHOLD, FormKind.PLOT, FormKind.OUTCOME} and code:
        return code if Village.objects.filter(pk=code).exists() else None
    if kind == FormKind.PRICES:
        point = text(data, "point")
        return (
            PricePoint.objects.filter(pk=int(point)).values_list("village_id", flat=True).first()
            if point.isdigit()
            else None
        )
    nik = normalise_identity(text(data, "farmer_nik"))
    people = Person.objects.living()
    if nik:
        return people.filter(nik=nik).values_list("household__village_id", flat=True).first()
    raw = text(data, "farmer_id")
    if raw.isdigit():
        return people.filter(pk=int(raw)).values_list("household__village_id", flat=True).first()
    return None


# --- the handlers ------------------------------------------------------------------------------------------------


@dataclass
class Written:
    """What a submission created: ids by kind, shown on its page."""

    records: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[User, dict[str, Any], bool], Written]

HOUSEHOLD_TEXT = ("kk_number", "address", "rt", "rw")
HOUSEHOLD_CHOICES = (
    "floor_material",
    "wall_material",
    "roof_material",
    "water_source",
    "toilet",
    "lighting",
    "cooking_fuel",
    "land_tenure",
)
PERSON_TEXT = (
    "nik",
    "nik_missing_reason",
    "full_name",
    "sex",
    "birth_place",
    "relationship",
    "marital_status",
    "education",
    "occupation",
    "phone",
)
WGSS = ("wgss_seeing", "wgss_hearing", "wgss_walking", "wgss_remembering", "wgss_selfcare", "wgss_communicating")


def _with_prefix(exc: ValidationError, prefix: str, rename: dict[str, str] | None = None) -> ValidationError:
    rename = rename or {}
    if not hasattr(exc, "error_dict"):
        return ValidationError({f"{prefix}{NON_FIELD_ERRORS}": exc.messages}) if prefix else exc
    return ValidationError(
        {
            (prefix + rename.get(name, name) if name != NON_FIELD_ERRORS or prefix else name): [
                m for e in errs for m in e.messages
            ]
            for name, errs in exc.error_dict.items()
        }
    )


def household(actor: User, data: dict[str, Any], confirm: bool) -> Written:
    errors = Errors()
    hh: dict[str, Any] = {name: text(data, name) for name in (*HOUSEHOLD_TEXT, *HOUSEHOLD_CHOICES)}
    hh["village_id"] = text(data, "village")
    if not hh["village_id"]:
        errors.add("village", _("Wajib diisi."))
    hh["latitude"], hh["longitude"] = geopoint(data, "gps", errors)
    hh["floor_area_m2"] = integer(data, "floor_area_m2", errors)
    land = number(data, "land_operated_ha", errors)
    hh["land_operated_ha"] = land if land is not None else Decimal(0)
    if not hh["land_tenure"]:
        hh["land_tenure"] = rc.LandTenure.NONE
    owned = set(many(data, "assets"))
    for name, _label in ASSETS:
        hh[name] = name in owned
    raw_members = data.get("members") or []
    if not isinstance(raw_members, list):
        raw_members = []
    members: list[dict[str, Any]] = []
    for index, raw in enumerate(raw_members):
        path = f"members.{index}."
        member: dict[str, Any] = {name: text(raw, name) for name in PERSON_TEXT}
        member["nik"] = member["nik"] or None
        member["birth_date"] = date(raw, "birth_date", errors, path=path)
        for name in WGSS:
            member[name] = integer(raw, name, errors, path=path)
        members.append(member)
    errors.raise_if_any()
    try:
        created = registry.household_register(actor=actor, household=hh, members=members)
    except registry.RegistrationErrors as exc:
        merged: dict[str, list[str]] = {}
        if exc.household is not None:
            renamed = _with_prefix(exc.household, "", {"village_id": "village", "latitude": "gps", "longitude": "gps"})
            renamed.update_error_dict(merged)  # type: ignore[arg-type]
        for index, error in exc.members.items():
            _with_prefix(error, f"members.{index}.").update_error_dict(merged)  # type: ignore[arg-type]
        raise ValidationError(merged) from None
    people = list(created.members.order_by("pk"))
    given_at = date(data, "start", Errors(), required=False) or timezone.localdate()
    for index, (raw, person) in enumerate(zip(raw_members, people, strict=True)):
        path = f"members.{index}."
        basis = text(raw, "consent_basis")
        if basis:
            consent = {
                "basis": basis,
                "given_by": text(raw, "consent_given_by"),
                "given_by_name": text(raw, "consent_given_by_name"),
                "purpose": CONSENT_PURPOSE,
                "given_at": given_at,
            }
            try:
                registry.consent_record(actor=actor, person=person, data=consent)
            except ValidationError as exc:
                raise _with_prefix(
                    exc,
                    path,
                    {
                        "basis": "consent_basis",
                        "given_by": "consent_given_by",
                        "given_by_name": "consent_given_by_name",
                    },
                ) from None
        group_id = text(raw, "group")
        if group_id:
            try:
                group = get_group_or_404(actor, group_id)
            except Exception:
                raise ValidationError({path + "group": _("Kelompok tidak ditemukan di wilayah Anda.")}) from None
            registry.membership_add(actor=actor, group=group, person=person, role=rc.GroupRole.MEMBER)
    return Written({"household": created.pk, "people": [p.pk for p in people]})


def plot(actor: User, data: dict[str, Any], confirm: bool) -> Written:
    farmer = farmer_of(actor, data)
    errors = Errors()
    commodity = _lookup(Commodity, "commodity", text(data, "commodity"), errors)
    village = _lookup(Village, "village", text(data, "village"), errors, field_name="pk")
    latitude, longitude = geopoint(data, "gps", errors)
    area = number(data, "area_ha", errors)
    year = integer(data, "planting_year", errors)
    if area is None and "area_ha" not in errors.by_field:
        errors.add("area_ha", _("Wajib diisi."))
    errors.raise_if_any()
    assert area is not None  # checked above
    new = Plot(
        farmer=farmer,
        village=village,
        name=text(data, "plot_name"),
        area_ha=area,
        tenure=text(data, "tenure"),
        commodity=commodity,
        variety=text(data, "variety"),
        planting_year=year,
        latitude=latitude,
        longitude=longitude,
    )
    try:
        saved = farming.plot_save(actor=actor, plot=new)
    except ValidationError as exc:
        raise _with_prefix(exc, "", {"name": "plot_name", "latitude": "gps", "longitude": "gps"}) from None
    return Written({"plot": saved.pk, "farmer": farmer.pk})


def _confirmed(data: dict[str, Any], confirm: bool) -> bool:
    return confirm or text(data, "confirmed") == "yes"


def harvest(actor: User, data: dict[str, Any], confirm: bool) -> Written:
    farmer = farmer_of(actor, data)
    errors = Errors()
    commodity = _lookup(Commodity, "commodity", text(data, "commodity"), errors)
    unit = _lookup(Unit, "unit", text(data, "unit"), errors)
    harvested_on = date(data, "harvested_on", errors)
    quantity = number(data, "quantity", errors)
    if quantity is None and "quantity" not in errors.by_field:
        errors.add("quantity", _("Wajib diisi."))
    codes = many(data, "practices")
    practices = list(Practice.objects.filter(code__in=codes))
    if len(practices) != len(set(codes)):
        errors.add("practices", _("Ada praktik yang tidak dikenal di Berdaya."))
    errors.raise_if_any()
    plots = plots_visible_to(actor).filter(farmer=farmer, is_active=True, commodity=commodity)
    plot_id = text(data, "plot_id")
    if plot_id:
        chosen = plots.filter(pk=int(plot_id)).first() if plot_id.isdigit() else None
        if chosen is None:
            raise ValidationError({"plot_id": _("Lahan ini bukan lahan aktif petani ini untuk komoditas tersebut.")})
    else:
        candidates = list(plots[:2])
        if len(candidates) != 1:
            message = (
                _("Petani ini belum punya lahan %(c)s yang tercatat; catat lahannya dulu.")
                if not candidates
                else _("Petani ini punya lebih dari satu lahan %(c)s; isi nomor lahan.")
            )
            raise ValidationError({"plot_id": message % {"c": commodity}})
        chosen = candidates[0]
    assert harvested_on is not None and quantity is not None  # checked above
    try:
        record = farming.harvest_record(
            actor=actor,
            plot=chosen,
            harvested_on=harvested_on,
            quantity=quantity,
            unit=unit,
            practices=practices,
            confirm=_confirmed(data, confirm),
        )
    except farming.NeedsConfirmation as exc:
        raise ValidationError({"confirmed": exc.warnings}) from None
    return Written({"harvest": record.pk, "plot": chosen.pk, "farmer": farmer.pk})


def sale(actor: User, data: dict[str, Any], confirm: bool) -> Written:
    farmer = farmer_of(actor, data)
    errors = Errors()
    commodity = _lookup(Commodity, "commodity", text(data, "commodity"), errors)
    unit = _lookup(Unit, "unit", text(data, "unit"), errors)
    grade = None
    if commodity is not None and text(data, "grade"):
        grade = Grade.objects.filter(commodity=commodity, code=text(data, "grade")).first()
        if grade is None:
            errors.add("grade", _("Mutu ini bukan mutu komoditas yang dipilih."))
    sold_on = date(data, "date", errors)
    quantity = number(data, "quantity", errors)
    price = integer(data, "price_per_kg", errors)
    quality = number(data, "quality_pct", errors)
    for name, value in (("quantity", quantity), ("price_per_kg", price)):
        if value is None and name not in errors.by_field:
            errors.add(name, _("Wajib diisi."))
    if not text(data, "channel"):
        errors.add("channel", _("Wajib diisi."))
    errors.raise_if_any()
    try:
        record = farming.sale_record(
            actor=actor,
            farmer=farmer,
            data={
                "date": sold_on,
                "commodity": commodity,
                "grade": grade,
                "quality_pct": quality,
                "quantity": quantity,
                "unit": unit,
                "price_per_kg": price,
                "channel": text(data, "channel"),
                "buyer_name": text(data, "buyer_name"),
            },
            confirm=_confirmed(data, confirm),
        )
    except farming.NeedsConfirmation as exc:
        raise ValidationError({"confirmed": exc.warnings}) from None
    return Written({"sale": record.pk, "farmer": farmer.pk})


def attendance(actor: User, data: dict[str, Any], confirm: bool) -> Written:
    raw = text(data, "session")
    session = (
        Session.objects.filter(pk=int(raw), programme__in=programmes_visible_to(actor))
        .select_related("programme")
        .first()
        if raw.isdigit()
        else None
    )
    if session is None:
        raise ValidationError({"session": _("Sesi tidak ditemukan.")})
    present = {int(v) for v in many(data, "present") if v.isdigit()}
    # Like the web attendance sheet, everyone attending the programme whom the collector may see is on the roster:
    # those not ticked were absent.
    attending = session.programme.enrolments.filter(
        status__in=("enrolled", "active"), person__in=people_visible_to(actor).values("pk")
    ).values_list("person_id", flat=True)
    roster = set(attending) | present
    result = programmes.attendance_record(actor=actor, session=session, roster=roster, present=present)
    return Written({"session": session.pk, "present": result.present, "absent": result.absent})


def prices(actor: User, data: dict[str, Any], confirm: bool) -> Written:
    errors = Errors()
    point = (
        _lookup(PricePoint, "point", text(data, "point"), errors, field_name="pk")
        if text(data, "point").isdigit()
        else None
    )
    if point is None and "point" not in errors.by_field:
        errors.add("point", _("Titik harga tidak dikenal."))
    observed_on = date(data, "date", errors)
    rows = data.get("prices") or []
    if not isinstance(rows, list) or not rows:
        errors.add("prices", _("Isi paling sedikit satu harga."))
        rows = []
    parsed: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        path = f"prices.{index}."
        commodity = _lookup(Commodity, "commodity", text(row, "commodity"), errors, path=path)
        grade = None
        if commodity is not None and text(row, "grade"):
            grade = Grade.objects.filter(commodity=commodity, code=text(row, "grade")).first()
            if grade is None:
                errors.add(path + "grade", _("Mutu ini bukan mutu komoditas yang dipilih."))
        price = integer(row, "price_per_kg", errors, path=path)
        parsed.append(
            {
                "commodity": commodity,
                "grade": grade,
                "price_type": text(row, "price_type"),
                "price_per_kg": price,
            }
        )
    errors.raise_if_any()
    ids = []
    for index, row in enumerate(parsed):
        try:
            obs = markets.observation_record(
                actor=actor,
                data={"date": observed_on, "point": point, **row},
                confirm=_confirmed(data, confirm),
            )
        except markets.NeedsConfirmation as exc:
            raise ValidationError({f"prices.{index}.price_per_kg": exc.messages, "confirmed": exc.messages}) from None
        except ValidationError as exc:
            raise _with_prefix(exc, f"prices.{index}.") from None
        ids.append(obs.pk)
    return Written({"observations": ids})


def outcome(actor: User, data: dict[str, Any], confirm: bool) -> Written:
    """An outcome survey, through outcomes.services.survey_record (the same rules as the web form)."""
    person = farmer_of(actor, data)
    errors = Errors()
    programme = None
    raw_programme = text(data, "programme")
    if raw_programme:
        programme = (
            programmes_visible_to(actor).filter(pk=int(raw_programme)).first() if raw_programme.isdigit() else None
        )
        if programme is None:
            errors.add("programme", _("Program ini tidak dikenal di Berdaya."))
    commodity = _lookup(Commodity, "commodity", text(data, "commodity"), errors)
    values: dict[str, Any] = {
        "round": text(data, "round"),
        "round_month": integer(data, "round_month", errors),
        "interview_date": date(data, "interview_date", errors),
        "household_size": integer(data, "household_size", errors),
        "employed": text(data, "employed") == "yes",
        "hours_worked": integer(data, "hours_worked", errors),
        "business_running": {"yes": True, "no": False}.get(text(data, "business_running")),
        "commodity": commodity,
        "yield_kg": number(data, "yield_kg", errors),
        "area_ha": number(data, "area_ha", errors),
        "price_obtained": integer(data, "price_obtained", errors),
        "savings": integer(data, "savings_amount", errors) if text(data, "has_savings") == "yes" else 0,
        "wellbeing": integer(data, "wellbeing", errors),
    }
    for name in oc.INCOME_FIELDS:
        values[name] = integer(data, name, errors)
    errors.raise_if_any()
    survey = outcomes.survey_record(actor=actor, person=person, programme=programme, data=values, source=oc.Source.ODK)
    return Written({"outcome_survey": survey.pk, "person": person.pk})


HANDLERS: dict[str, Handler] = {
    FormKind.HOUSEHOLD: household,
    FormKind.PLOT: plot,
    FormKind.HARVEST: harvest,
    FormKind.SALE: sale,
    FormKind.ATTENDANCE: attendance,
    FormKind.PRICES: prices,
    FormKind.OUTCOME: outcome,
}
# Forms whose records have no module yet: kept as submissions (state "waiting"), ingested when it lands.
WAITING_FORMS: set[str] = set()


def search_q(term: str) -> Q:
    return Q(instance_id__icontains=term) | Q(submitter_name__icontains=term)
