"""Views of a record are audited once per user and record every few minutes, in one statement."""

from __future__ import annotations

import datetime as dt

from berdaya.core.audit import VIEW_THROTTLE_SECONDS, audit_view
from berdaya.core.models import AuditEvent
from berdaya.testing import factories as f


def test_a_view_is_written_once_per_user_and_record_within_the_throttle(officer, admin_user, django_assert_num_queries):
    person = f.person()
    other = f.person(name="Orang Lain", hh=person.household)
    with django_assert_num_queries(1):
        assert audit_view(actor=officer, obj=person, person_id=person.pk, event="page") is True
    row = AuditEvent.objects.get(action="view", object_id=str(person.pk))
    assert (row.actor_id, row.object_type, row.detail) == (
        officer.pk,
        "registry.person",
        {"event": "page", "person": person.pk},
    )
    assert row.at is not None
    assert audit_view(actor=officer, obj=person, person_id=person.pk) is False  # a reload
    assert audit_view(actor=admin_user, obj=person, person_id=person.pk) is True  # another user
    assert audit_view(actor=officer, obj=other, person_id=other.pk) is True  # another record
    assert audit_view(actor=officer, obj=person.household) is True  # a household page
    assert audit_view(actor=None, obj=person) is True  # no user: its own trail
    assert audit_view(actor=None, obj=person) is False
    # After the throttle the same view is written again.
    AuditEvent.objects.filter(actor=officer, object_id=str(person.pk), object_type="registry.person").update(
        at=row.at - dt.timedelta(seconds=VIEW_THROTTLE_SECONDS + 1)
    )
    assert audit_view(actor=officer, obj=person, person_id=person.pk) is True
    assert (
        AuditEvent.objects.filter(action="view", object_type="registry.person", object_id=str(person.pk)).count() == 4
    )


def test_identifiers_in_the_detail_are_fingerprinted(officer):
    person = f.person()
    audit_view(actor=officer, obj=person, note="NIK 1502011234567890")
    detail = AuditEvent.objects.get(action="view").detail
    assert "1502011234567890" not in str(detail) and "disamarkan" in detail["note"]
