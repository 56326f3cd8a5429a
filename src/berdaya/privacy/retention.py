"""Retention (UU 27/2022 art. 16(2)h, 43): how long each kind of record is kept, what is past it, and the purge of
what can go by itself.

Each kind has a default period here; an administrator changes it in RetentionPeriod (the admin). The daily scheduled
task (`privacy.retention`, berdaya.jobs.schedule) purges the uploaded import files and their error files (they hold
NIKs and names, and the registry holds what was imported), empties ingested field submissions past their time and
the SPDCI answers and callback bodies kept after they were sent (up to 100 people's records each), and counts the rest for the data-protection officer to review on the page /privasi/masa-simpan/: the audit trail and
closed requests and breach records are evidence, so a person decides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.core.audit import audit
from berdaya.core.models import AuditEvent

from . import choices as c
from .models import BreachRecord, DataRequest, RetentionPeriod


@dataclass(frozen=True)
class Kind:
    kind: str
    default_days: int
    count: Callable[[dt.datetime], int]  # how many records are past the cutoff
    automatic: bool  # purged by the scheduled task; otherwise listed for review


def _import_files_due(cutoff: dt.datetime) -> QuerySet[Any]:
    from berdaya.imports.models import ImportRun

    busy = [ImportRun.Status.CHECKING, ImportRun.Status.IMPORTING]
    return (
        ImportRun.objects.filter(created_at__lt=cutoff).exclude(status__in=busy).exclude(Q(file="") & Q(errors_file=""))
    )


def _odk_due(cutoff: dt.datetime) -> QuerySet[Any]:
    from berdaya.odk.choices import SubmissionState
    from berdaya.odk.models import Submission

    return Submission.objects.filter(state=SubmissionState.INGESTED, ingested_at__lt=cutoff, purged_at__isnull=True)


def _dci_answers_count(cutoff: dt.datetime) -> int:
    from berdaya.dci.selectors import answers_due, payloads_due

    return answers_due(cutoff).count() + payloads_due(cutoff).count()


KINDS = [
    Kind(c.RetentionKind.IMPORT_FILES, 90, lambda cut: _import_files_due(cut).count(), automatic=True),
    Kind(c.RetentionKind.ODK_PAYLOADS, 180, lambda cut: _odk_due(cut).count(), automatic=True),
    # 30 days: a client asks txn/status within minutes or days, and an admin reads a failed callback within the week
    # its retries end; the records themselves stay in the registry (docs/decisions.md, "SPDCI answers ...").
    Kind(c.RetentionKind.DCI_ANSWERS, 30, _dci_answers_count, automatic=True),
    Kind(
        c.RetentionKind.AUDIT_EVENTS,
        5 * 365,
        lambda cut: AuditEvent.objects.filter(at__lt=cut).count(),
        automatic=False,
    ),
    Kind(
        c.RetentionKind.CLOSED_REQUESTS,
        5 * 365,
        lambda cut: DataRequest.objects.filter(completed_at__lt=cut).count(),
        automatic=False,
    ),
    Kind(
        c.RetentionKind.CLOSED_BREACHES,
        5 * 365,
        lambda cut: BreachRecord.objects.filter(status=c.BreachStatus.CLOSED, updated_at__lt=cut).count(),
        automatic=False,
    ),
]


def period_days(kind: str) -> int:
    stored = RetentionPeriod.objects.filter(kind=kind).values_list("days", flat=True).first()
    if stored:
        return stored
    return next(k.default_days for k in KINDS if k.kind == kind)


@dataclass
class Due:
    kind: str
    label: str
    days: int
    cutoff: dt.datetime
    count: int
    automatic: bool


def due_report(now: dt.datetime | None = None) -> list[Due]:
    now = now or timezone.now()
    out = []
    for k in KINDS:
        days = period_days(k.kind)
        cutoff = now - dt.timedelta(days=days)
        out.append(Due(k.kind, str(c.RetentionKind(k.kind).label), days, cutoff, k.count(cutoff), k.automatic))
    return out


def import_files_purge(*, before: dt.datetime) -> int:
    """Delete the uploaded files and error files of import runs made before `before` (not while one is being
    checked or imported). The run row stays, with its counts and checksum; its file fields are emptied. The files
    are deleted once the emptying has committed."""
    from berdaya.imports.models import ImportRun

    with transaction.atomic():
        rows = list(_import_files_due(before).select_for_update().values_list("pk", "file", "errors_file"))
        ImportRun.objects.filter(pk__in=[pk for pk, _f, _e in rows]).update(file="", errors_file="")

        def delete() -> None:
            storage = ImportRun._meta.get_field("file").storage
            for _pk, file, errors in rows:
                for name in (file, errors):
                    if name:
                        storage.delete(name)

        transaction.on_commit(delete)
    return len(rows)


def odk_purge(*, before: dt.datetime) -> int:
    return _odk_due(before).update(payload={}, data={}, purged_at=timezone.now())


def dci_answers_purge(*, before: dt.datetime) -> int:
    """Empty the SPDCI answers and callback bodies past `before` (dci.services.answers_purge: never a callback still
    pending or retrying, never a transaction not answered yet); how many rows were emptied."""
    from berdaya.dci.services import answers_purge

    return sum(answers_purge(before=before).values())


def retention_run(now: dt.datetime | None = None) -> dict[str, Any]:
    """Purge what goes by itself, count the rest. Audited as the system's own action."""
    now = now or timezone.now()

    def cut(kind: str) -> dt.datetime:
        return now - dt.timedelta(days=period_days(kind))

    purged = {
        "import_files": import_files_purge(before=cut(c.RetentionKind.IMPORT_FILES)),
        "odk_payloads": odk_purge(before=cut(c.RetentionKind.ODK_PAYLOADS)),
        "dci_answers": dci_answers_purge(before=cut(c.RetentionKind.DCI_ANSWERS)),
    }
    review = {d.kind: d.count for d in due_report(now) if not d.automatic and d.count}
    audit(actor=None, action=AuditEvent.Action.DELETE, object_type="privacy.retention", purged=purged, review=review)
    return {"purged": purged, "review": review}


def retention_job(job: Any, progress: Any) -> dict[str, Any]:
    """The scheduled task's handler (berdaya.jobs)."""
    result = retention_run()
    progress.start(1, _("Masa simpan ditinjau"))
    progress.advance(1)
    return result
