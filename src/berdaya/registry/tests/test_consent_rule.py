"""registry.consent.excluded_for keeps its subquery per purpose and day (building it is costly): the condition must
still read the consent records as they are when it runs, never as they were when it was first made."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from berdaya.registry import choices as c
from berdaya.registry.consent import _WITHDRAWN, excluded_for
from berdaya.registry.models import ConsentRecord, Person
from berdaya.testing import factories

pytestmark = pytest.mark.django_db


def _visible() -> set[int]:
    return set(Person.objects.exclude(excluded_for(c.ConsentPurpose.SHARING)).values_list("pk", flat=True))


def test_a_withdrawal_counts_from_the_next_query_though_the_condition_is_kept(areas):
    officer = factories.user("officer")
    hh = factories.household()
    a, b = factories.person(hh=hh, name="Ani"), factories.person(hh=hh, name="Budi")
    today = timezone.localdate()
    assert _visible() == {a.pk, b.pk}
    kept = _WITHDRAWN[(c.ConsentPurpose.SHARING, today)]
    consent = ConsentRecord.objects.create(
        person=a,
        basis=c.ConsentBasis.CONSENT,
        purpose="berbagi",
        purpose_kind=c.ConsentPurpose.SHARING,
        given_at=today - dt.timedelta(days=30),
        withdrawn_at=today - dt.timedelta(days=2),
        recorded_by=officer,
    )
    assert _visible() == {b.pk}
    assert _WITHDRAWN[(c.ConsentPurpose.SHARING, today)] is kept  # the same subquery, read again
    assert kept._result_cache is None  # never run itself, so never holding a stale answer
    ConsentRecord.objects.create(
        person=a,
        basis=c.ConsentBasis.CONSENT,
        purpose="berbagi lagi",
        purpose_kind=c.ConsentPurpose.SHARING,
        given_at=today,
        recorded_by=officer,
    )
    assert _visible() == {a.pk, b.pk}
    # Another day is another subquery: yesterday the withdrawal held (the new consent is given today).
    yesterday = today - dt.timedelta(days=1)
    assert a.pk not in set(
        Person.objects.exclude(excluded_for(c.ConsentPurpose.SHARING, today=yesterday)).values_list("pk", flat=True)
    )
    assert consent.pk
    with pytest.raises(ValueError):
        excluded_for("nonsense")
