"""Subscriptions fed by bulk writes: an import writes people and their history set-based (no model signals); the
registry says so once (history_rows_written) and the scan notifies in chunks, after commit, never inside the write."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from berdaya.dci import notify
from berdaya.dci.models import Delivery, NotifyMark
from berdaya.registry import choices as c
from berdaya.registry import services as registry_services
from berdaya.registry.changes import Rows, history_rows_write
from berdaya.registry.models import Person
from berdaya.testing import factories

from .helpers import Receiver, check_callback, run_ready_tasks, token_for
from .test_async import _subscribe

pytestmark = pytest.mark.django_db

IN_JANGKAT = {"type": "expression", "value": {"expression": {"query": {"district_code": {"$eq": "15.02.01"}}}}}


def test_a_bulk_write_is_notified_in_chunks_after_commit(world, django_capture_on_commit_callbacks):
    with Receiver() as receiver:
        token = token_for(world["officer"], receiver.origin)
        with django_capture_on_commit_callbacks(execute=True):
            _subscribe(token, "social", receiver.url("/sub"), "REGISTER", IN_JANGKAT)
        run_ready_tasks(django_capture_on_commit_callbacks)
        receiver.received.clear()
        receiver.paths.clear()

        hh = factories.household(village="15.02.01.2002")
        first = Person.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
        people = [
            Person(
                household=hh,
                full_name=f"Warga {i}",
                sex=c.Sex.FEMALE,
                birth_date=dt.date(1990, 1, 1),
                relationship=c.Relationship.HEAD if i == 0 else c.Relationship.CHILD,
                nik_missing_reason=c.NikMissingReason.UNKNOWN,
                created_at=timezone.now(),
            )
            for i in range(130)
        ]
        with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
            Person.objects.bulk_create(people)  # as an import writes, in its transaction: no per-row signal
            history_rows_write(
                model=Person,
                rows=Rows.of(Person.objects.filter(pk__gte=first)),
                history_type="+",
                actor=world["officer"],
                reason="Impor uji",
            )
        # Nothing sent inside the write; one wake-up queued for the whole set.
        assert receiver.received == [] and Delivery.objects.filter(action="notify").count() == 0
        wakes = [cb for cb in callbacks if cb is notify._wake]
        assert len(wakes) == 1
        with django_capture_on_commit_callbacks(execute=True):
            for cb in callbacks:
                cb()
        run_ready_tasks(django_capture_on_commit_callbacks)  # the scan
        assert Delivery.objects.filter(action="notify").count() == 2  # 130 records: 100 + 30
        run_ready_tasks(django_capture_on_commit_callbacks)
        sizes = sorted(len(b["message"]["notify_event"]) for b in receiver.received)
        assert sizes == [30, 100]
        for body in receiver.received:
            check_callback("social", body)
        # The marks moved: a second scan sends nothing again.
        assert notify.scan()["notifications"] == 0
        assert NotifyMark.objects.get(source="person").last_id > 0


def test_link_and_unlink_to_a_farmer_group_are_notified(world, django_capture_on_commit_callbacks):
    group = factories.group(village="15.02.01.2001", name="Poktan Uji")
    farmer = world["partner_person"]
    with Receiver() as receiver:
        token = token_for(world["officer"], receiver.origin)
        with django_capture_on_commit_callbacks(execute=True):
            _subscribe(token, "farmer", receiver.url("/link"), "LINK", IN_JANGKAT)
            _subscribe(token, "farmer", receiver.url("/unlink"), "UNLINK", IN_JANGKAT)
        run_ready_tasks(django_capture_on_commit_callbacks)
        receiver.received.clear()
        receiver.paths.clear()
        with django_capture_on_commit_callbacks(execute=True):
            membership = registry_services.membership_add(
                actor=world["officer"], group=group, person=farmer, role=c.GroupRole.MEMBER
            )
        run_ready_tasks(django_capture_on_commit_callbacks)
        run_ready_tasks(django_capture_on_commit_callbacks)
        assert receiver.paths == ["/link"]
        body = receiver.received[0]
        check_callback("farmer", body)
        record = body["message"]["notify_event"][0]["data"]["reg_records"]
        assert record["farmer_groups"][0]["name"] == "Poktan Uji"
        with django_capture_on_commit_callbacks(execute=True):
            registry_services.membership_end(actor=world["officer"], membership=membership)
        run_ready_tasks(django_capture_on_commit_callbacks)
        run_ready_tasks(django_capture_on_commit_callbacks)
        assert receiver.paths == ["/link", "/unlink"]
        assert receiver.received[1]["message"]["notify_event"][0]["data"]["reg_event_type"] == "UNLINK"


def test_a_death_is_a_delete_event(world, django_capture_on_commit_callbacks):
    with Receiver() as receiver:
        token = token_for(world["officer"], receiver.origin)
        with django_capture_on_commit_callbacks(execute=True):
            _subscribe(token, "social", receiver.url("/delete"), "DELETE", IN_JANGKAT)
            _subscribe(token, "social", receiver.url("/update"), "UPDATE", IN_JANGKAT)
        run_ready_tasks(django_capture_on_commit_callbacks)
        receiver.received.clear()
        receiver.paths.clear()
        with django_capture_on_commit_callbacks(execute=True):
            registry_services.person_record_death(
                actor=world["officer"], person=world["head"], date=timezone.localdate()
            )
        run_ready_tasks(django_capture_on_commit_callbacks)
        run_ready_tasks(django_capture_on_commit_callbacks)
        assert receiver.paths == ["/delete"]


def test_a_group_subscriber_is_sent_the_household(world, django_capture_on_commit_callbacks):
    with Receiver() as receiver:
        token = token_for(world["officer"], receiver.origin)
        with django_capture_on_commit_callbacks(execute=True):
            _subscribe(token, "social", receiver.url("/group"), "UPDATE", IN_JANGKAT, record_type="Group")
        run_ready_tasks(django_capture_on_commit_callbacks)
        receiver.received.clear()
        receiver.paths.clear()
        with django_capture_on_commit_callbacks(execute=True):
            registry_services.household_update(
                actor=world["officer"], household=world["hh1"], data={"address": "Jl. Baru 2"}
            )
        run_ready_tasks(django_capture_on_commit_callbacks)
        run_ready_tasks(django_capture_on_commit_callbacks)
        (body,) = receiver.received
        check_callback("social", body)
        events = body["message"]["notify_event"]
        # Both members changed with their household; one Group record for it.
        assert [e["data"]["reg_records"]["@id"] for e in events] == [f"urn:berdaya:household:{world['hh1'].pk}"]
        assert events[0]["data"]["reg_records"]["place"]["address"] == "Jl. Baru 2"
