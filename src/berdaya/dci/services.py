"""The SPDCI exchanges: search (sync and async), subscribe, unsubscribe, transaction status; answers POSTed back
to a client's callback from a background job, retried with backoff, every attempt recorded.

Each function takes the client (core.auth_hooks.BearerClient: the token's user and its allowed callback origins) and
the raw body, and returns the HTTP status and JSON body to send. Reads start from the registry's access rules
(`people_visible_to`, `households_visible_to`), so a client sees what its user sees on the pages, masked the same.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from dataclasses import dataclass
from typing import Any

import orjson
import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet, Window
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.access import capabilities
from berdaya.core.audit import audit
from berdaya.core.auth_hooks import BearerClient
from berdaya.core.compiled import DailyQuerysets
from berdaya.core.conf import conf
from berdaya.core.pagination import MAX_OFFSET
from berdaya.core.planner import PAGE_OF_A_LIST, set_local
from berdaya.farming.models import Plot
from berdaya.jobs.models import Job
from berdaya.jobs.progress import JobProgress
from berdaya.jobs.services import job_start
from berdaya.registry import choices as rc
from berdaya.registry.access import (
    households_visible_to,
    people_visible_to,
    regency_wide_reader,
    sees_every_person,
)
from berdaya.registry.consent import excluded_for
from berdaya.registry.models import Person

from . import envelope as env
from . import signatures
from .models import Delivery, DeliveryAttempt, Registry, Subscription, Transaction
from .queries import Compiler, QueryError
from .records import FARMER, GROUP, MEMBER, REG_TYPE, Mapper, load_households, load_people, member_rows
from .selectors import answers_due, payloads_due

logger = logging.getLogger(__name__)

# Without pagination a search answers at most this many records (more: rjct.search.too_many_records_found).
UNPAGED_MAX = 100
EVENT_TYPES = ("REGISTER", "UPDATE", "DELETE", "LINK", "UNLINK")
URL_MAX = Delivery._meta.get_field("url").max_length or 500


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    # body["message"] as JSON text, when it was written already (stored for txn/status): sent as it is, so a long
    # answer is encoded once (views.py).
    message_json: bytes | None = None


def receiver_id() -> str:
    return conf().dci_receiver_id


# --- scope --------------------------------------------------------------------------------------------------------


# The regency-wide clients' people per registry and day, built once (core.compiled.DailyQuerysets): their scope adds
# no condition of the user's own (registry.access.sees_every_person), and the rest is conditions and subqueries (the
# consent withdrawn by today, the farmers' plots) that the database evaluates when a search runs. Building it (the
# consent's subquery resolved through the ORM) cost about a fifth of a NIK search's CPU in Django, twice per search
# (the members of a household go through it too).
_REGENCY_PEOPLE = DailyQuerysets(lambda registry: _people_for(regency_wide_reader(), registry))


def people_for(user: User, registry: str) -> QuerySet[Person]:
    """The people a client may find in `registry`: its user's scope; in the farmer registry, those who farm (an
    active plot, or a farming occupation). A person who withdrew consent to sharing is never answered
    (registry.consent)."""
    if not sees_every_person(user):
        return _people_for(user, registry)
    return _REGENCY_PEOPLE.get(registry)


def _people_for(user: User, registry: str) -> QuerySet[Person]:
    people = people_visible_to(user)
    if not capabilities(user).organisation_scoped:  # partner staff's scope leaves them out already
        people = people.exclude(excluded_for(rc.ConsentPurpose.SHARING))
    if registry == Registry.FARMER:
        people = people.filter(
            Q(pk__in=Plot.objects.filter(is_active=True).values("farmer_id")) | Q(occupation__in=rc.FARMING_OCCUPATIONS)
        )
    return people


def members_for(user: User) -> QuerySet[Person]:
    """The members a household shows a client (a `Group`'s member list, head and size; a farmer's family): the
    people its user may find in the social registry (`people_for`). A member outside it (who withdrew consent to
    sharing, or is outside a partner's scope) is left out whole: not listed, not counted, not the head shown."""
    return people_for(user, Registry.SOCIAL)


def compiler_for(user: User, registry: str) -> Compiler:
    """The query compiler of `user`'s requests: identifiers as they see them, group sizes counting their members."""
    return Compiler(registry, capabilities(user).sees_identifiers, members=members_for(user))


def _record_type(registry: str, criteria: dict[str, Any]) -> str:
    if registry == Registry.FARMER:
        return FARMER
    wanted = criteria.get("response_entity") or criteria.get("reg_record_type") or MEMBER
    return GROUP if isinstance(wanted, str) and wanted.rsplit(":", 1)[-1] == GROUP else MEMBER


def _pagination(raw: Any) -> tuple[int, int, bool]:
    """(page_size, page_number, given) of a search, or QueryError rjct.pagination.invalid."""
    if raw is None:
        return UNPAGED_MAX, 1, False
    if not isinstance(raw, dict):
        raise QueryError(_("pagination harus berupa objek."), "rjct.pagination.invalid")
    limit = conf().dci_max_page_size
    values: list[int] = []
    for value in (raw.get("page_size"), raw.get("page_number", 1)):
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value) or value < 1:
            raise QueryError(
                _("page_size dan page_number harus bilangan bulat mulai dari 1."), "rjct.pagination.invalid"
            )
        values.append(int(value))
    size, number = values
    if size > limit:
        raise QueryError(_("page_size paling besar %(limit)s.") % {"limit": limit}, "rjct.pagination.invalid")
    if (number - 1) * size > MAX_OFFSET:
        # No registry is a billion records long; a larger offset would only overflow the database's LIMIT/OFFSET.
        raise QueryError(_("page_number terlalu besar."), "rjct.pagination.invalid")
    return size, number, True


def _rejected(base: dict[str, Any], reason: str, message: str) -> dict[str, Any]:
    return {**base, "status": "rjct", "status_reason_code": reason, "status_reason_message": message[:999]}


def _item_base(item: dict[str, Any], seen: set[str]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The fields every item answer starts with, and a rejection for a bad reference or timestamp."""
    ref = item.get("reference_id")
    base: dict[str, Any] = {"reference_id": ref if isinstance(ref, str) else "", "timestamp": env.now_iso()}
    locale = item.get("locale")
    if isinstance(locale, str) and len(locale) == 3 and locale.isalpha() and locale.islower():
        base["locale"] = locale
    if not isinstance(ref, str) or not ref.strip() or len(ref) > env.ID_MAX:
        return base, _rejected(base, "rjct.reference_id.invalid", _("reference_id wajib diisi."))
    if ref in seen:
        return base, _rejected(base, "rjct.reference_id.duplicate", _("reference_id dipakai dua kali."))
    seen.add(ref)
    if env.parse_timestamp(item.get("timestamp")) is None:
        return base, _rejected(
            base, "rjct.timestamp.invalid", _("timestamp wajib berupa tanggal-waktu ISO 8601 dengan zona waktu.")
        )
    return base, None


# --- search -------------------------------------------------------------------------------------------------------


def search_items(*, user: User, registry: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The `search_response` of a message's `search_request` items, as `user` may see them."""
    caps = capabilities(user)
    # Within the request's transaction (sync_search, the async job's): planned for many concurrent requests.
    set_local(PAGE_OF_A_LIST)
    compiler = compiler_for(user, registry)
    mapper = Mapper(sees_identifiers=caps.sees_identifiers)
    answers: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in items:
        base, rejection = _item_base(item, seen)
        if rejection is not None:
            answers.append(rejection)
            continue
        criteria = item.get("search_criteria")
        if not isinstance(criteria, dict):
            answers.append(_rejected(base, "rjct.search_criteria.invalid", _("search_criteria wajib diisi.")))
            continue
        try:
            answers.append({**base, **_search_one(user, registry, criteria, compiler, mapper)})
        except QueryError as exc:
            answers.append(_rejected(base, exc.reason, exc.message))
    return answers


def _search_one(
    user: User, registry: str, criteria: dict[str, Any], compiler: Compiler, mapper: Mapper
) -> dict[str, Any]:
    q = compiler.compile(criteria.get("query_type"), criteria.get("query"))
    order = compiler.order_by(criteria.get("sort"))
    size, number, paged = _pagination(criteria.get("pagination"))
    record_type = _record_type(registry, criteria)
    people = people_for(user, registry).filter(q)
    start = (number - 1) * size
    if record_type == GROUP:
        households = households_visible_to(user).filter(pk__in=people.values("household_id")).order_by("pk")
        total = households.count()
        _check_unpaged(total, paged)
        page = list(load_households(households, members_for(user))[start : start + size])
        records = [mapper.group(h, h.members.all()) for h in page]
    else:
        # The page's ids first (answered from indexes alone where it can: a village's people through their
        # households' index), with the number of matches counted in the same pass (a window over the matches, not
        # a second query walking them again), then their records by primary key, in the page's order.
        matches: list[tuple[int, int]] = list(
            people.order_by(*order)
            .annotate(dci_total=Window(Count("*")))
            .values_list("pk", "dci_total")[start : start + size]
        )
        ids = [pk for pk, _total in matches]
        # Past the last page no row carries the count: counted apart (a first page with no row has none).
        total = matches[0][1] if matches else (people.count() if start else 0)
        _check_unpaged(total, paged)
        records = _people_records(user, registry, record_type, ids, mapper)
    audit(
        actor=user,
        action="dci.search",
        object_type="registry.household" if record_type == GROUP else "registry.person",
        registry=registry,
        query_type=str(criteria.get("query_type")),
        total=total,
        returned=len(records),
    )
    return {
        "status": "succ",
        "data": {
            "version": env.VERSION,
            "reg_type": REG_TYPE[Registry(registry)],
            "reg_record_type": record_type,
            "reg_records": records,
        },
        "pagination": {"page_size": size, "page_number": number, "total_count": total},
    }


def _people_records(
    user: User, registry: str, record_type: str, ids: list[int], mapper: Mapper
) -> list[dict[str, Any]]:
    """The records (`Member` or `Farmer`) of the people `ids`, in their order; `ids` are people `user` may find."""
    if record_type == FARMER:
        found = {
            p.pk: p
            for p in load_people(
                Person.objects.filter(pk__in=ids), registry, record_type=FARMER, members=members_for(user)
            )
        }
        return [mapper.farmer(found[pk]) for pk in ids]
    return [mapper.member_row(row) for row in member_rows(ids)]


def _records_now(user: User, registry: str, record_type: str, ids: list[Any]) -> list[dict[str, Any]]:
    """The records of a stored answer's ids as `user` may see them now (txn/status): the same scope, consent and
    masking as a new search; an id they may no longer find is left out."""
    ids = [pk for pk in ids if isinstance(pk, int) and not isinstance(pk, bool)]
    mapper = Mapper(sees_identifiers=capabilities(user).sees_identifiers)
    people = people_for(user, registry)
    if record_type == GROUP:
        households = households_visible_to(user).filter(pk__in=ids).filter(pk__in=people.values("household_id"))
        found = {h.pk: h for h in load_households(households, members_for(user))}
        return [mapper.group(found[pk], found[pk].members.all()) for pk in ids if pk in found]
    visible = set(people.filter(pk__in=ids).values_list("pk", flat=True))
    return _people_records(user, registry, record_type, [pk for pk in ids if pk in visible], mapper)


_URN_ID = re.compile(r"^urn:berdaya:(?:person|household):(\d+)$")


def _stored_form(message: dict[str, Any]) -> dict[str, Any]:
    """What a transaction keeps of its answer for txn/status: each request's state, pagination and the ids of its
    records (`record_ids`), not the records. txn/status builds them again as the client may see them then, so a
    copy of up to 100 people's data is not kept for the retention period, and a withdrawal of consent, an erasure,
    a change of scope or of role takes effect on it as on a new search (docs/dci.md, "txn/status")."""
    items = message.get("search_response")
    if not isinstance(items, list):
        return message
    stored = []
    for item in items:
        data = item.get("data") if isinstance(item, dict) else None
        if isinstance(data, dict) and isinstance(data.get("reg_records"), list):
            ids = [_record_id(record) for record in data["reg_records"]]
            kept = {**{k: v for k, v in data.items() if k != "reg_records"}, "record_ids": ids}
            item = {**item, "data": kept}
        stored.append(item)
    return {**message, "search_response": stored}


def _record_id(record: Any) -> int | None:
    match = _URN_ID.match(record.get("@id", "")) if isinstance(record, dict) else None
    return int(match.group(1)) if match else None


def _check_unpaged(total: int, paged: bool) -> None:
    if not paged and total > UNPAGED_MAX:
        raise QueryError(
            _("%(n)s rekaman cocok; minta per halaman (pagination) untuk lebih dari %(max)s.")
            % {"n": total, "max": UNPAGED_MAX},
            "rjct.search.too_many_records_found",
        )


# --- signatures ---------------------------------------------------------------------------------------------------


def _signature_error(client: BearerClient, envelope: env.Envelope) -> signatures.SignatureError | None:
    """The request's signature checked against its client's keys by the policy (signatures.verify)."""
    try:
        signatures.verify(envelope.raw, signatures.ClientKey.of(client))
    except signatures.SignatureError as exc:
        return exc
    return None


def _sync_signature_refusal(error: signatures.SignatureError) -> Answer:
    # A synchronous answer's refusals of the transport layer are the spec's HttpErrorResponse (401).
    return Answer(401, env.http_error(error.code, error.message))


# --- recording requests -------------------------------------------------------------------------------------------


class Duplicate(Exception):
    pass


def _new_transaction(
    *, client: BearerClient, registry: str, action: str, envelope: env.Envelope, is_async: bool
) -> Transaction:
    refs = [i.get("reference_id") for i in envelope.items if isinstance(i.get("reference_id"), str)]
    return Transaction(
        registry=registry,
        action=action,
        is_async=is_async,
        transaction_id=envelope.transaction_id[:99],
        message_id=envelope.message_id,
        sender_id=envelope.sender_id,
        client_id=client.client_id[:40],
        user=client.user,
        reference_ids=refs,
        status=Transaction.Status.PENDING if is_async else Transaction.Status.RECEIVED,
        request=envelope.message,
        language=translation.get_language() or "",
    )


def _insert(txn: Transaction) -> Transaction:
    """Write a new transaction; a message id used before (the unique constraint) is `Duplicate`."""
    try:
        with transaction.atomic():
            txn.save(force_insert=True)
    except IntegrityError:
        # Only the message's own earlier row (dci_message_once) makes it a duplicate; any other refusal is an error.
        earlier = Transaction.objects.filter(
            registry=txn.registry, sender_id=txn.sender_id, message_id=txn.message_id
        ).exists()
        if not earlier:
            raise
        raise Duplicate from None
    return txn


def _record(*, client: BearerClient, registry: str, action: str, envelope: env.Envelope, is_async: bool) -> Transaction:
    return _insert(
        _new_transaction(client=client, registry=registry, action=action, envelope=envelope, is_async=is_async)
    )


def _sync_rejection(error: env.EnvelopeError, action: str, sender: str) -> Answer:
    header = env.callback_header(
        action=action,
        status="rjct",
        sender_id=receiver_id(),
        receiver_id=sender,
        total_count=0,
        reason=error.reason,
        reason_message=error.message,
    )
    return Answer(error.http_status, {"header": header})


def _sender_of(body: bytes) -> str:
    # For the header of a refusal: the sender as far as the body says it.
    try:
        import json

        value = json.loads(body)["header"]["sender_id"]
        return value if isinstance(value, str) else ""
    except Exception:
        return ""


@transaction.atomic
def sync_search(*, client: BearerClient, registry: str, body: bytes) -> Answer:
    # One transaction: the record, the audit row and the answer are one commit (each commit is a disk flush).
    try:
        envelope = env.parse(body, action="search", receiver_id=receiver_id(), items_key="search_request")
    except env.EnvelopeError as exc:
        return _sync_rejection(exc, "on-search", _sender_of(body))
    if (bad := _signature_error(client, envelope)) is not None:
        return _sync_signature_refusal(bad)
    txn = _new_transaction(client=client, registry=registry, action="search", envelope=envelope, is_async=False)
    try:
        # The transaction is written once, answered (one INSERT, not an INSERT and an UPDATE); a message id used
        # before is found then, and the search's audit row goes back with it.
        with transaction.atomic():
            message = _search_message(txn, envelope.items)
            encoded = _answer(txn, message)
            _insert(txn)
    except Duplicate:
        return _sync_rejection(_duplicate(), "on-search", envelope.sender_id)
    header = env.callback_header(
        action="on-search",
        status="succ",
        sender_id=receiver_id(),
        receiver_id=envelope.sender_id,
        total_count=len(envelope.items),
    )
    return Answer(200, {"header": header, "message": message}, message_json=encoded)


def _duplicate() -> env.EnvelopeError:
    return env.EnvelopeError(
        "err.request.bad", _("header.message_id ini sudah pernah dipakai."), reason="rjct.message_id.duplicate"
    )


def _search_message(txn: Transaction, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "transaction_id": txn.transaction_id,
        "correlation_id": txn.correlation_id,
        "search_response": search_items(user=txn.user, registry=txn.registry, items=items),
    }


def _json_default(value: Any) -> Any:
    # What orjson leaves to us is written as Django's encoder writes it (date-times to the millisecond with "Z",
    # decimals and lazy translations as text): the answers keep the values they had with the json module.
    return _DJANGO_JSON.default(value)


_DJANGO_JSON = DjangoJSONEncoder()
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def encode(value: Any) -> bytes:
    """JSON (UTF-8) as the SPDCI answers are written; views.py sends them as they are. orjson, not the json module:
    a page of 100 records is about 100 kB, which json took about 0.7 ms to write, orjson about a tenth of it."""
    return orjson.dumps(value, default=_json_default, option=_ORJSON_OPTIONS)


def _answered(txn: Transaction, message: dict[str, Any]) -> bytes:
    """Store the answer for txn/status, without its records (`_stored_form`); returns the whole answer as JSON
    text (encoded once: a 100-record answer is about 100 kB). Each request's state is kept apart as well
    (`outcome`), so txn/status still tells it once the answer is emptied by retention. A txn/status answer is not
    kept (no status request is ever asked about), only its outcome."""
    text = _answer(txn, message)
    Transaction.objects.filter(pk=txn.pk).update(
        response=txn.response, outcome=txn.outcome, status=txn.status, answered_at=txn.answered_at
    )
    return text


def _answer(txn: Transaction, message: dict[str, Any]) -> bytes:
    """`_answered`'s fields set on `txn` (not saved); the answer as JSON text."""
    text = encode(message)
    txn.response = {} if "txnstatus_response" in message else _stored_form(message)
    txn.outcome = _outcome_of(message)
    txn.status = Transaction.Status.SUCCESS
    txn.answered_at = timezone.now()
    return text


OUTCOME_KEYS = ("reference_id", "timestamp", "status", "status_reason_code")


def _outcome_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The state of each request of an answer, without its records or messages (no personal data)."""
    items = message.get("search_response") or message.get("subscribe_response")
    if not isinstance(items, list):
        return []
    return [{k: item[k] for k in OUTCOME_KEYS if k in item} for item in items if isinstance(item, dict)]


# --- asynchronous requests ----------------------------------------------------------------------------------------

CALLBACK_ACTION = {
    "search": "on-search",
    "subscribe": "on-subscribe",
    "unsubscribe": "on-unsubscribe",
    "txn-status": "txn-on-status",
}


def async_request(*, client: BearerClient, registry: str, action: str, body: bytes) -> Answer:
    """Accept an asynchronous request: check it, record it, ACK at once; the answer goes to the client's
    callback from a background job."""
    items_key = {"search": "search_request", "subscribe": "subscribe_request"}.get(action)
    try:
        envelope = env.parse(body, action=action, receiver_id=receiver_id(), items_key=items_key)
    except env.EnvelopeError as exc:
        return Answer(exc.http_status, env.err(exc.code, exc.message))
    if (bad := _signature_error(client, envelope)) is not None:
        return Answer(400, env.err(bad.code, bad.message))
    url = envelope.sender_uri
    if not url:
        return Answer(400, env.err("err.sender_uri.invalid", _("header.sender_uri wajib untuk permintaan asinkron.")))
    if len(url) > URL_MAX or not client.allows_callback(url):
        return Answer(
            400,
            env.err(
                "err.sender_uri.invalid",
                _("Alamat callback %(url)s tidak diizinkan untuk token ini.") % {"url": url[:200]},
            ),
        )
    with transaction.atomic():
        try:
            txn = _record(client=client, registry=registry, action=action, envelope=envelope, is_async=True)
        except Duplicate:
            error = _duplicate()
            return Answer(400, env.err(error.code, error.message))
        if action == "search":
            payload: dict[str, Any] = {}  # the search runs in the job
        else:
            message = {
                "subscribe": _subscribe_message,
                "unsubscribe": _unsubscribe_message,
                "txn-status": _status_message,
            }[action](client, txn, envelope)
            _answered(txn, message)
            payload = _callback_body(txn, message)
        delivery = Delivery.objects.create(
            transaction=txn, registry=registry, action=CALLBACK_ACTION[action], url=url, payload=payload
        )
        schedule(delivery)
    return Answer(200, env.ack(txn.correlation_id))


def _callback_body(txn: Transaction, message: dict[str, Any], *, total: int | None = None) -> dict[str, Any]:
    count = len(txn.reference_ids) if total is None else total
    header = env.callback_header(
        action=CALLBACK_ACTION[txn.action],
        status="succ",
        sender_id=receiver_id(),
        receiver_id=txn.sender_id,
        total_count=max(count, 1) if txn.action in ("search", "subscribe") else 1,
    )
    return {"header": header, "message": message}


# --- subscriptions ------------------------------------------------------------------------------------------------


def event_type_of(value: Any) -> str | None:
    """REGISTER, UPDATE, DELETE, LINK or UNLINK from "UPDATE" or "spdci-common:RegistryEventType:UPDATE"."""
    if not isinstance(value, str):
        return None
    name = value.rsplit(":", 1)[-1].strip().upper()
    return name if name in EVENT_TYPES else None


def _subscribe_message(client: BearerClient, txn: Transaction, envelope: env.Envelope) -> dict[str, Any]:
    compiler = compiler_for(client.user, txn.registry)
    answers: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in envelope.items:
        base, rejection = _item_base(item, seen)
        if rejection is not None:
            answers.append(rejection)
            continue
        criteria = item.get("subscribe_criteria")
        if not isinstance(criteria, dict):
            answers.append(_rejected(base, "rjct.notify_details.invalid", _("subscribe_criteria wajib diisi.")))
            continue
        event = event_type_of(criteria.get("reg_event_type"))
        if event is None:
            answers.append(
                _rejected(
                    base,
                    "rjct.notify_types.invalid",
                    _("reg_event_type harus salah satu dari %(types)s.") % {"types": ", ".join(EVENT_TYPES)},
                )
            )
            continue
        filter_type = criteria.get("filter_type") or "expression"
        try:
            compiler.compile(filter_type, criteria.get("filter"))
        except QueryError as exc:
            answers.append(_rejected(base, "rjct.notify_details.invalid", exc.message))
            continue
        record_type = str(criteria.get("notify_record_type") or "")[:60]
        duplicate = Subscription.objects.filter(
            registry=txn.registry,
            user=client.user,
            client_id=txn.client_id,
            event_type=event,
            filter_type=filter_type,
            filter=criteria.get("filter"),
            callback_url=envelope.sender_uri,
            status=Subscription.Status.SUBSCRIBED,
        ).first()
        if duplicate is not None:
            answers.append(
                _rejected(base, "rjct.event.already_subscribed", _("Langganan yang sama sudah aktif."))
                | {"subscriptions": [_subscription_info(duplicate)]}
            )
            continue
        subscription = Subscription.objects.create(
            registry=txn.registry,
            user=client.user,
            client_id=txn.client_id,
            sender_id=txn.sender_id,
            callback_url=envelope.sender_uri,
            transaction=txn,
            reference_id=base["reference_id"],
            event_type=event,
            filter_type=filter_type,
            filter=criteria.get("filter"),
            record_type=record_type,
        )
        answers.append({**base, "status": "succ", "subscriptions": [_subscription_info(subscription)]})
    return {"transaction_id": txn.transaction_id, "correlation_id": txn.correlation_id, "subscribe_response": answers}


def _subscription_info(subscription: Subscription) -> dict[str, Any]:
    return {
        "version": env.VERSION,
        "code": subscription.code,
        "status": subscription.status,
        "timestamp": subscription.created_at.isoformat(timespec="milliseconds"),
        "reg_type": REG_TYPE[Registry(subscription.registry)],
        "reg_event_type": subscription.event_type,
        "filter_type": subscription.filter_type,
        "notify_record_type": subscription.record_type or MEMBER,
    }


def _unsubscribe_message(client: BearerClient, txn: Transaction, envelope: env.Envelope) -> dict[str, Any]:
    message = envelope.message
    codes = message.get("subscription_codes")
    base = {"transaction_id": txn.transaction_id, "correlation_id": txn.correlation_id, "timestamp": env.now_iso()}
    if env.parse_timestamp(message.get("timestamp")) is None:
        return {**base, "status": "rjct", "status_reason_code": "rjct.timestamp.invalid"}
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        return {
            **base,
            "status": "rjct",
            "status_reason_code": "rjct.subscription_code.invalid",
            "status_reason_message": _("subscription_codes wajib berupa daftar kode."),
        }
    own = {
        s.code: s
        for s in Subscription.objects.filter(
            code__in=codes, registry=txn.registry, user=client.user, client_id=txn.client_id
        )
    }
    unknown = [c for c in codes if c not in own]
    if unknown:
        # Another client's code is "unknown" too: its existence is not revealed.
        return {
            **base,
            "status": "rjct",
            "status_reason_code": "rjct.subscription_code.invalid",
            "status_reason_message": _("Kode langganan tidak dikenal: %(codes)s.")
            % {"codes": ", ".join(unknown)[:900]},
        }
    if all(s.status == Subscription.Status.UNSUBSCRIBED for s in own.values()):
        return {
            **base,
            "status": "rjct",
            "status_reason_code": "rjct.event.already_unsubscribed",
            "subscription_status": [{"code": c, "status": own[c].status} for c in codes],
        }
    Subscription.objects.filter(pk__in=[s.pk for s in own.values()], status=Subscription.Status.SUBSCRIBED).update(
        status=Subscription.Status.UNSUBSCRIBED, ended_at=timezone.now()
    )
    return {
        **base,
        "status": "succ",
        "subscription_status": [{"code": c, "status": Subscription.Status.UNSUBSCRIBED} for c in codes],
    }


# --- transaction status -------------------------------------------------------------------------------------------


# The transaction types each registry's TxnStatusRequest/Response lists (its spec's `txn_type` enum): the answer
# repeats the one asked, when its registry has it.
TXN_TYPES: dict[str, tuple[str, ...]] = {
    Registry.SOCIAL: ("search", "subscribe", "receipt"),
    Registry.FARMER: ("search", "subscribe", "unsubscribe"),
}


def _status_message(client: BearerClient, txn: Transaction, envelope: env.Envelope) -> dict[str, Any]:
    request = envelope.message.get("txnstatus_request")
    request = request if isinstance(request, dict) else {}
    ref = request.get("reference_id") if isinstance(request.get("reference_id"), str) else ""
    asked = request.get("txn_type")
    txn_type = asked if asked in TXN_TYPES[txn.registry] else "search"
    found = _find_transaction(client, txn.registry, request)
    if found is None:
        status = {
            # The id asked for, when it is one (a string): never another value's Python text.
            "transaction_id": request["attribute_value"][:99]
            if request.get("attribute_type") == "transaction_id" and isinstance(request.get("attribute_value"), str)
            else txn.transaction_id,
            "correlation_id": txn.correlation_id,
            "search_response": [
                {
                    "reference_id": ref,
                    "timestamp": env.now_iso(),
                    "status": "rjct",
                    "status_reason_code": "rjct.reference_id.invalid",
                    "status_reason_message": _("Transaksi tidak ditemukan."),
                }
            ],
        }
    else:
        status = {
            "transaction_id": found.transaction_id,
            "correlation_id": found.correlation_id,
            "search_response": _responses_of(found, client.user),
        }
    return {
        "transaction_id": txn.transaction_id,
        "correlation_id": txn.correlation_id,
        "txnstatus_response": {"txn_type": txn_type, "txn_status": status},
    }


def _find_transaction(client: BearerClient, registry: str, request: dict[str, Any]) -> Transaction | None:
    """The client's own earlier transaction named by the status request (another user's is never found)."""
    kind, value = request.get("attribute_type"), request.get("attribute_value")
    own = Transaction.objects.filter(registry=registry, user=client.user).exclude(action="txn-status")
    if kind == "transaction_id" and isinstance(value, str):
        return own.filter(transaction_id=value).order_by("-created_at").first()
    if kind == "correlation_id" and isinstance(value, str):
        return own.filter(correlation_id=value).first()
    if kind == "reference_id_list" and isinstance(value, list) and value:
        wanted = {v for v in value if isinstance(v, str)}
        for candidate in own.order_by("-created_at")[:200]:
            if wanted & set(candidate.reference_ids):
                return candidate
    return None


def _responses_of(found: Transaction, user: User) -> list[dict[str, Any]]:
    """Each request of a transaction with its state: its answer once answered (the records of its stored ids built
    again as `user` may see them now, `_records_now`), else pending. An answer emptied at the end of its retention
    period gives each request's state as it was answered, without records (`data`), and says why: the spec has no
    reason code for it, so only the reason message tells."""
    if found.status == Transaction.Status.SUCCESS and found.response_purged_at is not None:
        when = (found.answered_at or found.response_purged_at).isoformat(timespec="milliseconds")
        kept = found.outcome or [{"reference_id": r, "status": found.status} for r in found.reference_ids or [""]]
        note = _("Data jawaban ini sudah dihapus karena melewati masa simpannya; kirim permintaan baru bila perlu.")
        return [{"timestamp": when, **item, "status_reason_message": note} for item in kept]
    stored = found.response.get("search_response") or found.response.get("subscribe_response")
    if found.status == Transaction.Status.SUCCESS and isinstance(stored, list):
        items = [_with_records({k: v for k, v in item.items() if k != "subscriptions"}, found, user) for item in stored]
        return _one_record_each(items) if found.registry == Registry.FARMER else items
    refs = found.reference_ids or [""]
    state = "pdng" if found.status in (Transaction.Status.PENDING, Transaction.Status.RECEIVED) else found.status
    return [{"reference_id": r, "timestamp": env.now_iso(), "status": state} for r in refs]


def _with_records(item: dict[str, Any], found: Transaction, user: User) -> dict[str, Any]:
    data = item.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("record_ids"), list):
        return item
    records = _records_now(user, found.registry, data.get("reg_record_type", MEMBER), data["record_ids"])
    rest = {k: v for k, v in data.items() if k != "record_ids"}
    return {**item, "data": {**rest, "reg_records": records}}


def _one_record_each(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A farmer registry answer as its txn/status gives it: the farmer spec's TxnStatusResponse carries `reg_records`
    as one object (its example: one farmer), where its search answers carry a list. Each request answered with records
    is given as one item per record, in the answer's order, each with the request's reference_id, status and
    pagination (so `total_count` still tells how many matched); a request that found none, as its item without
    `data` (the spec requires a record in it). Rejected and pending requests carry no `data` already. The social
    registry's TxnStatusResponse keeps the list (docs/dci.md, "txn/status")."""
    out: list[dict[str, Any]] = []
    for item in items:
        data = item.get("data")
        records = data.get("reg_records") if isinstance(data, dict) else None
        if not isinstance(data, dict) or not isinstance(records, list):
            out.append(item)
        elif not records:
            out.append({k: v for k, v in item.items() if k != "data"})
        else:
            out.extend({**item, "data": {**data, "reg_records": record}} for record in records)
    return out


@transaction.atomic
def sync_status(*, client: BearerClient, registry: str, body: bytes) -> Answer:
    try:
        envelope = env.parse(body, action="txn-status", receiver_id=receiver_id(), items_key=None)
    except env.EnvelopeError as exc:
        return _sync_rejection(exc, "txn-on-status", _sender_of(body))
    if (bad := _signature_error(client, envelope)) is not None:
        return _sync_signature_refusal(bad)
    try:
        txn = _record(client=client, registry=registry, action="txn-status", envelope=envelope, is_async=False)
    except Duplicate:
        return _sync_rejection(_duplicate(), "txn-on-status", envelope.sender_id)
    message = _status_message(client, txn, envelope)
    _answered(txn, message)
    header = env.callback_header(
        action="txn-on-status", status="succ", sender_id=receiver_id(), receiver_id=envelope.sender_id, total_count=1
    )
    return Answer(200, {"header": header, "message": message})


# --- callbacks ----------------------------------------------------------------------------------------------------


def backoff_seconds(attempt: int) -> int:
    """Wait before attempt `attempt + 1` after `attempt` failed: BASE, 2·BASE, 4·BASE... at most an hour."""
    return int(min(conf().dci_callback_retry_base_seconds * 2 ** (attempt - 1), 3600))


def schedule(delivery: Delivery, *, at: dt.datetime | None = None) -> Job:
    """Start the job that makes the next attempt of `delivery` (after commit; not before `at`)."""
    delivery.next_attempt_at = at or timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.next_attempt_at)
    user = delivery.transaction.user if delivery.transaction_id else delivery.subscription.user  # type: ignore[union-attr]
    return job_start(
        actor=user,
        kind="dci.callback",
        handler="berdaya.dci.services.deliver_job",
        params={"delivery_id": delivery.pk},
        title=f"SPDCI {delivery.action} → {delivery.url}"[:200],
        run_after=at,
    )


def deliver_job(job: Job, progress: JobProgress) -> dict[str, Any]:
    """The background job of one attempt (jobs.runner calls it)."""
    delivery = deliver(int(job.params["delivery_id"]))
    return {"delivery": delivery.pk, "status": delivery.status, "attempts": delivery.attempts}


def deliver(delivery_id: int) -> Delivery:
    """Make one attempt at a delivery: build the answer if it waits for one (an async search runs here, as the
    client's user), POST it, record the attempt; on failure schedule the next one with backoff, or give up."""
    delivery = Delivery.objects.select_related("transaction__user", "subscription").get(pk=delivery_id)
    if delivery.status != Delivery.Status.PENDING:
        return delivery
    if delivery.payload_purged_at is not None:
        # Emptied by retention while an admin's resend was on its way (the purge never takes a pending one): there
        # is nothing left to send, and a search must not be run again behind the admin's back.
        delivery.status = Delivery.Status.FAILED
        delivery.last_error = _("Isi pengiriman sudah dihapus menurut masa simpan.")
        delivery.next_attempt_at = None
        delivery.save(update_fields=["status", "last_error", "next_attempt_at"])
        return delivery
    txn = delivery.transaction
    if not delivery.payload and txn is not None and txn.action == "search":
        # Its messages in the language the request asked for (the view's, where a synchronous search is answered).
        with translation.override(txn.language or settings.LANGUAGE_CODE):
            message = _search_message(txn, txn.request.get("search_request") or [])
        _answered(txn, message)
        delivery.payload = _callback_body(txn, message)
        delivery.save(update_fields=["payload"])
    number = delivery.attempts + 1
    started = time.monotonic()
    status_code: int | None = None
    error = ""
    try:
        # No redirects: a callback goes to the allowed address itself, never where a 30x points.
        # Signed as it leaves (signatures.signed), so a retry an hour later carries a signature valid now.
        response = requests.post(
            delivery.url,
            json=signatures.signed(delivery.payload),
            timeout=conf().dci_callback_timeout_seconds,
            allow_redirects=False,
            headers={"User-Agent": "Berdaya-SPDCI/1.0"},
        )
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = _("Penerima menjawab HTTP %(code)s.") % {"code": status_code}
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    duration = int((time.monotonic() - started) * 1000)
    DeliveryAttempt.objects.create(
        # Numbered over the delivery's whole life (an admin's resend starts a new round of `attempts`, not of numbers).
        delivery=delivery,
        number=delivery.attempt_rows.count() + 1,
        http_status=status_code,
        error=error[:300],
        duration_ms=duration,
    )
    delivery.attempts = number
    if not error:
        delivery.status = Delivery.Status.DELIVERED
        delivery.delivered_at = timezone.now()
        delivery.last_error = ""
        delivery.next_attempt_at = None
        delivery.save(update_fields=["status", "delivered_at", "last_error", "next_attempt_at", "attempts"])
        return delivery
    delivery.last_error = error[:300]
    if number >= conf().dci_callback_max_attempts:
        delivery.status = Delivery.Status.FAILED
        delivery.next_attempt_at = None
        delivery.save(update_fields=["status", "last_error", "next_attempt_at", "attempts"])
        logger.warning("dci delivery %s failed after %s attempts", delivery.pk, number)
        return delivery
    delivery.save(update_fields=["last_error", "attempts"])
    with transaction.atomic():
        schedule(delivery, at=timezone.now() + dt.timedelta(seconds=backoff_seconds(number)))
    return delivery


def delivery_retry(*, actor: User, delivery: Delivery) -> Delivery:
    """An admin sends a failed delivery again (a new round of attempts)."""
    from django.core.exceptions import PermissionDenied

    if not capabilities(actor).is_admin:
        raise PermissionDenied(_("Hanya admin yang boleh mengirim ulang."))
    with transaction.atomic():
        # Checked and changed in one conditional UPDATE, so a retention purge (it empties only deliveries that are
        # not pending) or another admin's resend committed in between is seen, not overwritten.
        if not Delivery.objects.filter(
            pk=delivery.pk, status=Delivery.Status.FAILED, payload_purged_at__isnull=True
        ).update(status=Delivery.Status.PENDING, attempts=0):
            delivery.refresh_from_db(fields=["status", "payload_purged_at"])
            if delivery.payload_purged_at is not None:
                raise PermissionDenied(
                    _("Isi pengiriman ini sudah dihapus menurut masa simpan, jadi tidak bisa dikirim ulang.")
                )
            raise PermissionDenied(_("Hanya pengiriman yang gagal yang bisa dikirim ulang."))
        delivery.status = Delivery.Status.PENDING
        delivery.attempts = 0
        schedule(delivery)
    return delivery


# --- retention ----------------------------------------------------------------------------------------------------


def answers_purge(*, before: dt.datetime) -> dict[str, int]:
    """Empty the stored answers (and requests) of transactions answered before `before`, and the bodies of
    deliveries finished (delivered, given up or refused) before it: one UPDATE per table, stamping when. A delivery
    still pending or retrying keeps its body, and so does a transaction not answered yet (its search runs in the
    callback job). The scheduled retention (privacy.retention, "dci_answers") calls this; each row keeps its state
    and times."""
    now = timezone.now()
    with transaction.atomic():
        # The request as well: a search's criteria may hold a NIK (txn/status finds a transaction by its columns).
        answers = answers_due(before).update(response={}, request={}, response_purged_at=now)
        payloads = payloads_due(before).update(payload={}, payload_purged_at=now)
    return {"transactions": answers, "deliveries": payloads}
