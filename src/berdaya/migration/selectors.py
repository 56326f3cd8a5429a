"""Reads of the migrant-worker module, already scoped (registry.access for people, .access for cases)."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable
from functools import reduce
from typing import Any

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core import snapshots
from berdaya.core.access import AnyUser, capabilities
from berdaya.core.compiled import CompiledQuery
from berdaya.registry.access import people_for_aggregates, people_visible_to, regency_wide_aggregates
from berdaya.registry.choices import PersonStatus
from berdaya.registry.models import Person

from . import choices as c
from .access import cases_listed_for, cases_readable_by
from .models import MigrationEpisode, Notification, RightsCase
from .sla import overdue_q, with_due

# --- Episodes -----------------------------------------------------------------------------------------------------


def episodes_visible_to(actor: User) -> QuerySet[MigrationEpisode]:
    return MigrationEpisode.objects.filter(person__in=people_visible_to(actor).values("pk"))


def episodes_of(person: Person) -> QuerySet[MigrationEpisode]:
    return person.migration_episodes.select_related("family_contact").order_by("-created_at", "-id")


def returned_episode(person: Person, preferred: MigrationEpisode | None = None) -> MigrationEpisode | None:
    """The episode a worker came home from, while they are home: `preferred` (a case's episode) when it is a
    returned one, else the latest returned episode; None when they have left again or never returned."""
    if person.migration_episodes.filter(stage=c.Stage.WORKING).exists():
        return None
    if preferred is not None and preferred.stage == c.Stage.RETURNED:
        return preferred
    return person.migration_episodes.filter(stage=c.Stage.RETURNED).order_by("-return_date", "-id").first()


def _stage_counts(episodes: QuerySet[MigrationEpisode]) -> tuple[dict[str, int], list[dict[str, Any]]]:
    by_stage = dict(episodes.values_list("stage").annotate(n=Count("id")).order_by())
    by_destination = list(
        episodes.filter(stage__in=c.OPEN_STAGES)
        .values("destination")
        .annotate(
            n=Count("id"),
            non_procedural=Count("id", filter=Q(channel=c.Channel.NON_PROCEDURAL)),
        )
        .order_by("-n", "destination")
    )
    return by_stage, by_destination


def _stage_counts_regency() -> dict[str, Any]:
    # Everyone's but merged records': a join, not an IN over a million ids.
    by_stage, by_destination = _stage_counts(MigrationEpisode.objects.exclude(person__status=PersonStatus.MERGED))
    return {"by_stage": by_stage, "by_destination": by_destination}


def stages_refresh() -> None:
    snapshots.store("migration.stages", {}, _stage_counts_regency)


def stage_summary(*, actor: User) -> dict[str, Any]:
    """Episode counts per stage and per destination, for the people whose aggregates `actor` may read."""
    if regency_wide_aggregates(actor):
        # The regency's counts from a snapshot (core.snapshots, at most BERDAYA_AGGREGATE_MAX_AGE old).
        counts, _at = snapshots.read("migration.stages", {}, _stage_counts_regency)
        by_stage, by_destination = counts["by_stage"], counts["by_destination"]
    else:
        by_stage, by_destination = _stage_counts(
            MigrationEpisode.objects.filter(person__in=people_for_aggregates(actor).values("pk"))
        )
    for row in by_destination:
        row["label"] = c.Destination(row["destination"]).label
    return {
        "stages": [(s.value, s.label, by_stage.get(s.value, 0)) for s in c.Stage],
        "destinations": by_destination,
    }


def _missing_q(document: str) -> Q:
    """The episode still lacks `document` and needs it (abroad, or a document that domestic work needs too)."""
    needed = Q() if document in c.DOMESTIC_DOCUMENTS else ~Q(destination__startswith="ID-")
    return Q(**{f"doc_{document}": False}) & needed


def _as_int(q: Q) -> Case:
    return Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())


def outreach_people(*, actor: User, village: str | None = None) -> QuerySet[MigrationEpisode]:
    """Episodes of people planning to leave (planned or preparing), with `missing_count` computed in SQL: the
    safe-migration outreach list. Scoped to `actor` (a facilitator sees their villages only)."""
    documents = list(c.Document.values)
    qs = (
        episodes_visible_to(actor)
        .filter(stage__in=c.PROSPECTIVE_STAGES, person__status="active")
        .select_related("person__household__village__district")
        .annotate(
            **{f"missing_{d}": _as_int(_missing_q(d)) for d in documents},
        )
    )
    total = reduce(operator.add, [_as_int(_missing_q(d)) for d in documents])
    qs = qs.annotate(missing_count=Cast(total, IntegerField()))
    if village:
        qs = qs.filter(person__household__village=village)
    return qs.order_by("person__household__village", "-missing_count", "person__full_name")


def _outreach_counts(episodes: QuerySet[MigrationEpisode]) -> list[dict[str, Any]]:
    documents = list(c.Document.values)
    rows = (
        episodes.filter(stage__in=c.PROSPECTIVE_STAGES, person__status="active")
        .values(
            "person__household__village",
            "person__household__village__name",
            "person__household__village__district__name",
        )
        .annotate(
            planning=Count("id"),
            non_procedural=Count("id", filter=Q(channel=c.Channel.NON_PROCEDURAL)),
            incomplete=Count("id", filter=_any_missing_q()),
            **{f"missing_{d}": Sum(_as_int(_missing_q(d))) for d in documents},
        )
        .order_by("-incomplete", "person__household__village")
    )
    return list(rows)


def _outreach_counts_regency() -> list[dict[str, Any]]:
    # Every active resident's episodes: a join on the person's status, not an IN over a million visible ids.
    return _outreach_counts(MigrationEpisode.objects.all())


def outreach_refresh() -> None:
    snapshots.store("migration.outreach", {}, _outreach_counts_regency)


def outreach_by_village(*, actor: User) -> tuple[list[dict[str, Any]], dt.datetime | None]:
    """Per village: people planning to leave, how many still lack a document, and how many lack each document; with
    when the counts were computed when they come from the regency's snapshot (core.snapshots: officers and admins
    see every village, the same counts for all of them), None when computed now over a scoped user's people."""
    if capabilities(actor).regency_wide:
        rows, at = snapshots.read("migration.outreach", {}, _outreach_counts_regency)
        return rows, at if snapshots.max_age() > 0 else None
    return _outreach_counts(episodes_visible_to(actor)), None


def _any_missing_q() -> Q:
    q = Q()
    for d in c.Document.values:
        q |= _missing_q(d)
    return q


# --- Cases --------------------------------------------------------------------------------------------------------


def case_list(
    *, actor: User, scope: str = "open", only_overdue: bool = False, mine: bool = False
) -> QuerySet[RightsCase]:
    """Cases `actor` may list, with the SLA due date and overdue flag computed in SQL. No case content is selected
    for the list beyond the type and stage."""
    qs = with_due(cases_listed_for(actor)).select_related("person__household__village").defer("summary")
    if scope == "open":
        qs = qs.filter(stage__in=c.OPEN_CASE_STAGES)
    elif scope == "closed":
        qs = qs.exclude(stage__in=c.OPEN_CASE_STAGES)
    if only_overdue:
        qs = qs.filter(overdue_q())
    if mine:
        qs = qs.filter(assignments__user=actor)
    return qs.prefetch_related(Prefetch("assignees", queryset=User.objects.only("id", "username"))).order_by(
        "-overdue", "-priority", "due_on", "id"
    )


def case_counts(*, actor: User) -> dict[str, int]:
    qs = cases_listed_for(actor)
    return qs.aggregate(
        open=Count("id", filter=Q(stage__in=c.OPEN_CASE_STAGES)),
        overdue=Count("id", filter=overdue_q()),
        urgent=Count("id", filter=Q(stage__in=c.OPEN_CASE_STAGES, priority=c.Priority.URGENT)),
    )


def case_with_due(case: RightsCase) -> RightsCase:
    return with_due(RightsCase.objects.filter(pk=case.pk)).get()


def case_workers() -> QuerySet[User]:
    return User.objects.filter(case_worker__is_active=True, is_active=True).select_related("case_worker")


# --- Notifications ------------------------------------------------------------------------------------------------


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("read_at", "-created_at")[:100]


# The menu's badge on every page: the count compiled once (core.compiled) instead of by `.count()` on each request. One
# group (the user's) or none: the same number as COUNT(*) over the same rows.
_UNREAD = CompiledQuery(
    lambda user: (
        Notification.objects.filter(recipient_id=user, read_at__isnull=True)
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    ),
    user=int,
)


def unread_count(user: AnyUser) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return sum(_UNREAD(user=user.pk))


# --- Vulnerability-profile reasons (registry.vulnerability calls these for the flagged people only) -------------


def flag_reasons(code: str, person_ids: Iterable[int], today: dt.date | None = None) -> dict[int, str]:
    """Plain-Indonesian reasons for the migrant flags of many people in one query."""
    today = today or timezone.localdate()
    ids = list(person_ids)
    if not ids:
        return {}
    if code == "migrant_family":
        return _family_reasons(ids)
    stages = {
        "migrant_prospective": c.PROSPECTIVE_STAGES,
        "migrant_current": (c.Stage.WORKING,),
        "migrant_returned": (c.Stage.RETURNED,),
    }[code]
    result: dict[int, str] = {}
    episodes = MigrationEpisode.objects.filter(person_id__in=ids, stage__in=stages).order_by(
        "person_id", "-departure_date", "-return_date", "-id"
    )
    for ep in episodes.only("person_id", "stage", "destination", "channel", "departure_date", "return_date"):
        if ep.person_id in result:
            continue
        parts = [str(ep.get_stage_display()).lower(), _("tujuan %(d)s") % {"d": ep.get_destination_display()}]
        if ep.stage == c.Stage.WORKING and ep.departure_date:
            parts.append(_("berangkat %(d)s") % {"d": date_format(ep.departure_date)})
        if ep.stage == c.Stage.RETURNED and ep.return_date:
            parts.append(_("pulang %(d)s") % {"d": date_format(ep.return_date)})
        if ep.channel == c.Channel.NON_PROCEDURAL:
            parts.append(_("non-prosedural"))
        result[ep.person_id] = ", ".join(parts)
    return result


def _family_reasons(ids: list[int]) -> dict[int, str]:
    households = dict(Person.objects.filter(pk__in=ids).values_list("pk", "household_id"))
    working = (
        MigrationEpisode.objects.filter(stage=c.Stage.WORKING, person__household__in=set(households.values()))
        .values_list("person_id", "person__household_id", "person__full_name", "destination")
        .order_by("person_id")
    )
    by_household: dict[int, list[tuple[int, str, str]]] = {}
    for pid, hh, name, dest in working:
        by_household.setdefault(hh, []).append((pid, name, str(c.Destination(dest).label)))
    result = {}
    for pid, hh in households.items():
        others = [f"{name} ({dest})" for other, name, dest in by_household.get(hh, []) if other != pid]
        if others:
            result[pid] = _("anggota rumah tangga bekerja di luar: %(who)s") % {"who": ", ".join(others)}
    return result


def cases_readable_ids(*, actor: User, ids: list[int]) -> list[int]:
    return list(cases_readable_by(actor).filter(pk__in=ids).values_list("pk", flat=True))
