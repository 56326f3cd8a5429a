"""Reads of outcome data, already scoped to the user (access.py)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from berdaya.accounts.models import User
from berdaya.core.access import capabilities
from berdaya.programmes import choices as pc
from berdaya.programmes.models import Enrolment, Programme
from berdaya.registry.models import Person

from . import access, graduation
from . import choices as c
from .models import Graduation, OutcomePlan, OutcomeSurvey


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    return first, add_months(first, 1) - dt.timedelta(days=1)


def person_surveys(*, actor: User, person: Person) -> QuerySet[OutcomeSurvey]:
    return (
        access.surveys_visible_to(actor)
        .filter(person=person)
        .select_related("programme", "commodity")
        .order_by("-interview_date", "-pk")
    )


def survey_list(*, actor: User, programme: Programme | None = None) -> QuerySet[OutcomeSurvey]:
    qs = access.surveys_visible_to(actor).select_related("person", "household__village", "programme")
    if programme is not None:
        qs = qs.filter(programme=programme)
    return qs.order_by("-interview_date", "-pk")


@dataclass
class Due:
    enrolment_id: int
    person_id: int
    person_name: str
    village: str
    programme_id: int
    programme_name: str
    round_month: int
    due_on: dt.date
    overdue: bool


def _plans() -> dict[int, list[int]]:
    return dict(OutcomePlan.objects.values_list("programme_id", "follow_up_months"))


def followups_due(*, actor: User, month: dt.date | None = None, for_user: User | None = None) -> list[Due]:
    """The follow-ups due by the end of `month` and not yet taken, for the people `actor` may see (and, when
    `for_user` is a facilitator, only in their villages): one query per programme and follow-up month, never per
    person. A follow-up stays listed (overdue) until it is taken, for up to a year after its date."""
    month = month or timezone.localdate()
    first, last = month_bounds(month)
    people = access.people_with_outcomes_visible_to(actor)
    if for_user is not None:
        people = people.filter(pk__in=access.people_with_outcomes_visible_to(for_user).values("pk"))
    plans = _plans()
    rows: list[Due] = []
    programmes = (
        access.programmes_with_outcomes_visible_to(actor).exclude(status=pc.ProgrammeStatus.DRAFT).only("pk", "name")
    )
    for programme in programmes:
        for months in plans.get(programme.pk, c.DEFAULT_FOLLOW_UP_MONTHS):
            taken = OutcomeSurvey.objects.filter(
                person_id=OuterRef("person_id"), programme_id=programme.pk, round=c.Round.FOLLOW_UP, round_month=months
            )
            # Due in or before this month: enrolled on or before (last - months); no older than a year overdue.
            qs = (
                Enrolment.objects.filter(
                    programme=programme,
                    status__in=pc.SEAT_STATUSES,
                    enrolled_on__lte=add_months(last, -months),
                    enrolled_on__gte=add_months(first, -months - 12),
                    person__in=people.values("pk"),
                )
                .filter(~Exists(taken))
                .values_list("pk", "person_id", "person__full_name", "person__household__village__name", "enrolled_on")
                .order_by("enrolled_on", "pk")[:500]
            )
            for pk, person_id, name, village, enrolled_on in qs:
                if enrolled_on is None:  # excluded by the filter; for the type checker
                    continue
                due_on = add_months(enrolled_on, months)
                rows.append(
                    Due(pk, person_id, name, village, programme.pk, programme.name, months, due_on, due_on < first)
                )
    rows.sort(key=lambda d: (d.due_on, d.village, d.person_name))
    return rows


def facilitators_for(actor: User) -> QuerySet[User]:
    """The facilitators whose due lists `actor` may open (officers: all; a facilitator: only themself)."""
    caps = capabilities(actor)
    if caps.regency_wide:
        return User.objects.filter(role=User.Role.FACILITATOR, is_active=True).order_by("username")
    return User.objects.filter(pk=actor.pk)


def programme_overview(*, actor: User) -> list[dict[str, Any]]:
    """Programmes with counts of surveys by round (aggregates: for any signed-in role), over the people the
    actor's figures count (access.people_for_figures)."""
    counted = Q()
    people = access.people_for_figures(actor)
    if people is not None:
        counted = Q(outcome_surveys__person__in=people.values("pk"))
    programmes = access.programmes_with_outcomes_visible_to(actor).annotate(
        baselines=Count("outcome_surveys", filter=Q(outcome_surveys__round=c.Round.BASELINE) & counted),
        follow_ups=Count("outcome_surveys", filter=Q(outcome_surveys__round=c.Round.FOLLOW_UP) & counted),
    )
    return list(programmes.order_by("-start_date").values("pk", "name", "status", "baselines", "follow_ups")[:200])


@dataclass
class GraduationRow:
    enrolment_id: int
    person_id: int
    person_name: str
    village: str
    status: str
    score: int
    met: list[bool]
    graduated_on: dt.date | None
    fell_back_on: dt.date | None


def graduation_list(*, actor: User, programme: Programme, as_of: dt.date | None = None) -> list[GraduationRow]:
    """Every participant the actor may see, with their status now and their recorded graduation: one query."""
    as_of = as_of or timezone.localdate()
    plan = OutcomePlan.objects.filter(programme=programme).first()
    criteria = graduation.criteria_of(plan)
    qs = graduation.annotate_graduation(
        Enrolment.objects.filter(
            programme=programme,
            status__in=pc.SEAT_STATUSES,
            person__in=access.people_with_outcomes_visible_to(actor).values("pk"),
        ),
        criteria,
        as_of=as_of,
        poverty_line=graduation.poverty_line_of(plan),
    )
    n = len(criteria["criteria"])
    rows = []
    for values in qs.values(
        "pk",
        "person_id",
        "person__full_name",
        "person__household__village__name",
        "grad_status",
        "grad_score",
        "graduation__graduated_on",
        "graduation__fell_back_on",
        *[f"grad_c{i}" for i in range(n)],
    ).order_by("person__full_name", "pk"):
        status = values["grad_status"]
        if values["graduation__graduated_on"] and status != graduation.Status.GRADUATED:
            status = graduation.Status.FELL_BACK
        rows.append(
            GraduationRow(
                values["pk"],
                values["person_id"],
                values["person__full_name"],
                values["person__household__village__name"],
                status,
                values["grad_score"],
                [bool(values[f"grad_c{i}"]) for i in range(n)],
                values["graduation__graduated_on"],
                values["graduation__fell_back_on"],
            )
        )
    return rows


@dataclass(frozen=True)
class Rate:
    graduated: int
    participants: int

    @property
    def rate(self) -> float | None:
        return self.graduated / self.participants if self.participants else None


def graduation_rate(
    programme: Programme | None, period: tuple[dt.date, dt.date], scope: QuerySet[Person] | None = None
) -> Rate:
    """The share of participants who had graduated (a Graduation record dated on or before the period's end) and
    had not fallen back by then, among participants enrolled on or before the period's end. `programme` None: all
    programmes. `scope`: the people counted (e.g. `people_for_aggregates(user)` filtered by district); None counts
    everyone. Two COUNT queries: the monitoring app registers it as a measure (docs/impact.md, "Graduation")."""
    _start, end = period
    enrolments = Enrolment.objects.filter(status__in=pc.SEAT_STATUSES).filter(
        Q(enrolled_on__lte=end) | Q(enrolled_on__isnull=True, created_at__date__lte=end)
    )
    if programme is not None:
        enrolments = enrolments.filter(programme=programme)
    if scope is not None:
        enrolments = enrolments.filter(person__in=scope.values("pk"))
    graduated = Graduation.objects.filter(enrolment__in=enrolments.values("pk"), graduated_on__lte=end).exclude(
        fell_back_on__lte=end
    )
    return Rate(graduated=graduated.count(), participants=enrolments.count())
