"""Builders for programme tests. They go through the services, so tests see what users would produce."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from berdaya.programmes import choices as c
from berdaya.programmes import services
from berdaya.programmes.models import Need, Programme, Session
from berdaya.testing import factories as f

_n = itertools.count(1)


def today() -> dt.date:
    return timezone.localdate()


def need(code: str) -> Need:
    # get_or_create: a transactional test (the browser test) flushes the rows the data migration seeded.
    return Need.objects.get_or_create(code=code, defaults={"name": dict(c.NEEDS_SEED)[code]})[0]


def programme(
    actor,
    *,
    organiser=None,
    kind: str = c.ProgrammeKind.SKILLS_TRAINING,
    start: dt.date | None = None,
    end: dt.date | None = None,
    capacity: int = 10,
    budget: int = 10_000_000,
    status: str = c.ProgrammeStatus.OPEN,
    threshold: int = 75,
    **data,
) -> Programme:
    organiser = organiser or actor.organisation or f.organisation("Dinas Sosial Kabupaten Merangin", "government")
    return services.programme_create(
        actor=actor,
        data={
            "name": data.pop("name", f"Pelatihan Menjahit {next(_n)}"),
            "kind": kind,
            "organiser": organiser,
            "start_date": start or today() - dt.timedelta(days=30),
            "end_date": end or today() + dt.timedelta(days=60),
            "capacity": capacity,
            "budget": budget,
            "status": status,
            "attendance_threshold": threshold,
            **data,
        },
    )


def session(actor, programme: Programme, *, days_ago: int = 1, **data) -> Session:
    return services.session_create(
        actor=actor,
        programme=programme,
        data={
            "date": today() - dt.timedelta(days=days_ago),
            "start_time": dt.time(9, 0),
            "end_time": dt.time(12, 0),
            "venue": "Balai Desa",
            "topic": data.pop("topic", "Dasar menjahit"),
            **data,
        },
    )


def people(n: int, *, village: str = "15.02.01.2001", **fields):
    return [f.person(name=f"Peserta {next(_n)}", hh=f.household(village=village), **fields) for _ in range(n)]


def enrol(actor, programme: Programme, person, **kw):
    return services.enrolment_create(actor=actor, programme=programme, person=person, enrol=True, **kw)
