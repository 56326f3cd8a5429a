"""What the API shows of each record, and what it accepts for the writes the pages allow.

Reads mask every identifying field (core.masking.IDENTIFYING_FIELDS, plus a migrant's family contact number) for a
role whose capabilities do not include `sees_identifiers`, exactly as the pages do. Write serializers only convert
JSON types: every rule (formats, limits, NIK/KK checks, uniqueness) is the service's, so the API gives the same
messages as the forms.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from django.conf import settings
from django.db.models import Model
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

from berdaya.core.access import capabilities
from berdaya.core.compiled import ValuesByIds
from berdaya.core.masking import is_identifying, mask_field, mask_phone
from berdaya.farming.access import plots_visible_to
from berdaya.farming.models import Harvest, Plot, Sale
from berdaya.markets.models import PriceObservation
from berdaya.migration.models import MigrationEpisode
from berdaya.organisations.models import Organisation
from berdaya.programmes.access import programmes_visible_to
from berdaya.programmes.models import Assistance, Attendance, Enrolment, Programme, Session
from berdaya.registry.access import people_visible_to
from berdaya.registry.models import Group, Household, Person
from berdaya.registry.services import HOUSEHOLD_EDITABLE, PERSON_EDITABLE

_BUILT: dict[type[serializers.ModelSerializer], dict[str, serializers.Field]] = {}


def model_fields(serializer: serializers.ModelSerializer) -> dict[str, serializers.Field]:
    """DRF's ModelSerializer.get_fields() for the serializer's class, built from the model once per class and
    deep-copied for each instance (as DRF copies the declared fields): building them (the model's fields read, each
    label and validator worked out) cost a registration through the API more than its own checks. They depend on
    the class's Meta only, never on the instance or its context."""
    built = _BUILT.get(type(serializer))
    if built is None:
        built = _BUILT[type(serializer)] = serializers.ModelSerializer.get_fields(serializer)
    return copy.deepcopy(built)


# Fields outside IDENTIFYING_FIELDS that still identify someone and are masked the same way.
EXTRA_MASKED = {"family_contact_phone": mask_phone}


class Masked(serializers.ModelSerializer):
    """A model serializer that masks identifying fields for roles that do not see identifiers."""

    def get_fields(self) -> dict[str, serializers.Field]:
        # Read only, but built as writable fields first, so the schema keeps each column's blank and null values
        # (a read-only field built by DRF drops them, and the schema would then promise what the data breaks).
        fields = model_fields(self)
        for field in fields.values():
            field.read_only = True
            field.required = False
        return fields

    def _sees_identifiers(self) -> bool:
        request = self.context.get("request")
        cache = self.context.setdefault("_caps", {})
        if "sees" not in cache:
            cache["sees"] = capabilities(getattr(request, "user", None)).sees_identifiers
        return bool(cache["sees"])

    def to_representation(self, instance: Model) -> dict[str, Any]:
        # DRF's loop, with the readable fields listed once per serializer rather than once per row (a page of 50
        # people spent a third of its time walking the field dict).
        readable = self.__dict__.get("_readable")
        if readable is None:
            readable = self.__dict__["_readable"] = [f for f in self.fields.values() if not f.write_only]
        data: dict[str, Any] = {}
        for field in readable:
            attribute = field.get_attribute(instance)
            empty = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            data[field.field_name] = None if empty is None else field.to_representation(attribute)
        if not self._sees_identifiers():
            mask(data)
        return data


def mask(data: dict[str, Any], names: Iterable[str] | None = None) -> dict[str, Any]:
    """`data` (one record's output) with its identifying fields masked, in place; `names`: only these may be (the
    identifying names of its fields, when the caller has listed them already)."""
    for name in list(data) if names is None else names:
        value = data[name]
        if name in EXTRA_MASKED:
            data[name] = EXTRA_MASKED[name](value)
        elif is_identifying(name) and value not in (None, ""):
            data[name] = mask_field(name, value)
    return data


# DRF fields whose output is the database value itself (str, int, bool, a key): rows skip their to_representation.
_AS_STORED: tuple[type[serializers.Field], ...] = (
    serializers.CharField,
    serializers.ChoiceField,
    serializers.IntegerField,
    serializers.BooleanField,
    serializers.PrimaryKeyRelatedField,
)


class Rows:
    """A list page in a Masked serializer's exact output, read with `.values()`: one dict per row, no model
    instances and no DRF field walk (a page of 50 people spent most of its CPU building Person objects and walking
    their fields). The serializer stays the schema; api/tests/test_rows.py holds both outputs equal for every list.

    `paths` are the `.values()` names (a related field's source `village.name` reads `village__name`, a key its
    id); dates, times, decimals and JSON go through the serializer's own field, everything else is sent as
    stored."""

    _plans: ClassVar[dict[type[Masked], Rows]] = {}

    def __init__(self, serializer: type[Masked]) -> None:
        fields = [f for f in serializer().fields.values() if not f.write_only]
        self.names = [f.field_name for f in fields]
        self.paths = ["__".join(f.source_attrs) for f in fields]
        # The same values read from a model instance (a detail): a key is its `_id` attribute (no related load).
        self.attributes = [
            (f.source_attrs[:-1], f.source_attrs[-1], isinstance(f, serializers.PrimaryKeyRelatedField)) for f in fields
        ]
        self.convert: list[Callable[[Any], Any] | None] = [
            None if isinstance(f, _AS_STORED) else f.to_representation for f in fields
        ]
        # The output names the masking applies to (the same test as `mask`), found once instead of per row.
        self.identifying = [n for n in self.names if n in EXTRA_MASKED or is_identifying(n)]
        # DateTimeField.to_representation looks the current time zone up for every value (a third of a page's
        # rendering): ISO 8601 fields in the default zone are written by _moment with the zone looked up once.
        self.moments = {
            i
            for i, f in enumerate(fields)
            if isinstance(f, serializers.DateTimeField)
            and str(getattr(f, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601
            and not hasattr(f, "timezone")
        }
        # A page's rows by their ids, the query compiled once (core.compiled): the same columns for every page.
        model = serializer.Meta.model
        self.model = model
        self.by_ids = ValuesByIds(lambda ids: model._base_manager.filter(pk__in=ids).values("pk", *self.paths))

    @classmethod
    def of(cls, serializer: type[Masked]) -> Rows:
        plan = cls._plans.get(serializer)
        if plan is None:
            plan = cls._plans[serializer] = cls(serializer)
        return plan

    def row_of(self, instance: Model) -> dict[str, Any]:
        """One instance as `render` reads a `.values()` row (its related records loaded by the caller)."""
        row: dict[str, Any] = {}
        for path, (walk, last, key) in zip(self.paths, self.attributes, strict=True):
            obj: Any = instance
            for attr in walk:
                obj = getattr(obj, attr) if obj is not None else None
            if obj is not None and key:
                last = obj._meta.get_field(last).attname
            row[path] = getattr(obj, last) if obj is not None else None
        return row

    def render(self, rows: Iterable[dict[str, Any]], *, sees_identifiers: bool) -> list[dict[str, Any]]:
        out = []
        zone = timezone.get_current_timezone() if settings.USE_TZ else None

        def moment(field: Callable[[Any], Any]) -> Callable[[Any], Any]:
            def write(value: Any) -> Any:
                if zone is None or timezone.is_naive(value):
                    return field(value)
                text = value.astimezone(zone).isoformat()
                return text[:-6] + "Z" if text.endswith("+00:00") else text

            return write

        convert = [moment(c) if i in self.moments and c is not None else c for i, c in enumerate(self.convert)]
        columns = list(zip(self.names, self.paths, convert, strict=True))
        for row in rows:
            data = {
                name: value if value is None or convert is None else convert(value)
                for name, path, convert in columns
                for value in (row[path],)
            }
            if not sees_identifiers:
                mask(data, self.identifying)
            out.append(data)
        return out


class HouseholdSerializer(Masked):
    village_name = serializers.CharField(source="village.name", read_only=True)

    class Meta:
        model = Household
        fields = [
            "id", "kk_number", "village", "village_name", "address", "rt", "rw", "latitude", "longitude",
            "floor_material", "wall_material", "roof_material", "water_source", "toilet", "lighting", "cooking_fuel",
            "floor_area_m2", "asset_motorcycle", "asset_car", "asset_refrigerator", "asset_television",
            "asset_smartphone", "asset_livestock", "asset_gold_savings", "land_operated_ha", "land_tenure", "status",
            "registered_by_organisation", "created_at", "updated_at",
        ]  # fmt: skip


class PersonSerializer(Masked):
    class Meta:
        model = Person
        fields = [
            "id", "household", "nik", "nik_missing_reason", "full_name", "sex", "birth_place", "birth_date",
            "relationship", "marital_status", "education", "occupation", "phone", "wgss_seeing", "wgss_hearing",
            "wgss_walking", "wgss_remembering", "wgss_selfcare", "wgss_communicating", "status", "date_of_death",
            "created_at", "updated_at",
        ]  # fmt: skip


class GroupSerializer(Masked):
    class Meta:
        model = Group
        fields = ["id", "name", "kind", "village", "registration_number", "founded_year", "created_at", "updated_at"]


class OrganisationSerializer(Masked):
    class Meta:
        model = Organisation
        fields = ["id", "name", "short_name", "kind", "is_active", "phone", "email", "address", "created_at"]


class ProgrammeSerializer(Masked):
    class Meta:
        model = Programme
        fields = [
            "id", "name", "kind", "description", "organiser", "target_groups", "start_date", "end_date", "budget",
            "capacity", "attendance_threshold", "status", "created_at", "updated_at",
        ]  # fmt: skip


class SessionSerializer(Masked):
    class Meta:
        model = Session
        fields = [
            "id", "programme", "date", "start_time", "end_time", "venue", "trainer", "topic", "step_free",
            "sign_language", "large_print", "easy_read",
        ]  # fmt: skip


class EnrolmentSerializer(Masked):
    class Meta:
        model = Enrolment
        fields = ["id", "programme", "person", "status", "source", "enrolled_on", "ended_on", "created_at"]


class AttendanceSerializer(Masked):
    class Meta:
        model = Attendance
        fields = ["id", "session", "person", "present", "recorded_at"]


class AssistanceSerializer(Masked):
    class Meta:
        model = Assistance
        fields = [
            "id", "programme", "person", "kind", "description", "amount", "quantity", "unit", "date", "status",
            "approved_at", "disbursed_at", "acknowledged_at", "created_at",
        ]  # fmt: skip


class PlotSerializer(Masked):
    class Meta:
        model = Plot
        fields = [
            "id", "farmer", "village", "name", "area_ha", "tenure", "commodity", "variety", "planting_year",
            "latitude", "longitude", "is_active", "created_at",
        ]  # fmt: skip


class HarvestSerializer(Masked):
    class Meta:
        model = Harvest
        fields = ["id", "plot", "harvested_on", "season", "quantity", "unit", "quantity_kg", "recorded_at"]


class SaleSerializer(Masked):
    class Meta:
        model = Sale
        fields = [
            "id", "farmer", "plot", "date", "commodity", "grade", "quality_pct", "quantity", "unit", "quantity_kg",
            "price_per_kg", "amount", "buyer_name", "buyer", "channel", "season", "week", "district", "recorded_at",
        ]  # fmt: skip


class PriceSerializer(Masked):
    commodity_code = serializers.CharField(source="commodity.code", read_only=True)

    class Meta:
        model = PriceObservation
        fields = [
            "id", "date", "week", "commodity", "commodity_code", "grade", "price_type", "price_per_kg", "channel",
            "district", "point", "status",
        ]  # fmt: skip


class MigrationEpisodeSerializer(Masked):
    class Meta:
        model = MigrationEpisode
        # Never case notes or documents: only the episode's stage, destination and document checklist.
        fields = [
            "id", "person", "stage", "destination", "destination_detail", "sector", "channel", "contract_start",
            "contract_end", "departure_date", "return_date", "doc_passport", "doc_visa", "doc_placement_agreement",
            "doc_work_contract", "doc_health_check", "doc_bpjs", "doc_family_consent", "doc_orientation",
            "family_contact_phone", "created_at", "updated_at",
        ]  # fmt: skip


class PublicPriceSerializer(serializers.Serializer):
    commodity = serializers.CharField()
    commodity_name = serializers.CharField()
    district = serializers.CharField()
    district_name = serializers.CharField()
    week = serializers.IntegerField()
    farm_gate = serializers.IntegerField(allow_null=True)
    organised = serializers.IntegerField(allow_null=True)
    market = serializers.IntegerField(allow_null=True)


# --- Writes: types only; the rules are the services' ------------------------------------------------------------


class _TypesOnly(serializers.ModelSerializer):
    """Every field optional and without validators: the service checks each rule, with the forms' messages."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = model_fields(self)
        for field in fields.values():
            field.required = False
            field.validators = []
            if hasattr(field, "allow_blank"):
                field.allow_blank = True
        return fields

    def get_validators(self) -> list[Any]:
        return []


class HouseholdWriteSerializer(_TypesOnly):
    class Meta:
        model = Household
        fields = sorted(name for name in HOUSEHOLD_EDITABLE if not name.endswith("_id"))


class PersonWriteSerializer(_TypesOnly):
    class Meta:
        model = Person
        fields = sorted(PERSON_EDITABLE)


class RegistrationSerializer(serializers.Serializer):
    household = HouseholdWriteSerializer()
    members = PersonWriteSerializer(many=True)


class _ScopedPk(serializers.PrimaryKeyRelatedField):
    """A key of a record the caller may see; any other answers "does not exist", as for a missing one."""

    def __init__(self, scope: Any, **kwargs: Any) -> None:
        self.scope = scope
        kwargs.setdefault("pk_field", serializers.IntegerField())
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        request = self.context.get("request")
        return self.scope(getattr(request, "user", None))


def _people(user: Any) -> Any:
    return people_visible_to(user) if user is not None else Person.objects.none()


def _programmes(user: Any) -> Any:
    return programmes_visible_to(user) if user is not None else Programme.objects.none()


def _sessions(user: Any) -> Any:
    return Session.objects.filter(programme__in=_programmes(user).values("pk"))


class EnrolmentWriteSerializer(serializers.Serializer):
    programme = _ScopedPk(_programmes)
    person = _ScopedPk(_people)
    enrol = serializers.BooleanField(default=False, help_text="Langsung terdaftar (bukan hanya diusulkan).")
    override_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class AttendanceWriteSerializer(serializers.Serializer):
    session = _ScopedPk(_sessions)
    roster = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=1000)
    present = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=1000)


class AttendanceResultSerializer(serializers.Serializer):
    present = serializers.IntegerField()
    absent = serializers.IntegerField()
    activated = serializers.IntegerField()


# --- Writes of farming, prices and sessions: types for the schema; the web form and the service hold the rules ----


def _plots(user: Any) -> Any:
    return plots_visible_to(user) if user is not None else Plot.objects.none()


class _Confirm(serializers.Serializer):
    confirm = serializers.BooleanField(
        default=False, help_text="Simpan walau ada peringatan (needs_confirmation) yang sudah diperiksa."
    )


class PlotWriteSerializer(_TypesOnly):
    """A plot's fields as the plot form has them (farming.forms.PlotForm)."""

    class Meta:
        model = Plot
        fields = [
            "farmer", "name", "village", "area_ha", "tenure", "commodity", "variety", "planting_year", "latitude",
            "longitude", "is_active",
        ]  # fmt: skip

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["farmer"] = _ScopedPk(_people, required=False)
        return fields


class HarvestWriteSerializer(_Confirm):
    plot = _ScopedPk(_plots)
    harvested_on = serializers.DateField()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2)
    unit = serializers.IntegerField(min_value=1)
    practices = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=50)


class SaleWriteSerializer(_Confirm):
    farmer = _ScopedPk(_people)
    date = serializers.DateField()
    commodity = serializers.IntegerField(min_value=1)
    grade = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    quality_pct = serializers.DecimalField(max_digits=5, decimal_places=1, required=False, allow_null=True)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2)
    unit = serializers.IntegerField(min_value=1)
    price_per_kg = serializers.IntegerField()
    channel = serializers.CharField(max_length=20)
    buyer = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    buyer_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    plot = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class PriceWriteSerializer(_Confirm):
    date = serializers.DateField()
    point = serializers.IntegerField(min_value=1)
    commodity = serializers.IntegerField(min_value=1)
    grade = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    price_type = serializers.CharField(max_length=20)
    price_per_kg = serializers.IntegerField()
    source = serializers.CharField(max_length=20, default=PriceObservation._meta.get_field("source").default)
    confirm_note = serializers.CharField(max_length=150, required=False, allow_blank=True)


class SessionWriteSerializer(_TypesOnly):
    class Meta:
        model = Session
        fields = [
            "programme", "date", "start_time", "end_time", "topic", "venue", "trainer", "step_free", "sign_language",
            "large_print", "easy_read",
        ]  # fmt: skip

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["programme"] = _ScopedPk(_programmes, required=False)
        return fields


class GroupWriteSerializer(_TypesOnly):
    class Meta:
        model = Group
        fields = ["name", "kind", "village", "registration_number", "founded_year"]


class AssistanceWriteSerializer(_TypesOnly):
    """Assistance to one participant of a programme (programmes.forms.AssistanceForm's fields)."""

    class Meta:
        model = Assistance
        fields = ["programme", "person", "kind", "description", "amount", "quantity", "unit", "date", "note"]

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["programme"] = _ScopedPk(_programmes)
        fields["person"] = serializers.IntegerField(min_value=1)
        return fields
