"""One definition of disability everywhere: WG-SS "a lot of difficulty" or more in any domain, or a recorded
disability profile (a KPD holder who was never asked WG-SS counts). The registry defines the WG-SS part, inclusion
contributes the profile; every reader goes through the flag."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from berdaya.inclusion import selectors as inclusion
from berdaya.inclusion.models import DisabilityProfile
from berdaya.partners import coordination as partners
from berdaya.programmes import choices as pc
from berdaya.programmes.selectors import target_group_q
from berdaya.registry import choices as rc
from berdaya.registry.models import Person
from berdaya.registry.selectors import vulnerability_by_district
from berdaya.registry.vulnerability import flag_q, profiles
from berdaya.targeting import rules
from berdaya.testing import factories as f

DISABILITY = {"op": "and", "items": [{"type": "flag", "value": "disability"}]}


@pytest.fixture
def people(officer):
    wgss = f.person(name="WG-SS", hh=f.household(), wgss_walking=rc.WGSSAnswer.A_LOT)
    card = f.person(name="KPD saja", hh=f.household())  # never asked WG-SS
    both = f.person(name="Keduanya", hh=f.household(), wgss_seeing=rc.WGSSAnswer.CANNOT)
    f.person(name="Sedikit", hh=f.household(), wgss_walking=rc.WGSSAnswer.SOME)
    f.person(name="Belum ditanya", hh=f.household())
    DisabilityProfile.objects.create(
        person=card, disability_type="physical", kpd_number="1502011234567890", recorded_by=officer
    )
    DisabilityProfile.objects.create(person=both, disability_type="sensory", recorded_by=officer)
    return {wgss.pk, card.pk, both.pk}, card, both


def _ids(q) -> set[int]:
    return set(Person.objects.filter(q).values_list("pk", flat=True))


def test_every_reader_counts_the_same_people(people, officer):
    expected, _card, _both = people
    today = timezone.localdate()
    assert _ids(flag_q("disability")) == expected
    assert _ids(target_group_q(pc.TargetGroup.DISABILITY, today)) == expected
    assert _ids(partners.gap_group_q("disability", today)) == expected
    assert {p.pk for p in inclusion.persons_with_disabilities(actor=officer)} == expected
    assert set(rules.matching_people(DISABILITY, today).values_list("pk", flat=True)) == expected
    assert rules.evaluate_python(DISABILITY, today) == expected
    assert sum(row["disability"] for row in vulnerability_by_district(people=Person.objects.all())) == 3


def test_the_disaggregation_counts_a_card_holder_never_asked_as_with_disability(people):
    totals = inclusion.disaggregate_by_disability(Person.objects.all())
    # With: WG-SS, KPD only, both; without: some difficulty; not asked: the one with neither answers nor a profile.
    assert (totals["disability_yes"], totals["disability_no"], totals["disability_unknown"]) == (3, 1, 1)
    assert totals["total"] == 5


def test_the_reason_names_each_part_that_applies(people):
    _expected, card, both = people
    with translation.override("id"):
        reasons = {pk: {r.code: r.reason for r in flags} for pk, flags in profiles(Person.objects.all()).items()}
    assert reasons[card.pk]["disability"] == "data disabilitas: disabilitas fisik"
    assert reasons[both.pk]["disability"] == (
        "WG-SS: melihat (tidak bisa sama sekali); data disabilitas: disabilitas sensorik"
    )
