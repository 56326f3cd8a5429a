"""Small random registries for the property tests that hold the SQL of rules and flags against their plain-Python
definitions: households and people with every input a rule or a flag reads.

Besides households, people, groups, deciles, enrolments and assistance: farm plots (active and inactive, several per
household, on members of any status, and on other households' members, which must not count), disability profiles
(with and without WG-SS answers), migration episodes (one open episode at most per person, closed ones beside it),
consent records of every purpose that can be withdrawn (given and withdrawn around today, some given again after a
withdrawal, some dated later than today) and the households a partner organisation (the programme's organiser)
registered: what the registry's person scope reads (registry.access.person_scope_q).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from hypothesis import strategies as st

from berdaya.farming.models import Plot
from berdaya.inclusion.models import DisabilityProfile
from berdaya.migration.models import MigrationEpisode
from berdaya.programmes.models import Assistance, Enrolment, Programme
from berdaya.registry.models import ConsentRecord, Group, GroupMembership, Household, Person
from berdaya.targeting.models import HouseholdWelfare
from berdaya.targeting.rules import months_ago
from berdaya.testing import factories as f
from berdaya.testing.markets import commodity

AS_OF = dt.date(2026, 6, 30)
VILLAGES = [v for _d, (_n, vs) in f.AREAS.items() for v in vs]
# Birth dates around the age boundaries the conditions use (18, 60, and a leap day).
BIRTH_DATES = [
    dt.date(2008, 6, 30),
    dt.date(2008, 7, 1),
    dt.date(2008, 6, 29),
    dt.date(1966, 6, 30),
    dt.date(1966, 7, 1),
    dt.date(2000, 2, 29),
    dt.date(1990, 1, 1),
    dt.date(1950, 12, 31),
    dt.date(2020, 5, 5),
    dt.date(1975, 6, 30),
]
# Declared land and plot areas around the smallholder (2 ha) and gurem (0.5 ha) limits; sums of plots cross them.
LANDS = ["0", "0.3", "0.49", "0.5", "0.8", "2", "2.01", "3.5", "5"]
PLOT_AREAS = ["0.2", "0.25", "0.49", "0.5", "1", "1.5", "2", "2.01", "3"]

plot_st = st.tuples(st.sampled_from(PLOT_AREAS), st.booleans())  # (area, active)
# (purpose kind, given: days from today, withdrawn: days after given or None); later than today happens in imports.
consent_st = st.tuples(
    st.sampled_from(["sharing", "all", "targeting", "messages"]),
    st.sampled_from([-400, -30, -1, 0, 3]),
    st.one_of(st.none(), st.sampled_from([0, 1, 29, 30, 500])),
)
person_st = st.fixed_dictionaries(
    {
        "sex": st.sampled_from(["M", "F"]),
        "birth_date": st.sampled_from(BIRTH_DATES),
        "relationship": st.sampled_from(["head", "spouse", "child"]),
        "status": st.sampled_from(["active", "active", "active", "moved_out", "deceased"]),
        "occupation": st.sampled_from(["farmer", "farm_labourer", "trader", ""]),
        "wgss_walking": st.sampled_from([None, 1, 2, 3, 4]),
        "wgss_seeing": st.sampled_from([None, 1, 3]),
        "has_nik": st.booleans(),
        "groups": st.lists(st.sampled_from([0, 1]), max_size=2, unique=True),
        "left": st.booleans(),
        "enrolled": st.sampled_from([None, "proposed", "rejected", "completed"]),
        "assisted": st.sampled_from([None, 0, 5, 13, 30]),  # months ago
        "plots": st.lists(plot_st, max_size=3),
        "profile": st.sampled_from([None, None, "physical", "sensory"]),
        "open_episode": st.sampled_from([None, None, "planned", "pre_departure", "working"]),
        "closed_episodes": st.lists(st.sampled_from(["returned", "cancelled"]), max_size=2),
        "consents": st.lists(consent_st, max_size=3),
    }
)
decile_st = st.one_of(st.none(), st.integers(1, 10))
household_st = st.fixed_dictionaries(
    {
        "village": st.sampled_from(VILLAGES),
        "land": st.sampled_from(LANDS),
        "status": st.sampled_from(["active", "active", "active", "dissolved"]),
        "welfare": st.booleans(),
        "local": decile_st,
        "official": decile_st,
        "verified": decile_st,
        "partner": st.booleans(),  # registered by the programme's organiser
        "people": st.lists(person_st, min_size=1, max_size=4),
    }
)
registry_st = st.lists(household_st, min_size=1, max_size=8)


def build(registry: list[dict], officer) -> tuple[Group, Programme]:
    """Write a drawn registry (inside the caller's transaction); returns the first group and the programme (whose
    organiser registered the households drawn with "partner")."""
    groups = [
        Group.objects.create(village_id=VILLAGES[0], name="Poktan Uji", kind="poktan"),
        Group.objects.create(village_id=VILLAGES[1], name="KUBE Uji", kind="kube"),
    ]
    programme = Programme.objects.create(
        name="Program Uji",
        kind="skills_training",
        organiser=f.organisation(),
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        capacity=100,
        created_by=officer,
    )
    rubber = commodity("karet")
    today = timezone.localdate()
    serial = 0
    for hdata in registry:
        hh = Household.objects.create(
            registered_by_organisation=programme.organiser if hdata["partner"] else None,
            village_id=hdata["village"],
            land_operated_ha=Decimal(hdata["land"]),
            status=hdata["status"],
            land_tenure="own" if Decimal(hdata["land"]) > 0 else "none",
        )
        if hdata["welfare"]:
            HouseholdWelfare.objects.create(
                household=hh,
                local_decile=hdata["local"],
                official_decile=hdata["official"],
                official_source="DTSEN 2025" if hdata["official"] else "",
                verified_decile=hdata["verified"],
                verified_reason="kunjungan" if hdata["verified"] else "",
            )
        for index, pdata in enumerate(hdata["people"]):
            serial += 1
            # At most one head per household (a registry constraint): later "heads" become spouses.
            relationship = pdata["relationship"] if index == 0 or pdata["relationship"] != "head" else "spouse"
            person = Person.objects.create(
                household=hh,
                full_name=f"Orang {serial}",
                sex=pdata["sex"],
                birth_date=pdata["birth_date"],
                relationship=relationship,
                status=pdata["status"],
                occupation=pdata["occupation"],
                wgss_walking=pdata["wgss_walking"],
                wgss_seeing=pdata["wgss_seeing"],
                nik=f"{1502010000000000 + serial}" if pdata["has_nik"] else None,
                nik_missing_reason="" if pdata["has_nik"] else "unknown",
            )
            for g in pdata["groups"]:
                GroupMembership.objects.create(
                    group=groups[g], person=person, left_on=dt.date(2025, 1, 1) if pdata["left"] else None
                )
            if pdata["enrolled"]:
                Enrolment.objects.create(
                    programme=programme,
                    person=person,
                    status=pdata["enrolled"],
                    reason="uji" if pdata["enrolled"] == "rejected" else "",
                    created_by=officer,
                )
            if pdata["assisted"] is not None:
                Assistance.objects.create(
                    programme=programme,
                    person=person,
                    kind="cash_grant" if serial % 2 else "in_kind",
                    amount=100_000,
                    date=months_ago(AS_OF, pdata["assisted"]),
                    status="disbursed" if serial % 3 else "cancelled",
                    created_by=officer,
                )
            for area, active in pdata["plots"]:
                Plot.objects.create(
                    farmer=person,
                    village_id=hh.village_id,
                    area_ha=Decimal(area),
                    tenure="own",
                    commodity=rubber,
                    is_active=active,
                )
            if pdata["profile"]:
                DisabilityProfile.objects.create(person=person, disability_type=pdata["profile"], recorded_by=officer)
            for stage in [*pdata["closed_episodes"], *([pdata["open_episode"]] if pdata["open_episode"] else [])]:
                MigrationEpisode.objects.create(
                    person=person, stage=stage, destination="MY", channel="self", created_by=officer
                )
            for kind, given, withdrawn in pdata["consents"]:
                given_at = today + dt.timedelta(days=given)
                ConsentRecord.objects.create(
                    person=person,
                    basis="consent",
                    given_by="self",
                    purpose="uji",
                    purpose_kind=kind,
                    given_at=given_at,
                    withdrawn_at=None if withdrawn is None else given_at + dt.timedelta(days=withdrawn),
                    recorded_by=officer,
                )
    return groups[0], programme
