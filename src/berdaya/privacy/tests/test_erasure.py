"""Erasure anonymises a person everywhere, history and audit included, and leaves every count as it was."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.db import models
from django.db.models import Count, Sum

from berdaya.core.audit import audit, fingerprint
from berdaya.core.models import AuditEvent
from berdaya.privacy import erasure
from berdaya.programmes.models import Assistance, Attendance, Enrolment
from berdaya.registry.models import GroupMembership, Person
from berdaya.testing import factories as f
from berdaya.testing.merge import merge_world

pytestmark = pytest.mark.django_db


def _cells_containing(*texts: str) -> list[str]:
    """Every (table.column) of every model whose text holds one of `texts`: the generic search the erasure must
    pass (one query per column)."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.JSONField):
                text = models.functions.Cast(field.attname, output_field=models.TextField())
            elif isinstance(field, models.CharField | models.TextField):
                text = models.F(field.attname)
            else:
                continue
            wanted = models.Q()
            for t in texts:
                wanted |= models.Q(_t__contains=t)
            if model._base_manager.annotate(_t=text).filter(wanted).exists():
                found.append(f"{model._meta.label}.{field.name}")
    return found


def _figures() -> dict:
    people = Person.objects.current()
    return {
        "by_sex_village": sorted(people.values_list("sex", "household__village_id").annotate(n=Count("id")).order_by()),
        "by_birth_year": sorted(people.values_list("birth_date__year").annotate(n=Count("id")).order_by()),
        "disabled": people.filter(wgss_walking__gte=3).count(),
        "memberships": GroupMembership.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "attendance": Attendance.objects.filter(present=True).count(),
        "assistance": Assistance.objects.aggregate(n=Count("id"), total=Sum("amount")),
    }


def test_it_leaves_the_nik_name_and_phone_nowhere_and_the_figures_unchanged(areas):
    # given a person with rows in every app, an edit in their history, and audit rows naming their NIK
    world = merge_world()
    person = world.merged
    person.full_name = "Wawan Setiabudi Kurniawan"
    person.save()
    nik, name, phone = person.nik, person.full_name, person.phone
    assert nik and phone
    audit(actor=world.officer, action="export", obj=person, filter=f"nik={nik}")
    assert _cells_containing(nik) and _cells_containing(name)
    # and a namesake in another household, whose own phone number contains the person's digits
    namesake = f.person(name=name, hh=f.household(village="15.02.02.2004"))
    Person.objects.filter(pk=namesake.pk).update(phone=phone + "9")
    before = _figures()
    # when
    erasure.person_erase(person=person, actor=world.officer)
    # then no table holds the NIK, the name or the phone number, nor the NIK's audit fingerprint
    national = phone.lstrip("+")[2:]
    assert _cells_containing(nik, fingerprint(nik)) == []
    # the name and the phone's digits are left only in the namesake's own record (and its history): a namesake
    # is somebody else, and their longer number is theirs
    assert set(_cells_containing(name, national)) <= {
        "registry.Person.full_name",
        "registry.Person.phone",
        "registry.HistoricalPerson.full_name",
        "registry.HistoricalPerson.phone",
    }
    namesake.refresh_from_db()
    assert (namesake.full_name, namesake.phone) == (name, phone + "9")
    assert list(Person.objects.filter(full_name=name).values_list("pk", flat=True)) == [namesake.pk]
    # and every count is as it was
    assert _figures() == before
    person.refresh_from_db()
    assert person.birth_date == dt.date(person.birth_date.year, 1, 1)
    assert erasure.is_erased(person)
    assert AuditEvent.objects.filter(object_id=str(person.pk)).exists()
    # the other people keep their names
    world.survivor.refresh_from_db()
    assert world.survivor.full_name == "Hermawan"


def test_a_failure_half_way_leaves_the_person_whole(areas, monkeypatch):
    world = merge_world()
    person = world.merged
    nik = person.nik

    def broken(*values):
        raise RuntimeError("disk full")

    monkeypatch.setattr(erasure, "scrub_everywhere", broken)
    with pytest.raises(RuntimeError):
        erasure.person_erase(person=person, actor=world.officer)
    person.refresh_from_db()
    assert person.nik == nik and person.full_name == "Wawan"


def test_an_erased_person_is_not_counted_as_without_documents(areas):
    from berdaya.registry.vulnerability import FLAG_BY_CODE

    world = merge_world()
    person = world.merged
    flag = FLAG_BY_CODE["no_nik"]
    before = Person.objects.filter(flag.q(dt.date(2026, 6, 1))).count()
    erasure.person_erase(person=person, actor=world.officer)
    assert Person.objects.filter(flag.q(dt.date(2026, 6, 1))).count() == before
