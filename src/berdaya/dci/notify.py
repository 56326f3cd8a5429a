"""Subscriptions: turning registry changes into REGISTER / UPDATE / DELETE / LINK / UNLINK notifications.

The source is the registry's change history (django-simple-history tables), which every write leaves behind: a
form's save through the model signals, an import through registry.changes.history_rows_write. Nothing is sent
inside a write: a change only wakes the scan (after commit, one job per burst), and the scan reads the history rows
after its mark set-based, one query per subscription and event type, and queues the notifications as deliveries
(POSTed by the same retrying job as every callback).

Events, from the history of people and group memberships (a household change is an UPDATE of its members):
- REGISTER: a person created;
- UPDATE: a person (or their household) changed, and none of the below;
- DELETE: a person deleted, or recorded as deceased;
- LINK: a person moved into another household, or joined a group;
- UNLINK: a person moved out (of a household, or to another one), or left a group.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import connection, transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.signals import post_save
from simple_history.signals import post_create_historical_record

from berdaya.core.access import capabilities
from berdaya.jobs.models import Job
from berdaya.jobs.progress import JobProgress
from berdaya.jobs.services import job_start
from berdaya.registry import choices as rc
from berdaya.registry.models import GroupMembership, Household, Person
from berdaya.registry.signals import history_rows_written

from . import envelope as env
from .models import Delivery, NotifyMark, Registry, Subscription
from .queries import QueryError
from .records import FARMER, GROUP, REG_TYPE, Mapper, load_households, load_people

logger = logging.getLogger(__name__)

# History rows read per scan (a bigger backlog: the scan starts itself again), records per notification.
SCAN_BATCH = 50_000
RECORDS_PER_MESSAGE = 100
SCAN_KIND = "dci.notify_scan"


def connect() -> None:
    for model in (Person, Household, GroupMembership):
        post_create_historical_record.connect(_changed, sender=model.history.model, dispatch_uid=f"dci.{model}")
        history_rows_written.connect(_changed, sender=model, dispatch_uid=f"dci.bulk.{model}")
    post_save.connect(_subscribed, sender=Subscription, dispatch_uid="dci.subscribed")


def _subscribed(sender: Any, instance: Subscription, created: bool, **kwargs: Any) -> None:
    if not created:
        return
    others = Subscription.objects.filter(status=Subscription.Status.SUBSCRIBED).exclude(pk=instance.pk)
    if others.exists():
        return  # the scan is running for them: its marks are current
    # The first active subscription starts from now, not from the registry's past (nor a gap when none was active).
    for source in _sources():
        NotifyMark.objects.update_or_create(source=source, defaults={"last_id": _top(source)})


def _changed(sender: Any, **kwargs: Any) -> None:
    # Once per (sub)transaction, however many rows it writes (an import: once; a form: once per saved record).
    current = set(connection.savepoint_ids)
    if any(entry[1] is _wake and entry[0] == current for entry in connection.run_on_commit):
        return
    transaction.on_commit(_wake)


def _wake() -> None:
    if not Subscription.objects.filter(status=Subscription.Status.SUBSCRIBED).exists():
        return
    if Job.objects.filter(kind=SCAN_KIND, status=Job.Status.QUEUED).exists():
        return  # the queued scan will read this change too
    with transaction.atomic():
        job_start(actor=None, kind=SCAN_KIND, handler="berdaya.dci.notify.scan_job", title="SPDCI: notifikasi")


# --- reading the history ----------------------------------------------------------------------------------------


def _history(model: type[Any]) -> Any:
    return model.history.model


SOURCES = {"person": Person, "household": Household, "membership": GroupMembership}


def _sources() -> list[str]:
    return list(SOURCES)


def _top(source: str) -> int:
    last = _history(SOURCES[source]).objects.order_by("-history_id").values_list("history_id", flat=True).first()
    return int(last or 0)


def _rows(source: str, low: int, high: int) -> QuerySet[Any]:
    history = _history(SOURCES[source])
    rows = history.objects.filter(history_id__gt=low, history_id__lte=high)
    previous = history.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id")).order_by("-history_id")
    if source == "person":
        rows = rows.annotate(
            prev_household=Subquery(previous.values("household_id")[:1]),
            prev_status=Subquery(previous.values("status")[:1]),
        )
    elif source == "membership":
        rows = rows.annotate(prev_left=Subquery(previous.values("left_on")[:1]))
    return rows


def event_people(low: dict[str, int], high: dict[str, int]) -> dict[str, Q]:
    """For each event type, the condition on Person of the people it happened to, between the marks."""
    people = _rows("person", low["person"], high["person"])
    households = _rows("household", low["household"], high["household"])
    memberships = _rows("membership", low["membership"], high["membership"])
    changed = Q(history_type="~")
    moved = changed & Q(prev_household__isnull=False) & ~Q(prev_household=F("household_id"))
    died = changed & Q(status=rc.PersonStatus.DECEASED) & ~Q(prev_status=rc.PersonStatus.DECEASED)
    left = changed & Q(status=rc.PersonStatus.MOVED_OUT) & ~Q(prev_status=rc.PersonStatus.MOVED_OUT)
    joined = Q(history_type="+")
    ended = changed & Q(left_on__isnull=False, prev_left__isnull=True)
    return {
        "REGISTER": Q(pk__in=people.filter(history_type="+").values("id")),
        "DELETE": Q(pk__in=people.filter(Q(history_type="-") | died).values("id")),
        "LINK": Q(pk__in=people.filter(moved).values("id")) | Q(pk__in=memberships.filter(joined).values("person_id")),
        "UNLINK": Q(pk__in=people.filter(moved | left).values("id"))
        | Q(pk__in=memberships.filter(ended).values("person_id")),
        "UPDATE": Q(pk__in=people.filter(changed & ~moved & ~died & ~left).values("id"))
        | Q(household_id__in=households.filter(history_type="~").values("id")),
    }


# --- the scan -----------------------------------------------------------------------------------------------------


def scan_job(job: Job, progress: JobProgress) -> dict[str, Any]:
    result = scan()
    if result.pop("more", False):
        _wake()
    return result


def scan() -> dict[str, Any]:
    """Read the history after the marks, queue each active subscription's notifications, move the marks; all in
    one transaction, so a crash leaves the marks where they were and nothing is queued twice."""
    from .services import schedule

    with transaction.atomic():
        marks = {m.source: m for m in NotifyMark.objects.select_for_update().filter(source__in=SOURCES)}
        for source in SOURCES:
            if source not in marks:
                marks[source] = NotifyMark.objects.create(source=source, last_id=0)
        low = {s: m.last_id for s, m in marks.items()}
        high = {s: min(_top(s), low[s] + SCAN_BATCH) for s in SOURCES}
        more = any(_top(s) > high[s] for s in SOURCES)
        if high == low:
            return {"notifications": 0, "more": False}
        events = event_people(low, high)
        deliveries: list[Delivery] = []
        for subscription in Subscription.objects.filter(status=Subscription.Status.SUBSCRIBED).select_related("user"):
            deliveries.extend(_notifications(subscription, events[subscription.event_type]))
        for source, mark in marks.items():
            mark.last_id = high[source]
            mark.save(update_fields=["last_id"])
        for delivery in deliveries:
            schedule(delivery)
    return {"notifications": len(deliveries), "more": more}


def _notifications(subscription: Subscription, happened: Q) -> list[Delivery]:
    from .services import compiler_for, members_for, people_for

    user = subscription.user
    caps = capabilities(user)
    compiler = compiler_for(user, subscription.registry)
    try:
        wanted = compiler.compile(subscription.filter_type, subscription.filter)
    except QueryError:
        logger.warning("dci subscription %s: filter no longer valid", subscription.pk)
        return []
    # The subscriber's user's scope, as for a search: a change outside it is never notified.
    people = people_for(user, subscription.registry).filter(happened).filter(wanted).order_by("pk")
    mapper = Mapper(sees_identifiers=caps.sees_identifiers)
    is_group = subscription.registry == Registry.SOCIAL and subscription.record_type.rsplit(":", 1)[-1] == GROUP
    record_type = FARMER if subscription.registry == Registry.FARMER else ("Group" if is_group else "Member")
    ids = list(people.values_list("pk", flat=True))
    deliveries = []
    for start in range(0, len(ids), RECORDS_PER_MESSAGE):
        chunk = ids[start : start + RECORDS_PER_MESSAGE]
        if is_group:
            households = load_households(
                Household.objects.filter(members__pk__in=chunk).distinct().order_by("pk"), members_for(user)
            )
            records = [mapper.group(h, h.members.all()) for h in households]
        else:
            rows = load_people(
                Person.objects.filter(pk__in=chunk).order_by("pk"),
                subscription.registry,
                record_type=record_type,
                members=members_for(user),
            )
            records = [mapper.farmer(p) if record_type == FARMER else mapper.member(p) for p in rows]
        deliveries.append(_delivery(subscription, record_type, records))
    return deliveries


def _delivery(subscription: Subscription, record_type: str, records: list[dict[str, Any]]) -> Delivery:
    from .services import receiver_id

    transaction_id = env.new_id()
    events = [
        {
            "reference_id": env.new_id(),
            "timestamp": env.now_iso(),
            "data": {
                "version": env.VERSION,
                "reg_type": REG_TYPE[Registry(subscription.registry)],
                "reg_event_type": subscription.event_type,
                "reg_record_type": record_type,
                "reg_records": record,
                "subscription_code": subscription.code,
            },
        }
        for record in records
    ]
    header = env.callback_header(
        action="notify",
        status="succ",
        sender_id=receiver_id(),
        receiver_id=subscription.sender_id,
        total_count=len(events),
    )
    return Delivery.objects.create(
        subscription=subscription,
        registry=subscription.registry,
        action="notify",
        url=subscription.callback_url,
        payload={"header": header, "message": {"transaction_id": transaction_id, "notify_event": events}},
    )
