"""Test data builders. Plain functions with sensible defaults: every test states only what it cares about."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password

from berdaya.accounts.models import User
from berdaya.areas.models import District, Province, Regency, Village
from berdaya.core.access import ORGANISATION_SCOPED
from berdaya.organisations.models import Organisation
from berdaya.registry import choices as c
from berdaya.registry.identity import make_nik
from berdaya.registry.models import Group, Household, Person

_serial = itertools.count(1)

# A small slice of Merangin: two districts with two villages each (codes as in idn-area-data).
AREAS = {
    "15.02.01": ("Jangkat", ["15.02.01.2001", "15.02.01.2002"]),
    "15.02.02": ("Bangko", ["15.02.02.1010", "15.02.02.2004"]),
}


def make_areas() -> None:
    """Province, regency, districts and villages enough for tests, without loading the CSVs."""
    Province.objects.get_or_create(code="15", defaults={"name": "Jambi"})
    Regency.objects.get_or_create(code="15.02", defaults={"province_id": "15", "name": "Kabupaten Merangin"})
    Regency.objects.get_or_create(code="31.71", defaults={"province_id": "15", "name": "Kota Lain"})
    District.objects.get_or_create(code="31.71.01", defaults={"regency_id": "31.71", "name": "Di Luar"})
    for code, (name, villages) in AREAS.items():
        District.objects.get_or_create(code=code, defaults={"regency_id": "15.02", "name": name})
        for i, vcode in enumerate(villages):
            Village.objects.get_or_create(
                code=vcode,
                defaults={
                    "district_id": code,
                    "name": f"{name} Desa {i + 1}",
                    "kind": Village.kind_from_code(vcode),
                },
            )


PASSWORD = "kata-sandi-uji-123"  # noqa: S105 (test users only)


def _password_hash() -> str:
    # Argon2 takes ~0.2 s per hash on purpose; one hash serves every test user and still verifies at login.
    return _hash_under(tuple(settings.PASSWORD_HASHERS))


@functools.cache
def _hash_under(hashers: tuple[str, ...]) -> str:
    # One hash per hasher setting: a hash made while a module used a fast hasher must not serve a test that logs in
    # under the real one (it would not verify).
    return make_password(PASSWORD)


def organisation(name: str = "LSM Contoh", kind: str = Organisation.Kind.NGO) -> Organisation:
    return Organisation.objects.get_or_create(name=name, defaults={"kind": kind})[0]


def user(role: str = User.Role.OFFICER, *, username: str | None = None, villages=(), districts=(), org=None) -> User:
    username = username or f"{role}{next(_serial)}"
    if role in ORGANISATION_SCOPED and org is None:
        org = organisation()
    u = User.objects.create(username=username, password=_password_hash(), role=role, organisation=org)
    if villages:
        u.villages.set(villages)
    if districts:
        u.districts.set(districts)
    return u


def nik(*, district: str = "15.02.01", birth_date: dt.date, sex: str) -> str:
    return make_nik(district_code=district, birth_date=birth_date, sex=sex, serial=next(_serial) % 9999 + 1)


def household(*, village: str = "15.02.01.2001", land_ha: str = "0", **fields) -> Household:
    fields.setdefault("land_tenure", c.LandTenure.OWN if Decimal(land_ha) > 0 else c.LandTenure.NONE)
    return Household.objects.create(village_id=village, land_operated_ha=Decimal(land_ha), **fields)


def person(
    *,
    hh: Household | None = None,
    name: str = "Siti Aminah",
    sex: str = c.Sex.FEMALE,
    birth_date: dt.date = dt.date(1985, 3, 14),
    relationship: str | None = None,
    with_nik: bool = True,
    **fields,
) -> Person:
    hh = hh or household()
    if relationship is None:
        # The first member heads the household; later ones are its other members (one active head per household).
        has_head = hh.members.filter(relationship=c.Relationship.HEAD, status=c.PersonStatus.ACTIVE).exists()
        relationship = c.Relationship.OTHER_RELATIVE if has_head else c.Relationship.HEAD
    if with_nik and "nik" not in fields:
        fields["nik"] = nik(birth_date=birth_date, sex=sex)
    if not fields.get("nik"):
        fields.setdefault("nik_missing_reason", c.NikMissingReason.UNKNOWN)
    return Person.objects.create(
        household=hh, full_name=name, sex=sex, birth_date=birth_date, relationship=relationship, **fields
    )


def group(*, village: str = "15.02.01.2001", name: str = "Poktan Maju Bersama", kind: str = c.GroupKind.FARMER_GROUP):
    return Group.objects.create(village_id=village, name=name, kind=kind)


def kk_number(*, district: str = "15.02.01", issued: dt.date = dt.date(2018, 6, 15)) -> str:
    """A family-card number that passes check_kk: issuing district, DDMMYY of issue, non-zero serial."""
    return f"{district.replace('.', '')}{issued:%d%m%y}{next(_serial) % 9999 + 1:04d}"


def member(
    *,
    name: str = "Budi Santoso",
    sex: str = c.Sex.MALE,
    birth_date: dt.date = dt.date(1980, 5, 20),
    relationship: str = c.Relationship.HEAD,
    with_nik: bool = True,
    **fields,
) -> dict:
    """The data of one member as a form or import hands it to household_register / person_add."""
    data = {"full_name": name, "sex": sex, "birth_date": birth_date, "relationship": relationship, **fields}
    if with_nik and "nik" not in fields:
        data["nik"] = nik(birth_date=birth_date, sex=sex)
    if not data.get("nik"):
        data.setdefault("nik_missing_reason", c.NikMissingReason.UNKNOWN)
    return data
