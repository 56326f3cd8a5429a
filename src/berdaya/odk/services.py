"""Writes of the field-collection app: receive a submission (pulled or uploaded), retry a queued one after a person
fixed it, purge old payloads, pull from a configured server.

Every submission is kept: written through the domain services (ingested), queued with its errors in Indonesian, or
waiting for the module its records belong to. Its instance ID is unique in the database: the row is inserted in the
same transaction as the records it creates, so a second receive of the same instance (a re-pull, the same export
uploaded twice, two workers at once) fails on the constraint and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.access import capabilities
from berdaya.core.audit import audit
from berdaya.core.masking import is_identifying
from berdaya.core.models import AuditEvent

from . import handlers
from .access import (
    can_purge,
    ensure_can_manage_sources,
    ensure_can_upload_submissions,
    submissions_visible_to,
)
from .choices import FormKind, Origin, SubmissionState
from .clients import PullError, client_for
from .models import FieldSource, Submission

logger = logging.getLogger(__name__)


@dataclass
class Received:
    """What became of a batch of submissions (a pull or an upload)."""

    ingested: int = 0
    queued: int = 0
    waiting: int = 0
    duplicate: int = 0
    ids: list[int] = field(default_factory=list)

    def add(self, outcome: str, submission: Submission | None) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        if submission is not None:
            self.ids.append(submission.pk)

    def as_dict(self) -> dict[str, int]:
        return {"ingested": self.ingested, "queued": self.queued, "waiting": self.waiting, "duplicate": self.duplicate}


def error_list(exc: Exception) -> list[dict[str, str]]:
    """A service's refusal as [{field, message}], the field as the form names it ("members.0.nik"; "" for the
    submission as a whole)."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return [
                {"field": "" if name == NON_FIELD_ERRORS else name, "message": str(message)}
                for name, errors in exc.error_dict.items()
                for error in errors
                for message in error.messages
            ]
        return [{"field": "", "message": str(message)} for message in exc.messages]
    if isinstance(exc, PermissionDenied | ObjectDoesNotExist):
        return [{"field": "", "message": str(exc) or _("Anda tidak berwenang menyimpan kiriman ini.")}]
    return [{"field": "", "message": _("Kiriman tidak bisa diproses karena kesalahan sistem; hubungi admin.")}]


def _writer_for(source: FieldSource | None, submitter_name: str, fallback: User) -> tuple[User, User | None]:
    """Whose authority a pulled submission is written with: the collector's, when their name on the server is a
    Berdaya username (their own scope applies), else the source's `run_as`. Returns (writer, submitter)."""
    if submitter_name:
        submitter = User.objects.filter(username=submitter_name, is_active=True).first()
        if submitter is not None and capabilities(submitter).sees_people:
            return submitter, submitter
    return fallback, None


def _organisation_for(source: FieldSource | None, writer: User) -> int | None:
    if source is not None and source.organisation_id:
        return source.organisation_id
    return writer.organisation_id if capabilities(writer).organisation_scoped else None


def already_received(instance_id: str) -> bool:
    """The cheap check before a receive; the unique constraint is the guarantee (two receives can both pass this)."""
    return Submission.objects.filter(instance_id=instance_id).exists()


def _attempt(submission: Submission, *, actor: User, confirm: bool) -> str:
    """Run the submission's handler as `actor`, in a savepoint: on refusal nothing of it stays and it is queued."""
    kind = submission.form_kind
    submission.village_id = handlers.village_of(kind, submission.data)
    if kind in handlers.WAITING_FORMS:
        submission.state = SubmissionState.WAITING
        submission.errors = []
        return submission.state
    with translation.override("id"):  # the queue speaks Indonesian whoever triggered the pull
        try:
            with transaction.atomic():
                written = handlers.HANDLERS[kind](actor, submission.data, confirm)
        except (ValidationError, PermissionDenied, ObjectDoesNotExist, IntegrityError) as exc:
            submission.state = SubmissionState.QUEUED
            submission.errors = error_list(exc)
        except Exception as exc:  # a bug must not lose the submission: it waits in the queue
            logger.exception("odk: submission %s failed", submission.instance_id)
            submission.state = SubmissionState.QUEUED
            submission.errors = error_list(exc)
        else:
            submission.state = SubmissionState.INGESTED
            submission.errors = []
            submission.result = written.records
            submission.ingested_at = timezone.now()
    return submission.state


def submission_receive(
    *,
    kind: str,
    payload: dict[str, Any],
    origin: str,
    received_by: User,
    source: FieldSource | None = None,
) -> tuple[str, Submission | None]:
    """Receive one submission. Returns ("ingested" | "queued" | "waiting" | "duplicate", the submission)."""
    if kind not in FormKind.values:
        raise ValidationError(_("Jenis formulir tidak dikenal: %(k)s.") % {"k": kind})
    instance_id = handlers.instance_id_of(payload)
    if not instance_id:
        raise ValidationError(
            _("Kiriman tanpa instanceID tidak bisa diterima (tidak bisa dicegah tersimpan dua kali).")
        )
    if already_received(instance_id):
        return "duplicate", None
    submitter_name = handlers.submitter_of(payload)
    if origin == Origin.PULL and source is not None:
        writer, submitter = _writer_for(source, submitter_name, source.run_as)
    else:
        # An uploaded file is the uploader's word: a collector's name written in it never lends anyone's authority.
        writer, submitter = received_by, None
    with transaction.atomic():
        try:
            with transaction.atomic():
                submission = Submission.objects.create(
                    instance_id=instance_id[:120],
                    form_kind=kind,
                    source=source,
                    origin=origin,
                    state=SubmissionState.QUEUED,
                    payload=payload,
                    data=handlers.normalise(payload),
                    submitter_name=submitter_name[:150],
                    submitter=submitter,
                    organisation_id=_organisation_for(source, writer),
                    submitted_at=handlers.submitted_at_of(payload),
                    received_by=received_by,
                )
        except IntegrityError:
            # Another process received the same instance between the check above and this insert.
            return "duplicate", None
        state = _attempt(submission, actor=writer, confirm=False)
        submission.save()
    return state, submission


@transaction.atomic
def submission_retry(
    *, actor: User, submission: Submission, data: dict[str, Any] | None = None, confirm: bool = False
) -> Submission:
    """Try a queued submission again, as `actor` (the person fixing it), with their corrections in `data`.

    Identifying fields (NIK, KK, phone, address...) keep their received value for a role that may not see them:
    such a role sees them masked and cannot change them."""
    locked = submissions_visible_to(actor).select_for_update().filter(pk=submission.pk).first()
    if locked is None:
        raise PermissionDenied(_("Kiriman ini di luar wilayah atau organisasi Anda."))
    # A waiting submission (kept before its form's module existed, e.g. outcome surveys) is tried like a queued one.
    if locked.state not in (SubmissionState.QUEUED, SubmissionState.WAITING):
        raise ValidationError(_("Kiriman ini sudah tersimpan; tidak ada yang perlu diulang."))
    if data is not None:
        locked.data = _keep_identifiers(actor, locked.data, data)
    locked.attempts += 1
    _attempt(locked, actor=actor, confirm=confirm)
    locked.save()
    audit(actor=actor, action=AuditEvent.Action.UPDATE, obj=locked, state=locked.state)
    return locked


def _keep_identifiers(actor: User, old: Any, new: Any) -> Any:
    if capabilities(actor).sees_identifiers:
        return new
    if isinstance(old, dict) and isinstance(new, dict):
        merged = {}
        for key, value in new.items():
            if is_identifying(key) or key in handlers.FORM_IDENTIFYING:
                merged[key] = old.get(key, "")
            else:
                merged[key] = _keep_identifiers(actor, old.get(key), value)
        return merged
    if isinstance(old, list) and isinstance(new, list):
        return [_keep_identifiers(actor, o, n) for o, n in zip(old, new, strict=False)] + new[len(old) :]
    return new


def submission_purge(*, actor: User, before: dt.datetime) -> int:
    """Empty the payload and fields of submissions ingested before `before` (their records are in the registry now).
    The instance ID stays, so a late re-pull is still recognised. Queued and waiting submissions are kept whole."""
    if not can_purge(actor):
        raise PermissionDenied(_("Hanya admin yang boleh menghapus isian kiriman."))
    with transaction.atomic():
        count = Submission.objects.filter(
            state=SubmissionState.INGESTED, ingested_at__lt=before, purged_at__isnull=True
        ).update(payload={}, data={}, purged_at=timezone.now())
        audit(actor=actor, action=AuditEvent.Action.DELETE, object_type="odk.submission", count=count)
    return count


# --- files and servers --------------------------------------------------------------------------------------------


def payloads_in(content: bytes) -> list[dict[str, Any]]:
    """The submissions in an export file: Central's OData JSON ({"value": [...]}), Kobo's REST/JSON export
    ({"results": [...]}) or a plain list."""
    try:
        parsed = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValidationError(
            _("Berkas bukan JSON yang terbaca (ekspor ODK Central OData atau KoboToolbox JSON).")
        ) from None
    if isinstance(parsed, dict):
        parsed = parsed.get("value", parsed.get("results"))
    if not isinstance(parsed, list) or not all(isinstance(item, dict) for item in parsed):
        raise ValidationError(_("Berkas JSON tidak berisi daftar kiriman."))
    return parsed


def submissions_upload(*, actor: User, kind: str, content: bytes) -> Received:
    """Receive every submission of an export file, each on its own (one bad submission queues, the rest go in)."""
    ensure_can_upload_submissions(actor)
    payloads = payloads_in(content)
    # Refused as a whole before anything is received: a submission without an instance ID could be written twice.
    missing = [index + 1 for index, payload in enumerate(payloads) if not handlers.instance_id_of(payload)]
    if missing:
        raise ValidationError(
            _("Kiriman ke-%(n)s dalam berkas tidak punya instanceID; berkas tidak diproses.")
            % {"n": ", ".join(map(str, missing[:5]))}
        )
    received = Received()
    for payload in payloads:
        outcome, submission = submission_receive(kind=kind, payload=payload, origin=Origin.UPLOAD, received_by=actor)
        received.add(outcome, submission)
    audit(
        actor=actor, action=AuditEvent.Action.CREATE, object_type="odk.submission", kind=kind, counts=received.as_dict()
    )
    return received


def source_pull(
    *, source: FieldSource, actor: User | None = None, payloads: Iterable[dict[str, Any]] | None = None
) -> Received:
    """Pull a server's new submissions and receive each. Each submission is its own transaction: a pull stopped
    half-way leaves whole submissions behind, and the next pull skips them by instance ID."""
    if actor is not None:
        ensure_can_manage_sources(actor)
    started = timezone.now()
    received = Received()
    try:
        stream: Iterator[dict[str, Any]] | Iterable[dict[str, Any]] = (
            payloads if payloads is not None else client_for(source).submissions(since=_since(source))
        )
        for payload in stream:
            try:
                outcome, submission = submission_receive(
                    kind=source.form_kind,
                    payload=payload,
                    origin=Origin.PULL,
                    received_by=actor or source.run_as,
                    source=source,
                )
            except ValidationError as exc:
                logger.warning("odk: %s: submission refused: %s", source, exc.messages)
                continue
            received.add(outcome, submission)
    except PullError as exc:
        FieldSource.objects.filter(pk=source.pk).update(last_error=str(exc)[:500])
        raise
    FieldSource.objects.filter(pk=source.pk).update(last_pulled_at=started, last_error="")
    source.last_pulled_at = started
    return received


def _since(source: FieldSource) -> dt.datetime | None:
    # A margin: a submission received by the server while the last pull ran is asked for again (and recognised).
    return source.last_pulled_at - dt.timedelta(minutes=10) if source.last_pulled_at else None


def source_save(*, actor: User, source: FieldSource, secret: str | None = None) -> FieldSource:
    ensure_can_manage_sources(actor)
    if secret:
        source.set_secret(secret)
    source.full_clean(exclude=["secret_encrypted"])
    source.save()
    audit(actor=actor, action=AuditEvent.Action.UPDATE, obj=source)
    return source
