"""Demo data: a plausible Merangin population to try Berdaya with, and a known set of near-duplicate people to
test record linkage against (../shared/domain.md).

`demo_build` draws everything in memory from one `random.Random(seed)` and one `Faker("id_ID")` seeded with the
same seed, always in the same order, so one seed gives the same names, NIKs and answers on any database and any
day: values never depend on database ids, dict/set ordering or the clock (ages are taken at REFERENCE_DATE).
`demo_write` then stores it with `bulk_create` in batches, which is why 2,000 households take seconds, not minutes.

This bypasses the registry services on purpose: the data is generated to satisfy the same model rules
(`Person.clean`, `Household.clean`, the constraints) and the tests check that it does.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from django.db import transaction
from django.db.models import Count, Model
from faker import Faker
from simple_history.utils import bulk_create_with_history

from berdaya.accounts.models import User
from berdaya.areas.models import District, Village
from berdaya.core.access import VILLAGE_SCOPED, capabilities
from berdaya.core.conf import conf
from berdaya.core.phone import normalise_phone
from berdaya.organisations.models import Organisation
from berdaya.registry import choices as c
from berdaya.registry.access import households_visible_to
from berdaya.registry.identity import make_nik
from berdaya.registry.models import Group, GroupMembership, Household, KKNumber, Person

T = TypeVar("T")
K = TypeVar("K", bound=str)

# Ages, KK issue dates and group dates are computed at this fixed "survey date", not today, so the same seed gives
# the same data next year too. It must not be in the future (NIK and KK checks reject future dates).
REFERENCE_DATE = dt.date(2026, 6, 30)
BATCH_SIZE = 2000
HISTORY_REASON = "Data demo"

# The organisations of the demo. The NGO is the partner whose staff user sees "its" households.
PARTNER_NGO = "Yayasan Tani Lestari Merangin"
ORGANISATIONS: list[tuple[str, str, str]] = [
    ("Dinas Sosial Kabupaten Merangin", "Dinsos", Organisation.Kind.GOVERNMENT),
    ("Dinas Pertanian Kabupaten Merangin", "Distan", Organisation.Kind.GOVERNMENT),
    ("Dinas Tenaga Kerja dan Transmigrasi Kabupaten Merangin", "Disnakertrans", Organisation.Kind.GOVERNMENT),
    ("Badan Perencanaan Pembangunan Daerah Kabupaten Merangin", "Bappeda", Organisation.Kind.GOVERNMENT),
    (PARTNER_NGO, "YTLM", Organisation.Kind.NGO),
    ("Perkumpulan Peduli Pekerja Migran Jambi", "P3MJ", Organisation.Kind.NGO),
]
# The partner NGO works in the coffee and cinnamon highlands; about this share of households is "theirs".
PARTNER_DISTRICTS = ("15.02.01", "15.02.03", "15.02.09", "15.02.18")
PARTNER_SHARE = 0.15
FACILITATOR_DISTRICT = "15.02.02"  # Bangko
FACILITATOR_VILLAGES = 4


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    password: str
    organisation: str | None = None


# Demo passwords are public by design (they are printed and documented): never run the demo in production.
DEMO_LOGINS: list[DemoLogin] = [
    DemoLogin("admin", User.Role.ADMIN, "Berdaya-Admin-2026"),
    DemoLogin("petugas", User.Role.OFFICER, "Berdaya-Petugas-2026", "Dinas Sosial Kabupaten Merangin"),
    DemoLogin("pendamping", User.Role.FACILITATOR, "Berdaya-Pendamping-2026", "Dinas Sosial Kabupaten Merangin"),
    DemoLogin("mitra", User.Role.PARTNER, "Berdaya-Mitra-2026", PARTNER_NGO),
    DemoLogin(
        "pemantau", User.Role.VIEWER, "Berdaya-Pemantau-2026", "Badan Perencanaan Pembangunan Daerah Kabupaten Merangin"
    ),
]

# Livelihood zones of Merangin's districts: the highlands grow coffee and cinnamon, the transmigration areas oil
# palm, the rest rubber and rice. Weights follow the crop areas in domain.md (rubber > oil palm > rice > ...).
# fmt: off
HIGHLAND = {"15.02.01", "15.02.09", "15.02.18"}
HIGHLAND_EDGE = {"15.02.03"}
TRANSMIGRATION = {
    "15.02.06", "15.02.08", "15.02.13", "15.02.14", "15.02.15", "15.02.19", "15.02.20", "15.02.21", "15.02.22",
}
CROPS_BY_ZONE: dict[str, dict[str, float]] = {
    "highland": {"coffee": 0.45, "cinnamon": 0.25, "rice": 0.15, "rubber": 0.15},
    "highland_edge": {"rubber": 0.40, "coffee": 0.30, "rice": 0.20, "cinnamon": 0.10},
    "transmigration": {"oil_palm": 0.50, "rubber": 0.35, "rice": 0.15},
    "lowland": {"rubber": 0.60, "oil_palm": 0.20, "rice": 0.20},
}
# Median operated area per crop (ha); rice fields are small, oil palm plots (2 ha per transmigrant) large.
MEDIAN_LAND_HA = {"rubber": 1.5, "oil_palm": 2.0, "rice": 0.5, "coffee": 1.0, "cinnamon": 1.0}
CROP_WORDS = {"rubber": "Karet", "oil_palm": "Sawit", "rice": "Padi", "coffee": "Kopi", "cinnamon": "Kayu Manis"}
# Bangko is the regency capital; Tabir and Pamenang are large market towns.
DISTRICT_WEIGHT = {"15.02.02": 3.0, "15.02.05": 1.5, "15.02.06": 1.5}
# Where people born outside Merangin come from (province code, weight): transmigrants from Java, neighbours
# from Sumatra.
ORIGIN_PROVINCES = {
    "33": 0.25, "35": 0.20, "32": 0.10, "34": 0.03, "13": 0.12, "16": 0.08, "17": 0.05, "15": 0.12, "12": 0.05,
}

# Jambi Malay names; Faker's id_ID lists are mostly Javanese and modern names.
MALAY_MALE = [
    "Ahmad", "Syamsul", "Zainal", "Hasan", "Rusli", "Ismail", "Yusuf", "Ridwan", "Hendra", "Arifin", "Jufri",
    "Syahrial", "Zulkifli", "Darwis", "Usman", "Jamaluddin", "Amiruddin", "Bustami", "Mukhtar", "Junaidi",
    "Herman", "Rahmat", "Samsudin", "Azhar", "Firdaus", "Hamdani", "Irwan", "Khairul", "Nasrul", "Suhaimi",
    "Yunus", "Saiful", "Erwin", "Afrizal", "Yulizar", "Syafrudin", "Taufik", "Jumadi", "Ruslan", "Yahya",
    "Zulhendri",
]
MALAY_FEMALE = [
    "Nurhayati", "Rosmiati", "Jamilah", "Zubaidah", "Rohani", "Asnah", "Hasnah", "Nurjanah", "Rahmah",
    "Salmah", "Fatimah", "Aminah", "Khadijah", "Mariani", "Nurlela", "Yusnita", "Zuraidah", "Halimah",
    "Rusmini", "Suryani", "Erni", "Yuliana", "Desi", "Rita", "Nelly", "Juliana", "Hartini", "Maimunah",
    "Rukiah", "Syamsiah", "Wirda", "Yenni", "Azizah", "Murni", "Darmawati", "Jusmaniar", "Nuraini",
    "Nurbaiti", "Yusniar", "Cahaya",
]
ABDUL_NAMES = ["Rahman", "Hamid", "Karim", "Aziz", "Latif", "Majid", "Halim", "Gani", "Rasyid", "Wahab", "Jalil"]
DUSUN_NAMES = ["Dusun Baru", "Dusun Tengah", "Dusun Ilir", "Dusun Ulu", "Dusun Pasar", "Dusun Lama", "Dusun Sawah"]
GROUP_WORDS = [
    "Maju Bersama", "Sido Makmur", "Tunas Harapan", "Sepakat", "Karya Mandiri", "Sumber Rezeki", "Tani Jaya",
    "Mekar Sari", "Harapan Baru", "Bina Usaha", "Sinar Tani", "Rukun Makmur", "Berkah Jaya", "Suka Maju",
    "Mufakat", "Lestari", "Bangkit Bersama", "Sejahtera", "Mandiri Jaya", "Karya Tani",
]
KUBE_WORDS = [
    "Mawar", "Melati", "Anggrek", "Kenanga", "Cempaka", "Teratai", "Dahlia", "Seroja", "Flamboyan",
    "Bougenvil",
]
PHONE_PREFIXES = ["0812", "0813", "0821", "0822", "0823", "0852", "0853", "0857", "0858", "0877", "0878", "0895"]
# fmt: on

# Spellings from before the 1972 reform (EYD) still on old documents: oe for u, dj for j, j for y, tj for c
# (berdaya.demo.linkage ages names with them).
OLD_SPELLINGS: list[tuple[str, str]] = [("u", "oe"), ("j", "dj"), ("y", "j"), ("c", "tj"), ("kh", "ch")]


@dataclass
class PlannedHousehold:
    household: Household
    members: list[Person]
    district: str
    wealth: float
    # The household's main commodity. No field stores it yet (the farming app will add plots); it shapes the land
    # size and the farmer group names.
    crop: str


@dataclass
class PlannedGroup:
    group: Group
    memberships: list[GroupMembership]


@dataclass
class InjectedDuplicate:
    original: Person
    duplicate: Person
    kinds: list[str]


@dataclass
class DemoData:
    households: list[PlannedHousehold]
    groups: list[PlannedGroup]
    duplicates: list[InjectedDuplicate]

    @property
    def people(self) -> list[Person]:
        return [p for hh in self.households for p in hh.members]


@dataclass(frozen=True)
class DemoResult:
    households: int
    people: int
    groups: int
    memberships: int
    duplicates: int
    seconds: float
    ground_truth: Path | None
    skipped: bool = False
    # Households that were already there: a second run adds to them (same seed, same names again).
    existing: int = 0


@dataclass(frozen=True)
class _VillageInfo:
    code: str
    district: str
    name: str
    kelurahan: bool
    latitude: Decimal | None
    longitude: Decimal | None


class DemoAreasMissing(RuntimeError):
    pass


def _zone(district: str) -> str:
    if district in HIGHLAND:
        return "highland"
    if district in HIGHLAND_EDGE:
        return "highland_edge"
    if district in TRANSMIGRATION:
        return "transmigration"
    return "lowland"


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _pick_by_cuts(value: float, cuts: Sequence[tuple[float, T]], last: T) -> T:
    """The first option whose threshold `value` exceeds: options go from best to worst."""
    for threshold, option in cuts:
        if value > threshold:
            return option
    return last


class _Builder:
    def __init__(self, *, seed: int, today: dt.date, villages: list[_VillageInfo], districts: dict[str, str]):
        self.rng = random.Random(seed)
        self.faker = Faker("id_ID")
        self.faker.seed_instance(seed)
        self.today = today
        self.villages = villages
        # District code -> regency name, for every district of Indonesia (birth places of people born elsewhere).
        self.districts = districts
        by_province: dict[str, list[str]] = defaultdict(list)
        by_regency: dict[str, list[str]] = defaultdict(list)
        for code in sorted(districts):
            by_province[code[:2]].append(code)
            by_regency[code[:5]].append(code)
        self.districts_by_province = dict(by_province)
        self.districts_by_regency = dict(by_regency)
        self.all_districts = sorted(districts)
        self.used_niks: set[str] = set()
        self.used_kks: set[str] = set()
        self.used_phones: set[str] = set()
        self.nik_serials: dict[str, int] = {}
        self.kk_serials: dict[str, int] = {}
        self.nik_district: dict[int, str] = {}

    # -- small helpers ---------------------------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, weights: Mapping[K, float]) -> K:
        keys = list(weights)
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def birth_date_for_age(self, age: int) -> dt.date:
        latest = _add_years(self.today, -age)
        return latest - dt.timedelta(days=self.rng.randint(0, 364))

    # -- identity numbers ------------------------------------------------------------------------------------

    def nik(self, district: str, birth: dt.date, sex: str) -> str:
        # NIKs collide only on the same district, birth date and sex; a counter per 12-digit stem keeps serials
        # unique, starting at a small random number as real serials do.
        stem = make_nik(district_code=district, birth_date=birth, sex=sex, serial=0)[:12]
        serial = self.nik_serials.get(stem) or self.rng.randint(1, 12)
        while True:
            nik = f"{stem}{serial:04d}"
            serial += 1
            if nik not in self.used_niks:
                break
        self.nik_serials[stem] = serial
        self.used_niks.add(nik)
        return nik

    def kk_number(self, district: str, issued: dt.date) -> str:
        stem = f"{district.replace('.', '')}{issued:%d%m%y}"
        serial = self.kk_serials.get(stem) or self.rng.randint(1, 30)
        while f"{stem}{serial:04d}" in self.used_kks:
            serial += 1
        number = f"{stem}{serial:04d}"
        self.kk_serials[stem] = serial + 1
        self.used_kks.add(number)
        return number

    def origin_district(self, home: str, zone: str) -> str:
        """Where a person born outside their household's district was first registered."""
        if self.chance(0.35):  # moved within Merangin, usually by marriage
            local = self.districts_by_regency.get(home[:5])
            if local:
                return self.rng.choice(local)
        weights = dict(ORIGIN_PROVINCES)
        if zone == "transmigration":
            for java in ("33", "35", "32", "34"):
                weights[java] *= 3
        province = self.pick(weights)
        candidates = self.districts_by_province.get(province) or self.all_districts
        return self.rng.choice(candidates)

    def phone(self) -> str:
        while True:
            number = self.rng.choice(PHONE_PREFIXES) + "".join(
                str(self.rng.randint(0, 9)) for _ in range(self.rng.choice((7, 8)))
            )
            if number not in self.used_phones:
                self.used_phones.add(number)
                # In the one stored form (core.phone: E.164), as a form or an import would store it.
                return normalise_phone(number)

    # -- names -----------------------------------------------------------------------------------------------

    def name(self, sex: str, birth: dt.date, javanese: float) -> str:
        # Younger people get more of Faker's names (modern and Javanese), their parents more Malay ones.
        javanese = min(0.9, javanese + (0.2 if birth.year >= 2000 else 0.0))
        r = self.rng.random()
        if sex == c.Sex.MALE:
            if r < 0.12:
                return "Muhammad " + (self.faker.first_name_male() if self.chance(0.5) else self.rng.choice(MALAY_MALE))
            if r < 0.16:
                return "Abdul " + self.rng.choice(ABDUL_NAMES)
            base = self.faker.first_name_male() if self.chance(javanese) else self.rng.choice(MALAY_MALE)
            if self.chance(0.45):
                base += " " + (self.faker.last_name_male() if self.chance(0.7) else self.rng.choice(MALAY_MALE))
            return base
        if r < 0.12:
            return "Siti " + (self.faker.first_name_female() if self.chance(0.5) else self.rng.choice(MALAY_FEMALE))
        if r < 0.15:
            return "Nur " + self.faker.first_name_female()
        base = self.faker.first_name_female() if self.chance(javanese) else self.rng.choice(MALAY_FEMALE)
        if self.chance(0.35):
            base += " " + self.faker.last_name_female()
        return base

    # -- households ------------------------------------------------------------------------------------------

    def household(self, village: _VillageInfo) -> PlannedHousehold:
        zone = _zone(village.district)
        # A latent wealth drives occupations, land, housing and assets, so a later poverty score has signal.
        wealth = self.rng.gauss(0.5 if village.kelurahan else 0.0, 1.0)
        hh = Household(village_id=village.code, status=c.HouseholdStatus.ACTIVE)
        crop = self.pick(CROPS_BY_ZONE[zone])
        plan = PlannedHousehold(household=hh, members=[], district=village.district, wealth=wealth, crop=crop)
        self.members(plan, village)
        self.socio_economics(plan, village)
        self.identity(plan)
        self.address(plan, village)
        return plan

    def add(
        self,
        plan: PlannedHousehold,
        village: _VillageInfo,
        relationship: str,
        sex: str,
        birth: dt.date,
        marital: str = c.MaritalStatus.SINGLE,
        local_born: bool = True,
    ) -> Person:
        zone = _zone(plan.district)
        nik_district = plan.district if local_born else self.origin_district(plan.district, zone)
        person = Person(
            household=plan.household,
            full_name=self.name(sex, birth, javanese=0.7 if zone == "transmigration" else 0.3),
            sex=sex,
            birth_place=village.name if nik_district == plan.district else self.districts[nik_district],
            birth_date=birth,
            relationship=relationship,
            marital_status=marital,
        )
        # The NIK is drawn once the household is complete; remember where this person was first registered.
        self.nik_district[id(person)] = nik_district
        plan.members.append(person)
        return person

    def any_sex(self) -> str:
        return c.Sex.MALE if self.chance(0.51) else c.Sex.FEMALE

    def children(
        self, plan: PlannedHousehold, village: _VillageInfo, mother: Person, father: Person | None
    ) -> list[Person]:
        """Children of a couple (or of a single mother), spaced and timed by the parents' ages."""
        wanted = self.rng.choices(range(7), weights=[4, 12, 28, 26, 17, 8, 5])[0]
        first = mother.birth_date + dt.timedelta(days=int(self.rng.uniform(18, 26) * 365.25))
        if father is not None:
            first = max(first, father.birth_date + dt.timedelta(days=int(19 * 365.25)))
        born: list[Person] = []
        birth = first
        for _ in range(wanted):
            if birth >= self.today or _age(mother.birth_date, birth) > 44:
                break
            age = _age(birth, self.today)
            # Grown-up children leave: most of those over 25 live in their own household.
            stays = 1.0 if age < 18 else 0.9 if age < 23 else 0.5 if age < 28 else 0.1
            if self.chance(stays):
                born.append(self.add(plan, village, c.Relationship.CHILD, self.any_sex(), birth))
            birth += dt.timedelta(days=int(self.rng.uniform(1.3, 4.5) * 365.25))
        return born

    def members(self, plan: PlannedHousehold, village: _VillageInfo) -> None:
        """Head, spouse, children and sometimes a grandparent, a married child or a relative."""
        rng = self.rng
        R, S, M = c.Relationship, c.Sex, c.MaritalStatus
        # Adults in transmigration areas were often born in Java; elsewhere most people stayed where they were born.
        local = 0.55 if _zone(plan.district) == "transmigration" else 0.85
        kind = self.pick({"female": 0.15, "single_male": 0.04, "elderly_couple": 0.07, "couple": 0.74})

        if kind == "female":
            # Widows, divorcees and wives of men working away head about 15% of households.
            sub = self.pick({"widow": 0.45, "divorced": 0.2, "elderly": 0.2, "husband_away": 0.15})
            lo, hi, marital = {
                "widow": (38, 78, M.WIDOWED),
                "divorced": (24, 55, M.DIVORCED),
                "elderly": (62, 88, M.WIDOWED),
                "husband_away": (24, 45, M.MARRIED),
            }[sub]
            age = rng.randint(lo, hi)
            head = self.add(plan, village, R.HEAD, S.FEMALE, self.birth_date_for_age(age), marital, self.chance(local))
            if sub != "elderly":
                self.children(plan, village, head, None)
            elif self.chance(0.5):
                # Grandchildren left with their grandmother while the parents work elsewhere.
                for _ in range(rng.randint(1, 2)):
                    birth = self.birth_date_for_age(rng.randint(3, min(17, age - 38)))
                    self.add(plan, village, R.GRANDCHILD, self.any_sex(), birth)
            return
        if kind == "single_male":
            age = rng.randint(20, 35) if self.chance(0.4) else rng.randint(60, 85)
            marital = M.SINGLE if age < 40 else M.WIDOWED
            self.add(plan, village, R.HEAD, S.MALE, self.birth_date_for_age(age), marital, self.chance(local))
            return

        if kind == "elderly_couple":
            age = rng.randint(60, 84)
        else:
            lo, hi = rng.choices([(21, 29), (30, 39), (40, 49), (50, 59), (60, 75)], weights=[15, 28, 28, 19, 10])[0]
            age = rng.randint(lo, hi)
        head = self.add(plan, village, R.HEAD, S.MALE, self.birth_date_for_age(age), M.MARRIED, self.chance(local))
        wife_age = max(18, age - max(-3, min(15, round(rng.gauss(4, 3)))))
        wife = self.add(
            plan, village, R.SPOUSE, S.FEMALE, self.birth_date_for_age(wife_age), M.MARRIED, self.chance(local)
        )
        if kind == "elderly_couple":
            if self.chance(0.3):
                birth = self.birth_date_for_age(rng.randint(2, min(17, wife_age - 38)))
                self.add(plan, village, R.GRANDCHILD, self.any_sex(), birth)
            return

        kids = self.children(plan, village, wife, head)
        # A married child living with the parents, with the in-law and grandchildren.
        grown = [k for k in kids if _age(k.birth_date, self.today) >= 20]
        if grown and self.chance(0.3):
            child = grown[0]
            child.marital_status = M.MARRIED
            in_law_sex = S.FEMALE if child.sex == S.MALE else S.MALE
            # Husbands are usually a little older than their wives.
            shift = rng.randint(0, 5) if in_law_sex == S.MALE else -rng.randint(0, 5)
            in_law_birth = self.birth_date_for_age(max(18, _age(child.birth_date, self.today) + shift))
            in_law = self.add(plan, village, R.CHILD_IN_LAW, in_law_sex, in_law_birth, M.MARRIED, self.chance(local))
            first = max(_add_years(child.birth_date, 19), _add_years(in_law.birth_date, 19))
            for _ in range(rng.choices([0, 1, 2], weights=[25, 45, 30])[0]):
                birth = first + dt.timedelta(days=rng.randint(0, 6 * 365))
                if birth >= self.today:
                    break
                self.add(plan, village, R.GRANDCHILD, self.any_sex(), birth)
        # A widowed parent of the head or of the wife.
        if self.chance(0.1):
            of_head = self.chance(0.5)
            parent_age = _age((head if of_head else wife).birth_date, self.today) + rng.randint(20, 35)
            if parent_age <= 95:
                sex = S.FEMALE if self.chance(0.7) else S.MALE  # widows outlive widowers
                relationship = R.PARENT if of_head else R.PARENT_IN_LAW
                birth = self.birth_date_for_age(parent_age)
                self.add(plan, village, relationship, sex, birth, M.WIDOWED, self.chance(local))
        if self.chance(0.04):
            birth = self.birth_date_for_age(rng.randint(8, 25))
            self.add(plan, village, R.OTHER_RELATIVE, self.any_sex(), birth, M.SINGLE, self.chance(local))

    def education(self, person: Person, wealth: float) -> str:
        E = c.Education
        age = _age(person.birth_date, self.today)
        if age < 7:
            return E.NONE
        if age < 13:
            return E.PRIMARY_INCOMPLETE
        # Older cohorts went to school less; richer households kept children in school longer.
        year = person.birth_date.year
        cohort = _pick_by_cuts(year, [(1990, 0.5), (1975, 0.0), (1959, -0.6)], -1.3)
        score = 0.7 * wealth + cohort + self.rng.gauss(0, 1)
        cuts = [
            (3.2, E.POSTGRADUATE),
            (2.1, E.BACHELOR),
            (1.8, E.DIPLOMA),
            (0.6, E.SENIOR),
            (-0.2, E.JUNIOR),
            (-1.3, E.PRIMARY),
            (-2.2, E.PRIMARY_INCOMPLETE),
        ]
        level = _pick_by_cuts(score, cuts, E.NONE)
        # A teenager has at most finished the level before the one they are in.
        cap = E.PRIMARY if age < 16 else E.JUNIOR if age < 19 else E.SENIOR if age < 22 else None
        order = list(E.values)
        if cap is not None and order.index(level) > order.index(cap):
            level = cap
        if age < 19 and order.index(level) < order.index(E.PRIMARY):
            level = E.PRIMARY
        return level

    def occupation(self, person: Person, plan: PlannedHousehold, urban: bool) -> str:
        Occ = c.Occupation
        age = _age(person.birth_date, self.today)
        if age < 5:
            return Occ.NOT_WORKING
        if age < 15:
            return Occ.STUDENT
        if age < 19:
            return (
                Occ.STUDENT
                if self.chance(0.85)
                else self.pick({Occ.FARM_LABOURER: 0.5, Occ.NOT_WORKING: 0.3, Occ.LABOURER: 0.2})
            )
        if age >= 70:
            return self.pick({Occ.NOT_WORKING: 0.55, Occ.FARMER: 0.35, Occ.RETIRED: 0.1})
        educated = person.education in {c.Education.DIPLOMA, c.Education.BACHELOR, c.Education.POSTGRADUATE}
        if (
            age < 24
            and person.relationship in {c.Relationship.CHILD, c.Relationship.OTHER_RELATIVE}
            and self.chance(0.3)
        ):
            return Occ.STUDENT
        farm = 0.25 if urban else 1.0
        rich = max(0.0, plan.wealth)
        weights = {
            Occ.FARMER: 0.60 * farm,
            Occ.FARM_LABOURER: 0.12 * farm * (2.0 if plan.wealth < -0.8 else 1.0),
            Occ.LABOURER: 0.06 * (2.0 if urban else 1.0),
            Occ.TRADER: 0.05 * (3.0 if urban else 1.0),
            Occ.SELF_EMPLOYED: 0.04 * (2.0 if urban else 1.0) * (1 + rich),
            Occ.CIVIL_SERVANT: (0.02 + (0.25 if educated else 0.0)) * (1 + rich),
            Occ.PRIVATE_EMPLOYEE: (0.03 + (0.10 if educated else 0.0)) * (2.0 if urban else 1.0),
            Occ.FISHER: 0.01,
            Occ.LIVESTOCK: 0.01,
            Occ.MIGRANT_WORKER: 0.015 if age < 45 else 0.0,
            Occ.NOT_WORKING: 0.03,
        }
        if person.sex == c.Sex.FEMALE:
            weights[Occ.HOMEMAKER] = 0.0 if person.relationship == c.Relationship.HEAD else 0.75
            weights[Occ.FARMER] *= 0.8
        if age >= 58:
            weights[Occ.RETIRED] = 0.08 if educated else 0.01
        return self.pick(weights)

    def wgss(self, person: Person, plan: PlannedHousehold) -> None:
        """WG-SS answers with disability prevalence near national figures, rising steeply with age."""
        age = _age(person.birth_date, self.today)
        if age < 5:
            return  # the WG-SS is not asked of young children: the answers stay empty
        answers = dict.fromkeys((name for name, _label in c.WGSS_DOMAINS), int(c.WGSSAnswer.NO_DIFFICULTY))
        p_disability = 0.02 if age < 18 else 0.03 if age < 45 else 0.08 if age < 60 else 0.20 if age < 70 else 0.38
        # Poverty and disability go together (cause and effect both ways).
        p_disability *= 1.4 if plan.wealth < -1 else 1.0
        p_some = 0.04 if age < 18 else 0.10 if age < 45 else 0.25 if age < 60 else 0.45
        domain_weights = {
            "wgss_seeing": 0.24 + (0.1 if age >= 60 else 0.0),
            "wgss_hearing": 0.14 + (0.06 if age >= 60 else 0.0),
            "wgss_walking": 0.30,
            "wgss_remembering": 0.14,
            "wgss_selfcare": 0.09,
            "wgss_communicating": 0.09 if age >= 18 else 0.18,
        }
        if self.chance(p_some):
            answers[self.pick(domain_weights)] = c.WGSSAnswer.SOME
        if self.chance(p_disability):
            main = self.pick(domain_weights)
            answers[main] = c.WGSSAnswer.CANNOT if self.chance(0.2) else c.WGSSAnswer.A_LOT
            if self.chance(0.3):
                other = self.pick({k: v for k, v in domain_weights.items() if k != main})
                answers[other] = c.WGSSAnswer.SOME if self.chance(0.6) else c.WGSSAnswer.A_LOT
        for name, value in answers.items():
            setattr(person, name, int(value))

    def socio_economics(self, plan: PlannedHousehold, village: _VillageInfo) -> None:
        Occ, T = c.Occupation, c.LandTenure
        hh, w = plan.household, plan.wealth
        for person in plan.members:
            person.education = self.education(person, w)
            person.occupation = self.occupation(person, plan, village.kelurahan)
            self.wgss(person, plan)
            age = _age(person.birth_date, self.today)
            # Phones: most working-age adults, fewer among the poor and the old; heads give theirs most often.
            head_bonus = 0.8 if person.relationship == c.Relationship.HEAD else 0.0
            if 17 <= age <= 75 and self.chance(_sigmoid(0.4 + w - 0.04 * max(0, age - 40) + head_bonus)):
                person.phone = self.phone()

        head = plan.members[0]
        if head.occupation == Occ.FARMER or (head.occupation in {Occ.NOT_WORKING, Occ.RETIRED} and self.chance(0.5)):
            ha = MEDIAN_LAND_HA[plan.crop] * math.exp(self.rng.gauss(0, 0.55) + 0.25 * w)
        elif head.occupation == Occ.FARM_LABOURER:
            ha = self.rng.uniform(0.2, 0.8) if self.chance(0.3) else 0.0
        else:
            # Many non-farming rural households still tap a small rubber garden.
            ha = self.rng.uniform(0.25, 2.0) if self.chance(0.1 if village.kelurahan else 0.3) else 0.0
        ha = round(min(ha, 8.0), 2)
        hh.land_operated_ha = Decimal(f"{ha:.2f}")
        if ha > 0:
            hh.land_tenure = self.pick(
                {
                    T.OWN: 0.62 + 0.1 * max(0.0, w),
                    T.CUSTOMARY: 0.14 if _zone(plan.district) in {"highland", "highland_edge"} else 0.05,
                    T.SHARECROP: 0.12 * (2.0 if w < -0.8 else 1.0),
                    T.RENT: 0.08,
                }
            )
        else:
            hh.land_tenure = T.NONE

        def z(spread: float = 0.8) -> float:
            return w + self.rng.gauss(0, spread)

        remote = _zone(plan.district) == "highland"
        hh.floor_material = _pick_by_cuts(
            z(),
            [
                (0.6, c.FloorMaterial.CERAMIC),
                (-0.3, c.FloorMaterial.TILE_CEMENT),
                (-1.6, c.FloorMaterial.WOOD),
                (-2.1, c.FloorMaterial.BAMBOO),
            ],
            c.FloorMaterial.EARTH,
        )
        hh.wall_material = _pick_by_cuts(
            z(),
            [
                (-0.1, c.WallMaterial.BRICK),
                (-0.4, c.WallMaterial.PLASTER_BAMBOO),
                (-1.9, c.WallMaterial.WOOD),
                (-2.3, c.WallMaterial.BAMBOO),
            ],
            c.WallMaterial.OTHER,
        )
        hh.roof_material = _pick_by_cuts(
            z(),
            [(1.3, c.RoofMaterial.CONCRETE), (-2.0, c.RoofMaterial.ZINC), (-2.3, c.RoofMaterial.WOOD)],
            c.RoofMaterial.THATCH,
        )
        hh.water_source = _pick_by_cuts(
            z() - (0.5 if remote else 0.0),
            [
                (1.2, c.WaterSource.PIPED),
                (0.4, c.WaterSource.BOTTLED),
                (-0.8, c.WaterSource.PROTECTED_WELL),
                (-1.6, c.WaterSource.UNPROTECTED_WELL),
            ],
            c.WaterSource.RIVER,
        )
        hh.toilet = _pick_by_cuts(
            z(), [(-0.6, c.Toilet.OWN), (-1.2, c.Toilet.OWN_NO_SEPTIC), (-1.7, c.Toilet.SHARED)], c.Toilet.NONE
        )
        hh.lighting = _pick_by_cuts(
            z() - (0.6 if remote else 0.0),
            [(-1.0, c.Lighting.PLN_METERED), (-1.9, c.Lighting.PLN_SHARED), (-2.6, c.Lighting.NON_PLN)],
            c.Lighting.NONE,
        )
        hh.cooking_fuel = _pick_by_cuts(
            z() - (0.3 if not village.kelurahan else -0.5),
            [(-0.8, c.CookingFuel.ELECTRIC_GAS), (-1.0, c.CookingFuel.KEROSENE)],
            c.CookingFuel.WOOD,
        )
        area = (30 + 9 * len(plan.members)) * math.exp(0.3 * w + self.rng.gauss(0, 0.25))
        hh.floor_area_m2 = int(max(12, min(300, round(area))))
        hh.asset_motorcycle = self.chance(_sigmoid(1.5 + 1.2 * w))
        hh.asset_car = self.chance(_sigmoid(-3.2 + 1.5 * w))
        hh.asset_refrigerator = self.chance(_sigmoid(-0.3 + 1.3 * w))
        hh.asset_television = self.chance(_sigmoid(1.2 + 1.2 * w))
        hh.asset_smartphone = any(p.phone for p in plan.members) and self.chance(0.85)
        hh.asset_livestock = self.chance(_sigmoid(-2.2 + 0.3 * w + (0.8 if plan.district in TRANSMIGRATION else 0.0)))
        hh.asset_gold_savings = self.chance(_sigmoid(-1.2 + 1.4 * w))

    def identity(self, plan: PlannedHousehold) -> None:
        """NIKs, missing-NIK reasons and the KK number; about 3% of people end up without a NIK."""
        undocumented = self.chance(0.01 * (2.0 if plan.wealth < -1 else 1.0))
        for person in plan.members:
            age_days = (self.today - person.birth_date).days
            p_missing = 0.01 * (2.0 if plan.wealth < -1 else 1.0)
            if age_days < 365:
                p_missing = 0.25  # births are often registered months late
            if undocumented or self.chance(p_missing):
                person.nik = None
                person.nik_missing_reason = (
                    c.NikMissingReason.NEVER_REGISTERED
                    if undocumented or age_days < 365
                    else self.pick(
                        {
                            c.NikMissingReason.CARD_LOST: 0.5,
                            c.NikMissingReason.UNKNOWN: 0.3,
                            c.NikMissingReason.NEVER_REGISTERED: 0.2,
                        }
                    )
                )
            else:
                person.nik = self.nik(self.nik_district[id(person)], person.birth_date, person.sex)
        if undocumented:
            plan.household.kk_number = ""
            return
        youngest = max(p.birth_date for p in plan.members)
        # The KK is re-issued when a member is added, so it dates from after the youngest member's birth.
        issued = max(
            youngest + dt.timedelta(days=self.rng.randint(20, 900)),
            dt.date(2008, 1, 1) + dt.timedelta(days=self.rng.randint(0, 2500)),
        )
        issued = min(issued, self.today - dt.timedelta(days=self.rng.randint(1, 30)))
        plan.household.kk_number = self.kk_number(plan.district, issued)

    def address(self, plan: PlannedHousehold, village: _VillageInfo) -> None:
        hh = plan.household
        if village.kelurahan:
            # Faker's street name carries its own "Jl."/"Gg."/"Jalan"/"Gang".
            hh.address = f"{self.faker.street_name()} No. {self.rng.randint(1, 120)}"
        else:
            hh.address = self.rng.choice(DUSUN_NAMES)
        hh.rt = f"{self.rng.randint(1, 15):03d}"
        hh.rw = f"{self.rng.randint(1, 6):03d}" if village.kelurahan or self.chance(0.4) else ""
        if village.latitude is not None and village.longitude is not None and self.chance(0.75):
            # Around the village centroid (about ±1.5 km): enough for a map, not a real house.
            hh.latitude = (village.latitude + Decimal(f"{self.rng.uniform(-0.014, 0.014):.6f}")).quantize(
                Decimal("0.000001")
            )
            hh.longitude = (village.longitude + Decimal(f"{self.rng.uniform(-0.014, 0.014):.6f}")).quantize(
                Decimal("0.000001")
            )

    # -- groups ----------------------------------------------------------------------------------------------

    def planned_group(
        self, *, name: str, kind: str, village: str, founded: int, members: list[Person], number: str = ""
    ) -> PlannedGroup:
        group = Group(name=name, kind=kind, village_id=village, founded_year=founded, registration_number=number)
        # The chair is a household head where one is available; then a secretary, a treasurer, the rest members.
        members = sorted(members, key=lambda p: p.relationship != c.Relationship.HEAD)
        roles = [c.GroupRole.CHAIR, c.GroupRole.SECRETARY, c.GroupRole.TREASURER]
        founding = dt.date(founded, 1, 1) + dt.timedelta(days=self.rng.randint(0, 300))
        span = max(0, (self.today - founding).days)
        memberships = []
        for i, person in enumerate(members):
            # The board founded the group; others joined later, once adults.
            joined = founding if i < 3 else founding + dt.timedelta(days=self.rng.randint(0, span))
            joined = max(joined, _add_years(person.birth_date, 17))
            memberships.append(
                GroupMembership(
                    group=group,
                    person=person,
                    role=roles[i] if i < len(roles) else c.GroupRole.MEMBER,
                    joined_on=min(joined, self.today),
                )
            )
        return PlannedGroup(group=group, memberships=memberships)

    def groups(self, plans: list[PlannedHousehold], taken: set[tuple[str, str]]) -> list[PlannedGroup]:
        rng = self.rng
        by_village: dict[str, list[PlannedHousehold]] = defaultdict(list)
        for plan in plans:
            by_village[plan.household.village_id].append(plan)
        village_codes = sorted(by_village)
        groups: list[PlannedGroup] = []

        def unique_name(village: str, prefix: str, words: list[str]) -> str:
            for word in rng.sample(words, len(words)):
                if (village, f"{prefix} {word}") not in taken:
                    break
            name = f"{prefix} {word}"
            n = 2
            while (village, name) in taken:
                name, n = f"{prefix} {word} {n}", n + 1
            taken.add((village, name))
            return name

        # Kelompok tani: in most farming villages, one per about 15 farming households.
        poktan_by_district: dict[str, list[PlannedGroup]] = defaultdict(list)
        for code in village_codes:
            farmers = [
                p
                for p in by_village[code]
                if p.members[0].occupation == c.Occupation.FARMER and p.household.land_operated_ha > 0
            ]
            if len(farmers) < 5 or not self.chance(0.75):
                continue
            n_groups = max(1, len(farmers) // 15)
            rng.shuffle(farmers)
            for i in range(n_groups):
                share = farmers[i::n_groups]
                crop = max(sorted({p.crop for p in share}), key=lambda crop: sum(p.crop == crop for p in share))
                members = [p.members[0] for p in share]
                # Some wives farm alongside and join too.
                members += [
                    m for p in share for m in p.members[1:2] if m.occupation == c.Occupation.FARMER and self.chance(0.3)
                ]
                founded = rng.randint(1998, 2023)
                planned = self.planned_group(
                    name=unique_name(code, f"Poktan {CROP_WORDS[crop]}", GROUP_WORDS),
                    kind=c.GroupKind.FARMER_GROUP,
                    village=code,
                    founded=founded,
                    members=members,
                    number=f"{code.replace('.', '')}{i + 1:03d}" if self.chance(0.8) else "",
                )
                groups.append(planned)
                poktan_by_district[code[:8]].append(planned)

        # Gapoktan: the poktan chairs of the districts with the most farmer groups.
        ranked = sorted(poktan_by_district, key=lambda d: (-len(poktan_by_district[d]), d))
        for district in ranked[:2]:
            poktans = poktan_by_district[district]
            if len(poktans) < 3:
                continue
            chairs = [g.memberships[0].person for g in poktans]
            home = poktans[0].group.village_id
            groups.append(
                self.planned_group(
                    name=unique_name(home, "Gapoktan", GROUP_WORDS),
                    kind=c.GroupKind.FARMER_FEDERATION,
                    village=home,
                    founded=rng.randint(2008, 2020),
                    members=rng.sample(chairs, len(chairs)),
                )
            )

        # KUBE: 5-10 of the poorest households of a village run a joint business (Kemensos programme).
        n_kube = max(2, len(plans) // 130)
        candidates = [code for code in village_codes if len(by_village[code]) >= 6]
        for code in rng.sample(candidates, min(n_kube, len(candidates))):
            poorest = sorted(by_village[code], key=lambda p: p.wealth)[: rng.randint(5, 10)]
            members = [p.members[0] for p in poorest]
            groups.append(
                self.planned_group(
                    name=unique_name(code, "KUBE", KUBE_WORDS),
                    kind=c.GroupKind.KUBE,
                    village=code,
                    founded=rng.randint(2012, 2024),
                    members=rng.sample(members, len(members)),
                )
            )

        # Women's groups (kelompok wanita tani and the like).
        n_women = max(2, len(plans) // 200)
        for code in rng.sample(candidates, min(n_women, len(candidates))):
            women = [
                m
                for p in by_village[code]
                for m in p.members
                if m.sex == c.Sex.FEMALE and 18 <= _age(m.birth_date, self.today) <= 65
            ]
            if len(women) < 5:
                continue
            members = rng.sample(women, min(len(women), rng.randint(8, 20)))
            groups.append(
                self.planned_group(
                    name=unique_name(code, "KWT", KUBE_WORDS),
                    kind=c.GroupKind.WOMENS_GROUP,
                    village=code,
                    founded=rng.randint(2010, 2024),
                    members=members,
                )
            )

        # One regency-wide disability organisation, based in the capital, with members from every district.
        disabled = [
            m
            for p in plans
            for m in p.members
            if _age(m.birth_date, self.today) >= 18
            and any((getattr(m, name) or 0) >= c.WGSSAnswer.A_LOT for name, _label in c.WGSS_DOMAINS)
        ]
        base_village = next(
            (v.code for v in self.villages if v.district == FACILITATOR_DISTRICT and v.kelurahan), village_codes[0]
        )
        if len(disabled) >= 3:
            name = "Persatuan Penyandang Disabilitas Indonesia (PPDI) Merangin"
            if (base_village, name) not in taken:
                taken.add((base_village, name))
                groups.append(
                    self.planned_group(
                        name=name,
                        kind=c.GroupKind.DISABILITY_ORG,
                        village=base_village,
                        founded=2016,
                        members=rng.sample(disabled, min(len(disabled), 40)),
                    )
                )
        return groups

    # -- near-duplicates -------------------------------------------------------------------------------------

    def duplicates(self, plans: list[PlannedHousehold]) -> list[InjectedDuplicate]:
        """Copy about 1% of the adults into another household, as hard as real lists: the labelled set's corruptions
        (berdaya.demo.linkage: a nickname, day and month swapped, the NIK missing or mistyped, moved to another
        village or district, typos in the first or last name, old spelling, titles and degrees, bin/binti, names in
        another order, a mistyped birth date, a shorter name), one to four of them per copy."""
        from .linkage import Corruptor, pick_kinds

        rng = self.rng
        people = [(plan, p) for plan in plans for p in plan.members if _age(p.birth_date, self.today) >= 15]
        count = round(0.01 * sum(len(plan.members) for plan in plans))
        if count == 0 or len(plans) < 2:
            return []
        by_village: dict[str, list[PlannedHousehold]] = defaultdict(list)
        by_district: dict[str, list[PlannedHousehold]] = defaultdict(list)
        for plan in plans:
            by_village[plan.household.village_id].append(plan)
            by_district[plan.district].append(plan)
        corruptor = Corruptor(rng, sorted(by_village))
        injected: list[InjectedDuplicate] = []
        for plan, original in rng.sample(people, min(count, len(people))):
            head = plan.members[0]
            record = {
                "full_name": original.full_name,
                "birth_date": original.birth_date.isoformat(),
                "sex": original.sex,
                "village_id": plan.household.village_id,
                "nik": original.nik,
                "phone": original.phone or None,
                # bin/binti names the father: the head of a child's household.
                "parent_name": head.full_name if original.relationship == c.Relationship.CHILD else None,
            }
            kinds = pick_kinds(rng)
            copy_rec = corruptor.corrupt(record, kinds)
            birth = dt.date.fromisoformat(copy_rec["birth_date"])
            if birth > self.today:
                birth = original.birth_date
            # Registered again where the copy says they live: a household of that village (else of its district).
            village = copy_rec["village_id"]
            pool = by_village.get(village) or by_district.get(village.rsplit(".", 1)[0]) or plans
            others = [p for p in pool if p is not plan] or [p for p in plans if p is not plan]
            target = rng.choice(others)
            copy = Person(
                household=target.household,
                full_name=copy_rec["full_name"][:150],
                sex=original.sex,
                birth_place=original.birth_place,
                birth_date=birth,
                relationship=(
                    c.Relationship.PARENT
                    if _age(birth, self.today) >= _age(target.members[0].birth_date, self.today) + 16
                    else c.Relationship.OTHER_RELATIVE
                ),
                marital_status=original.marital_status,
                education=original.education,
                occupation=original.occupation,
                phone=copy_rec["phone"] or "",
            )
            for domain, _label in c.WGSS_DOMAINS:
                setattr(copy, domain, getattr(original, domain))
            # NIK is unique among the living, so a copy never repeats it: it is missing, or another valid NIK of
            # the same district (a mistyped serial on a second registration; its date is the copy's birth date, so
            # it passes the NIK checks).
            if original.nik and copy_rec["nik"]:
                copy.nik = self.nik(original.nik[:6], birth, original.sex)
            else:
                copy.nik = None
                copy.nik_missing_reason = self.pick(
                    {c.NikMissingReason.UNKNOWN: 0.6, c.NikMissingReason.CARD_LOST: 0.4}
                )
            target.members.append(copy)
            injected.append(InjectedDuplicate(original=original, duplicate=copy, kinds=kinds))
        return injected


def _load_villages(regency: str) -> list[_VillageInfo]:
    rows = Village.objects.filter(code__startswith=regency + ".").order_by("code")
    return [
        _VillageInfo(
            code=v.code,
            district=v.district_id,
            name=v.name,
            kelurahan=v.kind == Village.Kind.KELURAHAN,
            latitude=v.latitude,
            longitude=v.longitude,
        )
        for v in rows
    ]


def _short_regency(name: str) -> str:
    for prefix in ("Kabupaten ", "Kota "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def demo_build(
    *,
    households: int,
    seed: int,
    today: dt.date = REFERENCE_DATE,
    regency: str | None = None,
    partner: Organisation | None = None,
) -> DemoData:
    """Build the demo population in memory (nothing is saved). Same seed and same areas, same data."""
    regency = regency or str(conf().default_regency)
    villages = _load_villages(regency)
    if not villages:
        raise DemoAreasMissing(regency)
    districts = {code: _short_regency(name) for code, name in District.objects.values_list("code", "regency__name")}
    builder = _Builder(seed=seed, today=today, villages=villages, districts=districts)
    # Numbers already in the database must not be reused (a second run adds to the first).
    builder.used_niks.update(
        nik for nik in Person.objects.living().exclude(nik=None).values_list("nik", flat=True) if nik is not None
    )
    builder.used_kks.update(Household.objects.exclude(kk_number="").values_list("kk_number", flat=True))

    rng = builder.rng
    weights = [
        (2.5 if v.kelurahan else 1.0) * DISTRICT_WEIGHT.get(v.district, 1.0) * rng.lognormvariate(0, 0.35)
        for v in villages
    ]
    # About 9 households per village at most, so a small demo still has villages with enough farmers for a
    # kelompok tani: draw that many villages (weighted, without replacement), then the households among them.
    n_villages = min(len(villages), max(4, math.ceil(households / 9)))
    keys = sorted(range(len(villages)), key=lambda i: rng.random() ** (1.0 / weights[i]), reverse=True)
    # The demo facilitator works in a few villages of one district: those are always among the villages used.
    focus = [i for i in keys if villages[i].district == FACILITATOR_DISTRICT][:FACILITATOR_VILLAGES]
    used = sorted(focus + [i for i in keys if i not in focus][: max(0, n_villages - len(focus))])
    # Households of one village are generated together, so ids follow villages as in a real enumeration.
    chosen = sorted(rng.choices(used, weights=[weights[i] for i in used], k=households))
    plans = [builder.household(villages[i]) for i in chosen]

    # The partner works in the highlands; in a small demo with too few households there, elsewhere too. The
    # households are drawn even without a partner, so the rest of the data does not depend on it.
    target = round(PARTNER_SHARE * len(plans))
    inside = [p for p in plans if p.district in PARTNER_DISTRICTS]
    outside = [p for p in plans if p.district not in PARTNER_DISTRICTS]
    picked = rng.sample(inside, min(len(inside), target))
    picked += rng.sample(outside, min(len(outside), target - len(picked)))
    if partner is not None:
        for plan in picked:
            plan.household.registered_by_organisation = partner

    taken = set(Group.objects.filter(village__in=[v.code for v in villages]).values_list("village_id", "name"))
    groups = builder.groups(plans, taken)
    duplicates = builder.duplicates(plans)
    return DemoData(households=plans, groups=groups, duplicates=duplicates)


M = TypeVar("M", bound=Model)


def _bulk(model: type[M], objects: list[M], *, history: bool, user: User | None) -> list[M]:
    # bulk_create skips django-simple-history's signals, so the "created" rows are written in bulk too. Measured
    # for 2,000 households: about +45% of the command's time (SQLite 2.5 -> 3.6 s), well under double, so it is on
    # by default; --no-history skips it for very large demos.
    if history:
        return bulk_create_with_history(
            objects, model, batch_size=BATCH_SIZE, default_user=user, default_change_reason=HISTORY_REASON
        )
    return model._default_manager.bulk_create(objects, batch_size=BATCH_SIZE)


@transaction.atomic
def demo_write(data: DemoData, *, history: bool = True, user: User | None = None) -> None:
    """Save the built data with bulk inserts (and, with `history`, one "created" history row per record)."""
    households = [plan.household for plan in data.households]
    _bulk(Household, households, history=history, user=user)
    KKNumber.objects.bulk_create(
        [
            KKNumber(household=hh, number=hh.kk_number, valid_from=_kk_issue_date(hh.kk_number), reason="Pendaftaran")
            for hh in households
            if hh.kk_number
        ],
        batch_size=BATCH_SIZE,
    )
    # Django fills household_id (and the other foreign keys below) from the now saved related objects.
    _bulk(Person, data.people, history=history, user=user)
    _bulk(Group, [g.group for g in data.groups], history=history, user=user)
    _bulk(GroupMembership, [m for g in data.groups for m in g.memberships], history=history, user=user)


def _kk_issue_date(number: str) -> dt.date:
    return dt.datetime.strptime(number[6:12], "%d%m%y").date()


def write_ground_truth(duplicates: list[InjectedDuplicate], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "original_person_id",
                "duplicate_person_id",
                "kinds",
                "original_name",
                "duplicate_name",
                "original_birth_date",
                "duplicate_birth_date",
            ]
        )
        for d in duplicates:
            writer.writerow(
                [
                    d.original.pk,
                    d.duplicate.pk,
                    ";".join(d.kinds),
                    d.original.full_name,
                    d.duplicate.full_name,
                    d.original.birth_date.isoformat(),
                    d.duplicate.birth_date.isoformat(),
                ]
            )


def organisations_ensure() -> dict[str, Organisation]:
    result = {}
    for name, short, kind in ORGANISATIONS:
        result[name] = Organisation.objects.get_or_create(name=name, defaults={"short_name": short, "kind": kind})[0]
    return result


def _facilitator_villages() -> list[str]:
    """3-4 villages of one district that have households: Bangko's busiest, or another district's if Bangko has
    too few (a small demo)."""
    counts = (
        Village.objects.annotate(n=Count("households"))
        .filter(n__gt=0)
        .order_by("-n", "code")
        .values_list("code", "district_id")
    )
    by_district: dict[str, list[str]] = defaultdict(list)
    for code, district in counts:
        by_district[district].append(code)
    if len(by_district.get(FACILITATOR_DISTRICT, [])) >= 3:
        district = FACILITATOR_DISTRICT
    elif by_district:
        district = min(by_district, key=lambda d: (-len(by_district[d][:FACILITATOR_VILLAGES]), d))
    else:
        return []
    return by_district[district][:FACILITATOR_VILLAGES]


def demo_users_ensure(organisations: dict[str, Organisation]) -> dict[str, User]:
    """Create the demo logins that do not exist yet; existing users are left as they are (passwords included)."""
    users = {}
    for login in DEMO_LOGINS:
        user = User.objects.filter(username=login.username).first()
        if user is None:
            user = User(username=login.username, role=login.role)
            user.organisation = organisations[login.organisation] if login.organisation else None
            user.is_superuser = user.is_staff = capabilities(user).is_admin
            user.set_password(login.password)
            user.save()
        users[login.username] = user
    return users


def demo_logins_exist() -> bool:
    """Whether every demo login exists: the database is one `berdaya demo` filled."""
    usernames = {login.username for login in DEMO_LOGINS}
    return User.objects.filter(username__in=usernames).count() == len(usernames)


def demo_generate(
    *,
    households: int,
    seed: int,
    ground_truth: Path,
    if_empty: bool = False,
    history: bool = True,
    today: dt.date = REFERENCE_DATE,
) -> DemoResult:
    """Generate and save the demo population, organisations and logins. With `if_empty`, write nothing when any
    household exists."""
    started = time.perf_counter()
    existing = Household.objects.count()
    if if_empty and existing:
        return DemoResult(0, 0, 0, 0, 0, time.perf_counter() - started, None, skipped=True, existing=existing)
    with transaction.atomic():
        organisations = organisations_ensure()
        data = demo_build(households=households, seed=seed, today=today, partner=organisations[PARTNER_NGO])
        users = demo_users_ensure(organisations)
        demo_write(data, history=history, user=users[DEMO_LOGINS[0].username])
        facilitator = users[next(u.username for u in DEMO_LOGINS if u.role in VILLAGE_SCOPED)]
        if not facilitator.villages.exists() and not facilitator.districts.exists():
            facilitator.villages.set(Village.objects.filter(code__in=_facilitator_villages()))
    write_ground_truth(data.duplicates, ground_truth)
    return DemoResult(
        households=len(data.households),
        people=len(data.people),
        groups=len(data.groups),
        memberships=sum(len(g.memberships) for g in data.groups),
        duplicates=len(data.duplicates),
        seconds=time.perf_counter() - started,
        ground_truth=ground_truth,
        existing=existing,
    )


ROLE_LABELS: dict[str, str] = {
    User.Role.ADMIN: "Administrator",
    User.Role.OFFICER: "Petugas dinas",
    User.Role.FACILITATOR: "Pendamping lapangan",
    User.Role.PARTNER: "Staf mitra",
    User.Role.VIEWER: "Pemantau",
}


def _sees(user: User) -> str:
    caps = capabilities(user)
    if caps.is_admin:
        return "Seluruh data dan pengaturan, termasuk pengguna"
    if caps.regency_wide:
        return "Semua rumah tangga se-kabupaten; boleh menerima NIK/KK yang gagal pemeriksaan dengan alasan"
    if caps.aggregates_only:
        return "Hanya angka agregat, tanpa data perorangan"
    # What facilitators and partner staff see is decided by the registry's access rules, so count through them.
    n = _id_number(households_visible_to(user).count())
    if caps.village_scoped:
        names = ", ".join(sorted(v.name for v in user.villages.all())) or "-"
        return f"{n} rumah tangga di desa tugas: {names}"
    org = user.organisation.name if user.organisation else "-"
    # The partner's scope (registry.access) is its registrations and the households of its programmes' participants.
    return f"{n} rumah tangga: yang didaftarkan {org} dan yang anggotanya ikut program {org}"


def _id_number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def demo_logins_table() -> list[tuple[str, str, str, str]]:
    """(username, role, password, what they see) for the demo logins that exist."""
    rows = []
    for login in DEMO_LOGINS:
        user = User.objects.filter(username=login.username).select_related("organisation").first()
        if user is None:
            continue
        role = ROLE_LABELS.get(user.role, user.role)
        if user.organisation_id:
            role = f"{role} ({user.organisation})"
        rows.append((login.username, role, login.password, _sees(user)))
    return rows
