"""Registry records in the shapes of the SPDCI specs: a person as a `Member` (with its `SRPerson` demographic
info), a household as a `Group` (social registry), a farmer with farm, family and group details (farmer registry).

Identifiers (NIK, KK number, phone, address, coordinates) pass through core.masking for a role that does not see
them, exactly as on the pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import BooleanField, Case, Prefetch, QuerySet, Value, When

from berdaya.core.masking import mask_field
from berdaya.farming.models import FarmerGroupProfile, Plot
from berdaya.registry import choices as rc
from berdaya.registry.models import GroupMembership, Household, Person
from berdaya.registry.vulnerability import flag_q

from .models import Registry

SEX: dict[str, str] = {rc.Sex.MALE: "male", rc.Sex.FEMALE: "female"}
REG_TYPE = {Registry.SOCIAL: "ns:org:RegistryType:Social", Registry.FARMER: "ns:org:RegistryType:FR"}
MEMBER, GROUP, FARMER = "Member", "Group", "Farmer"


def _moment(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


class Mapper:
    def __init__(self, *, sees_identifiers: bool) -> None:
        self.sees_identifiers = sees_identifiers

    def _id(self, field: str, value: Any) -> Any:
        if value in (None, ""):
            return value
        return str(value) if self.sees_identifiers else mask_field(field, value)

    def identifier(self, kind: str, field: str, value: Any) -> dict[str, Any]:
        return {"@type": "Identifier", "identifier_type": kind, "identifier_value": self._id(field, value)}

    # --- people ---------------------------------------------------------------------------------------------

    def member(self, person: Person, *, household: Household | None = None) -> dict[str, Any]:
        household = household or person.household
        village = household.village
        identifiers = [self.identifier("PERSON_ID", "id", person.pk)]
        person_ids = []
        if person.nik:
            person_ids.append(self.identifier("NIK", "nik", person.nik))
        record: dict[str, Any] = {
            "@type": "Member",
            "@id": f"urn:berdaya:person:{person.pk}",
            "member_identifier": identifiers,
            "demographic_info": {
                "@type": "SRPerson",
                "identifier": person_ids,
                "name": {"@type": "Name", "given_name": person.full_name, "surname": ""},
                "sex": SEX.get(person.sex, ""),
                "birth_date": person.birth_date.isoformat(),
                "birth_place": person.birth_place,
                "address": {
                    "@type": "Address",
                    "street_address": self._id("address", household.address),
                    "locality": village.name,
                    "region": village.district.name,
                    "area_code": village.pk,
                    "country": "ID",
                },
                "phone_number": self._id("phone", person.phone),
                "registration_date": _moment(person.created_at),
            },
            "household_identifier": [
                self.identifier("HOUSEHOLD_ID", "id", household.pk),
                *([self.identifier("KK", "kk_number", household.kk_number)] if household.kk_number else []),
            ],
            "relationship_head": person.relationship,
            "is_disabled": bool(getattr(person, "dci_disabled", False)),
            "marital_status": person.marital_status,
            "education_level": person.education,
            "occupation": person.occupation,
            "status": person.status,
            "death_date": person.date_of_death.isoformat() if person.date_of_death else None,
            "registration_date": _moment(person.created_at),
            "last_updated": _moment(person.updated_at),
        }
        return record

    def group(self, household: Household, members: Iterable[Person]) -> dict[str, Any]:
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


def load_people(qs: QuerySet[Person], registry: str, *, record_type: str) -> QuerySet[Person]:
    """What a page of records reads, in a fixed number of queries."""
    qs = with_disability(qs).select_related("household__village__district")
    if registry == Registry.FARMER:
        members = with_disability(Person.objects.all())
        qs = qs.prefetch_related(
            Prefetch("household__members", queryset=members),
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


def load_households(qs: QuerySet[Household]) -> QuerySet[Household]:
    return qs.select_related("village__district").prefetch_related(
        Prefetch("members", queryset=with_disability(Person.objects.all()))
    )
