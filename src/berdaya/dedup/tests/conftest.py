import datetime as dt

import pytest

from berdaya.demo.linkage import labelled_people
from berdaya.registry import choices as c
from berdaya.registry.models import Household, Person
from berdaya.testing import factories

VILLAGES = ["15.02.01.2001", "15.02.01.2002", "15.02.02.1010", "15.02.02.2004"]


@pytest.fixture
def labelled_registry(areas):
    """About 120 people with 5% hard duplicates; returns {person id: truth person id}."""
    truth: dict[int, int] = {}
    ids: dict[int, int] = {}
    recs = list(labelled_people(120, seed=5, villages=VILLAGES))
    households: dict[int, Household] = {}
    for rec in recs:
        hh = households.get(rec["household"])
        if hh is None:
            hh = households[rec["household"]] = factories.household(
                village=rec["village_id"], kk_number=rec["kk_number"] or ""
            )
        person = Person.objects.create(
            household=hh,
            full_name=rec["full_name"],
            sex=rec["sex"],
            birth_date=dt.date.fromisoformat(rec["birth_date"]),
            relationship=rec["relationship"],
            nik=rec["nik"],
            nik_missing_reason="" if rec["nik"] else c.NikMissingReason.UNKNOWN,
            phone=rec["phone"] or "",
        )
        ids[rec["unique_id"]] = person.pk
    for rec in recs:
        truth[ids[rec["unique_id"]]] = ids[rec["truth"]]
    return truth
