"""Registry records in the shapes of the SPDCI specs: a person as a `Member` (with its `SRPerson` demographic
info), a household as a `Group` (social registry), a farmer with farm, family and group details (farmer registry).

Identifiers (NIK, KK number, phone, address, coordinates) pass through core.masking for a role that does not see
them, exactly as on the pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import BooleanField, Case, Prefetch, QuerySet, Value, When

from berdaya.core.compiled import ValuesByIds
from berdaya.core.dates import DateText, MomentText, date_text, moment_text
from berdaya.core.masking import mask_field
from berdaya.farming.models import FarmerGroupProfile, Plot
from berdaya.registry import choices as rc
from berdaya.registry.models import GroupMembership, Household, Person
from berdaya.registry.vulnerability import flag_q

from .models import Registry

SEX: dict[str, str] = {rc.Sex.MALE: "male", rc.Sex.FEMALE: "female"}
REG_TYPE = {Registry.SOCIAL: "ns:org:RegistryType:Social", Registry.FARMER: "ns:org:RegistryType:FR"}
MEMBER, GROUP, FARMER = "Member", "Group", "Farmer"


_moment = moment_text


class Mapper:
    def __init__(self, *, sees_identifiers: bool) -> None:
        self.sees_identifiers = sees_identifiers

    def _id(self, field: str, value: Any) -> Any:
        # Always a string, as the spec's Identifier.identifier_value and GeoCoordinates are: a field that is not
        # identifying (a record's own id) passes through mask_field unchanged, and was an integer for masked roles.
        if value in (None, ""):
            return value
        return str(value if self.sees_identifiers else mask_field(field, value))

    def identifier(self, kind: str, field: str, value: Any) -> dict[str, Any]:
        return {"@type": "Identifier", "identifier_type": kind, "identifier_value": self._id(field, value)}

    # --- people ---------------------------------------------------------------------------------------------

    def member(self, person: Person, *, household: Household | None = None) -> dict[str, Any]:
        household = household or person.household
        village = household.village
        return self.member_row(
            {
                **{name: getattr(person, name) for name in _PERSON_COLUMNS},
                **{name: text(getattr(person, field)) for name, (field, text, _sql) in _TEXTS.items()},
                "household_id": household.pk,
                "household__kk_number": household.kk_number,
                "household__address": household.address,
                "household__village_id": village.pk,
                "household__village__name": village.name,
                "household__village__district__name": village.district.name,
                "dci_disabled": getattr(person, "dci_disabled", False),
            }
        )

    def member_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """A person as a `Member`, from one row of `member_rows` (or `member`'s instance, read the same way)."""
        pk = row["id"]
        household_id = row["household_id"]
        nik, kk = row["nik"], row["household__kk_number"]
        registered = row["dci_registered"]
        return {
            "@type": "Member",
            "@id": f"urn:berdaya:person:{pk}",
            "member_identifier": [self.identifier("PERSON_ID", "id", pk)],
            "demographic_info": {
                "@type": "SRPerson",
                "identifier": [self.identifier("NIK", "nik", nik)] if nik else [],
                "name": {"@type": "Name", "given_name": row["full_name"], "surname": ""},
                "sex": SEX.get(row["sex"], ""),
                "birth_date": row["dci_birth_date"],
                "birth_place": row["birth_place"],
                "address": {
                    "@type": "Address",
                    "street_address": self._id("address", row["household__address"]),
                    "locality": row["household__village__name"],
                    "region": row["household__village__district__name"],
                    "area_code": row["household__village_id"],
                    "country": "ID",
                },
                "phone_number": self._id("phone", row["phone"]),
                "registration_date": registered,
            },
            "household_identifier": [
                self.identifier("HOUSEHOLD_ID", "id", household_id),
                *([self.identifier("KK", "kk_number", kk)] if kk else []),
            ],
            "relationship_head": row["relationship"],
            "is_disabled": bool(row["dci_disabled"]),
            "marital_status": row["marital_status"],
            "education_level": row["education"],
            "occupation": row["occupation"],
            "status": row["status"],
            "death_date": row["dci_death_date"],
            "registration_date": registered,
            "last_updated": row["dci_last_updated"],
        }

    def group(self, household: Household, members: Iterable[Person]) -> dict[str, Any]:
        """A household as a `Group` of `members`: the members the client may see (services.members_for, loaded by
        `load_households`/`load_people`); its head, size and member list are theirs alone."""
        members = [m for m in members if m.status == rc.PersonStatus.ACTIVE]
        head = next((m for m in members if m.relationship == rc.Relationship.HEAD), None)
        village = household.village
        place: dict[str, Any] = {
            "@type": "Place",
            "address": self._id("address", household.address),
            "locality": village.name,
            "region": village.district.name,
            "area_code": village.pk,
        }
        if household.latitude is not None:
            place["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": self._id("latitude", household.latitude),
                "longitude": self._id("longitude", household.longitude),
            }
        return {
            "@type": "Group",
            "@id": f"urn:berdaya:household:{household.pk}",
            "group_identifier": [
                self.identifier("HOUSEHOLD_ID", "id", household.pk),
                *([self.identifier("KK", "kk_number", household.kk_number)] if household.kk_number else []),
            ],
            "group_type": "household",
            "place": place,
            "group_head_info": self.member(head, household=household) if head is not None else None,
            "group_size": len(members),
            "member_list": [self.member(m, household=household) for m in members],
            "status": household.status,
            "registration_date": _moment(household.created_at),
            "last_updated": _moment(household.updated_at),
        }

    # --- farmers --------------------------------------------------------------------------------------------

    def farm(self, plot: Plot) -> dict[str, Any]:
        place: dict[str, Any] = {"name": plot.name or plot.village.name, "area_code": plot.village_id}
        if plot.latitude is not None:
            place["geo"] = {
                "@type": "spdci:GeoLocation",
                "latitude": self._id("latitude", plot.latitude),
                "longitude": self._id("longitude", plot.longitude),
            }
        return {
            "@id": f"urn:berdaya:plot:{plot.pk}",
            "place": place,
            "farm_type": "smallholder",
            "area_ha": str(plot.area_ha),
            "land_tenure": plot.tenure,
            "farming_activities": [
                {
                    "crop_production": [
                        {
                            "crop_type": plot.commodity.code,
                            "crop_name": plot.commodity.name,
                            "variety": plot.variety,
                            "planting_year": plot.planting_year,
                            "registration_date": _moment(plot.created_at),
                        }
                    ]
                }
            ],
            "registration_date": _moment(plot.created_at),
        }

    def farmer_group(self, membership: GroupMembership) -> dict[str, Any]:
        group = membership.group
        profile: FarmerGroupProfile | None = getattr(group, "farming_profile", None)
        return {
            "group_identifier": [
                {"@type": "Identifier", "identifier_type": "GROUP_ID", "identifier_value": str(group.pk)}
            ],
            "name": group.name,
            "group_type": group.kind,
            "role": membership.role,
            "joined_on": membership.joined_on.isoformat(),
            "group_class": profile.group_class if profile else "",
            "federation_id": str(profile.parent_id) if profile and profile.parent_id else None,
        }

    def farmer(self, person: Person) -> dict[str, Any]:
        household = person.household
        member = self.member(person, household=household)
        return {
            "@type": "Farmer",
            "@id": member["@id"],
            "famer_personal_details": member,  # the spec's own spelling
            "family_details": self.group(household, household.members.all()),
            "farm_details": [self.farm(p) for p in person.plots.all()],
            "farmer_groups": [self.farmer_group(m) for m in person.memberships.all()],
            "machineries_details": [],
            "registration_date": member["registration_date"],
            "last_updated": member["last_updated"],
        }


def with_disability(qs: QuerySet[Person]) -> QuerySet[Person]:
    """`is_disabled` by the registry's one disability rule, read in the page's query."""
    return qs.annotate(
        dci_disabled=Case(
            When(flag_q("disability"), then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


# What a `Member` reads of a person, and of their household, village and district (`member_rows`).
_PERSON_COLUMNS = (
    "id", "household_id", "nik", "full_name", "sex", "birth_place", "phone", "relationship", "marital_status",
    "education", "occupation", "status",
)  # fmt: skip
# Dates and date-times as the records write them (core.dates): by the database for a page of rows (`member_rows`),
# by the same definition in Python for a model instance (`Mapper.member`). name: (field, Python form, SQL form).
_TEXTS: dict[str, tuple[str, Any, Any]] = {
    "dci_birth_date": ("birth_date", date_text, DateText),
    "dci_death_date": ("date_of_death", date_text, DateText),
    "dci_registered": ("created_at", moment_text, MomentText),
    "dci_last_updated": ("updated_at", moment_text, MomentText),
}
MEMBER_COLUMNS = (
    *_PERSON_COLUMNS,
    "household__kk_number",
    "household__address",
    "household__village_id",
    "household__village__name",
    "household__village__district__name",
    "dci_disabled",
)


_MEMBERS = ValuesByIds(
    lambda ids: (
        with_disability(Person.objects.filter(pk__in=ids))
        .order_by()
        .values(*MEMBER_COLUMNS, **{name: sql(field) for name, (field, _text, sql) in _TEXTS.items()})
    )
)


def member_rows(ids: list[int]) -> list[dict[str, Any]]:
    """The people `ids` as `Mapper.member_row` reads them, in the order of `ids`: one query of exactly those
    columns (a page of 100 people made 400 model instances before: person, household, village, district), compiled
    once (core.compiled)."""
    found = {row["id"]: row for row in _MEMBERS.rows(ids)}
    return [found[pk] for pk in ids]


def load_people(
    qs: QuerySet[Person], registry: str, *, record_type: str, members: QuerySet[Person]
) -> QuerySet[Person]:
    """What a page of records reads, in a fixed number of queries; `members`: the people a farmer's family lists
    (services.members_for)."""
    qs = with_disability(qs).select_related("household__village__district")
    if registry == Registry.FARMER:
        qs = qs.prefetch_related(
            Prefetch("household__members", queryset=with_disability(members)),
            Prefetch(
                "plots",
                queryset=Plot.objects.filter(is_active=True).select_related("commodity", "village"),
            ),
            Prefetch(
                "memberships",
                queryset=GroupMembership.objects.filter(left_on__isnull=True).select_related("group__farming_profile"),
            ),
        )
    return qs


def load_households(qs: QuerySet[Household], members: QuerySet[Person]) -> QuerySet[Household]:
    """Households with, as `members`, only the people given (services.members_for: those the client may see)."""
    return qs.select_related("village__district").prefetch_related(
        Prefetch("members", queryset=with_disability(members))
    )
