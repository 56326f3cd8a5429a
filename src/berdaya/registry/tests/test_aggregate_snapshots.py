"""The home page's regency-wide counts: the fast flag forms count the same people, and a snapshot is only ever
shown to readers of the whole regency (a facilitator counts their own villages, live)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count

from berdaya.registry import choices as rc
from berdaya.registry import selectors
from berdaya.registry.models import Person
from berdaya.registry.vulnerability import FLAGS, flag_q
from berdaya.testing import factories as f


def _people():
    hh = f.household(village="15.02.01.2001")
    f.person(hh=hh, name="Ibu Kepala", relationship="head", sex=rc.Sex.FEMALE)
    f.person(hh=hh, name="Nenek", relationship="parent", birth_date=dt.date(1940, 1, 1))
    f.person(hh=hh, name="Anak", relationship="child", birth_date=dt.date(2020, 1, 1), wgss_walking=rc.WGSSAnswer.A_LOT)
    other = f.household(village="15.02.02.2004")
    f.person(hh=other, name="Bapak", relationship="head", sex=rc.Sex.MALE, with_nik=False)


def test_fast_flag_forms_count_the_same_people(officer):
    _people()
    today = dt.date.today()
    fast = selectors.vulnerability_by_district(people=Person.objects.current())
    direct = list(
        Person.objects.current()
        .filter(status=rc.PersonStatus.ACTIVE)
        .values("household__village__district")
        .annotate(total=Count("id"), **{fl.code: Count("id", filter=flag_q(fl.code, today)) for fl in FLAGS})
        .order_by("household__village__district")
    )
    assert len(fast) == 2
    for a, b in zip(fast, direct, strict=True):
        assert {k: a[k] for k in b} == b


def test_scoped_readers_never_see_the_regency_snapshot(officer, facilitator, settings):
    settings.BERDAYA_AGGREGATE_MAX_AGE = 3600
    _people()
    regency = selectors.vulnerability_by_district_for(officer)
    assert sum(r["total"] for r in regency) == 4
    mine = selectors.vulnerability_by_district_for(facilitator)  # village 15.02.01.2001 only
    assert [(r["household__village__district"], r["total"]) for r in mine] == [("15.02.01", 3)]
    f.person(hh=f.household(village="15.02.01.2001"), name="Baru")
    assert sum(r["total"] for r in selectors.vulnerability_by_district_for(officer)) == 4  # stored
    assert sum(r["total"] for r in selectors.vulnerability_by_district_for(facilitator)) == 4  # live
