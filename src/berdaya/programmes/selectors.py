"""Reads of programmes, already scoped to the user (.access, and registry.access for people). Set-based: counts and matches are
computed in SQL with subqueries, never by looping over people."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.access import capabilities
from berdaya.core.compiled import CompiledQuery
from berdaya.core.conf import conf
from berdaya.core.dates import years_ago
from berdaya.core.forms import style_widgets
from berdaya.programmes.access import can_manage_programme, programmes_visible_to
from berdaya.registry import choices as rc
from berdaya.registry.access import people_visible_to
from berdaya.registry.models import Household, Person
from berdaya.registry.vulnerability import flag_q, group_q

from . import accessibility
from . import choices as c
from .access import counts_seen_people_only, sees_assistance_notes, sees_others_assistance_in_full
from .filtersets import ProgrammeFilterSet
from .models import Assistance, Attendance, Enrolment, Need, PersonNeed, Programme, Session

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

QS = TypeVar("QS", bound=QuerySet[Any])

# --- small helpers -------------------------------------------------------------------------------------------------


def _count(qs: QuerySet, outer: str) -> Coalesce:
    """A correlated COUNT subquery (qs grouped on `outer`), so several counts never multiply each other's joins."""
    return Coalesce(
        Subquery(qs.order_by().values(outer).annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()),
        Value(0),
    )


def double_dip_window_days() -> int:
    return int(conf().double_dip_window_days)


def sessions_held(programme: Programme, today: dt.date | None = None) -> QuerySet[Session]:
    """Sessions up to today: completion is measured against what has taken place, not what is planned."""
    return programme.sessions.filter(date__lte=today or timezone.localdate())


def sessions_counted(programme: Programme) -> QuerySet[Session]:
    """The sessions completion is measured against: those held and those still scheduled. Certifying "2 of 2"
    while a third session is on the calendar would pass someone before the course is over."""
    return programme.sessions.all()


def graduating(programme: Programme) -> QuerySet[Enrolment]:
    """Active participants whose attendance meets the threshold over every session, held or scheduled."""
    total = sessions_counted(programme).count()
    return enrolments_with_attendance(programme).filter(
        status=c.EnrolmentStatus.ACTIVE, attended__gte=max(1, min_sessions(programme, total))
    )


def min_sessions(programme: Programme, held: int) -> int:
    """The fewest sessions attended that meet the threshold: ceil(threshold × held / 100), in integers."""
    return -(-programme.attendance_threshold * held // 100)


class Attended(TypedDict):
    attended: int


def enrolments_with_attendance(
    programme: Programme, today: dt.date | None = None
) -> QuerySet[WithAnnotations[Enrolment, Attended]]:
    attended = Attendance.objects.filter(
        person=OuterRef("person"),
        session__programme=programme,
        session__date__lte=today or timezone.localdate(),
        present=True,
    )
    return programme.enrolments.annotate(attended=_count(attended, "person"))


def attendance_of(enrolment: Enrolment) -> tuple[int, int]:
    """(sessions counted, held or scheduled; sessions this person attended) for one enrolment."""
    held = sessions_held(enrolment.programme)
    attended = Attendance.objects.filter(session__in=held, person=enrolment.person_id, present=True).count()
    return sessions_counted(enrolment.programme).count(), attended


# --- programme lists and pages -------------------------------------------------------------------------------------


def programme_list(*, actor: User, filters: Mapping[str, Any] | None) -> tuple[ProgrammeFilterSet, QuerySet[Programme]]:
    base = programmes_visible_to(actor).select_related("organiser")
    filterset = ProgrammeFilterSet(filters, queryset=base)
    style_widgets(filterset.form, empty_label=_("Semua"))
    qs = filterset.qs if filterset.is_valid() else base.none()
    return filterset, qs.order_by("-start_date", "name")


def counted_for(actor: User, qs: QS, person: str = "person") -> QS:
    """`qs` (rows about a person, reached through `person`) as the programme figures of `actor` count them: every row
    for most roles, for partner staff only the rows about the people they may see (`counts_seen_people_only`), the
    rows the participant list and the assistance ledger show them."""
    if not counts_seen_people_only(actor):
        return qs
    return qs.filter(**{f"{person}__in": people_visible_to(actor).values("pk")})


def programme_stats(programme_ids: list[int], *, actor: User) -> dict[int, dict[str, int]]:
    """Enrolment counts by status and money spent, for a page of programmes: two grouped queries. Counted over the
    participants `actor` counts (`counted_for`): for partner staff, what they can sum from the rows they see."""
    stats: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(c.EnrolmentStatus.values, 0) | {"spent": 0})
    for row in (
        counted_for(actor, Enrolment.objects.filter(programme__in=programme_ids))
        .values("programme", "status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        stats[row["programme"]][row["status"]] = row["n"]
    for row in (
        counted_for(actor, Assistance.objects.filter(programme__in=programme_ids, status__in=c.SPENT_STATUSES))
        .values("programme")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        stats[row["programme"]]["spent"] = row["total"] or 0
    for pid in programme_ids:
        s = stats[pid]
        s["seats"] = sum(s[x] for x in c.SEAT_STATUSES)
    return dict(stats)


@dataclass
class Budget:
    budget: int
    planned: int
    committed: int
    spent: int

    @property
    def remaining(self) -> int:
        return self.budget - self.spent

    @property
    def percent_spent(self) -> int:
        return self.spent * 100 // self.budget if self.budget else 0


def budget_summary(programme: Programme, *, actor: User) -> Budget:
    """The programme's budget against its assistance, counted as `actor` counts it (`counted_for`): for partner
    staff the totals of the ledger they see, so the remaining budget is the budget less what they see spent."""
    totals = counted_for(actor, programme.assistance.all()).aggregate(
        planned=Sum("amount", filter=Q(status=c.AssistanceStatus.PLANNED)),
        committed=Sum("amount", filter=Q(status=c.AssistanceStatus.APPROVED)),
        spent=Sum("amount", filter=Q(status__in=c.SPENT_STATUSES)),
    )
    return Budget(
        budget=programme.budget,
        planned=totals["planned"] or 0,
        committed=totals["committed"] or 0,
        spent=totals["spent"] or 0,
    )


def enrolment_list(*, actor: User, programme: Programme, status: str = "") -> QuerySet[Enrolment]:
    """Participants of a programme the actor may see, with attendance counted in SQL."""
    qs = (
        enrolments_with_attendance(programme)
        .filter(person__in=people_visible_to(actor).values("pk"))
        .select_related("person__household__village", "created_by")
        .order_by("person__full_name", "id")
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def visible_enrolments(actor: User) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(person__in=people_visible_to(actor).values("pk")).select_related(
        "programme__organiser", "person"
    )


def roster(*, actor: User, session: Session) -> list[dict]:
    """The class list of a session: enrolled and active participants the actor may see, with their tick."""
    ticks = dict(Attendance.objects.filter(session=session).values_list("person_id", "present"))
    rows = (
        Enrolment.objects.filter(
            programme=session.programme_id,
            status__in=c.ATTENDING_STATUSES,
            person__in=people_visible_to(actor).values("pk"),
        )
        .select_related("person__household__village")
        .order_by("person__full_name", "person_id")
    )
    return [{"enrolment": e, "person": e.person, "present": ticks.get(e.person_id)} for e in rows]


def assistance_ledger(*, actor: User, programme: Programme) -> QuerySet[Assistance]:
    """The programme's assistance rows the actor may see (flag a page of them with flag_double_dips)."""
    return (
        programme.assistance.filter(person__in=people_visible_to(actor).values("pk"))
        .select_related("person", "approved_by")
        .order_by("-date", "-id")
    )


def flag_double_dips(rows: list[Assistance]) -> list[Assistance]:
    """Set `double_dip` on each row: the person received the same kind within the window elsewhere (any programme,
    any organisation). One query for the whole page; the window test is done here because date arithmetic on a
    correlated column is not portable between SQLite and PostgreSQL."""
    window = dt.timedelta(days=double_dip_window_days())
    if not rows:
        return rows
    received: dict[tuple[int, str], list[tuple[int, dt.date]]] = defaultdict(list)
    for pk, person_id, kind, date in Assistance.objects.filter(
        person__in={a.person_id for a in rows}, kind__in={a.kind for a in rows}, status__in=c.COMMITTED_STATUSES
    ).values_list("pk", "person_id", "kind", "date"):
        received[(person_id, kind)].append((pk, date))
    for a in rows:
        a.double_dip = any(
            pk != a.pk and abs((date - a.date).days) <= window.days for pk, date in received[(a.person_id, a.kind)]
        )
    return rows


def double_dip_summary(assistance: Assistance) -> list[dict]:
    """Assistance of the same kind the person received within the window, in any programme of any organisation:
    counts per organisation and the last date. No amounts or notes: partner staff see this too."""
    window = dt.timedelta(days=double_dip_window_days())
    rows = (
        Assistance.objects.filter(
            person=assistance.person_id,
            kind=assistance.kind,
            status__in=c.COMMITTED_STATUSES,
            date__gte=assistance.date - window,
            date__lte=assistance.date + window,
        )
        .exclude(pk=assistance.pk)
        .values("programme__organiser__name")
        .annotate(count=Count("id"), last_date=Max("date"))
        .order_by("-last_date")
    )
    return [
        {"organisation": r["programme__organiser__name"], "count": r["count"], "last_date": r["last_date"]}
        for r in rows
    ]


# --- eligibility and matching --------------------------------------------------------------------------------------


def target_group_q(code: str, today: dt.date) -> Q:
    """Who belongs to a target group, as a Q over Person (built on registry.vulnerability where a flag exists)."""
    if code == c.TargetGroup.SMALLHOLDER:
        return flag_q("smallholder", today)
    if code == c.TargetGroup.DISABILITY:
        # WG-SS cut-off or a recorded disability profile (a KPD is an official finding even when WG-SS was not asked).
        return flag_q("disability", today)
    if code == c.TargetGroup.ELDERLY:
        return flag_q("elderly", today)
    if code == c.TargetGroup.WOMEN:
        return Q(sex=rc.Sex.FEMALE)
    if code == c.TargetGroup.FEMALE_HEADED:
        # The woman who heads the household herself, not every member of a female-headed household (the flag).
        return flag_q("female_headed", today) & Q(sex=rc.Sex.FEMALE, relationship=rc.Relationship.HEAD)
    if code == c.TargetGroup.YOUTH:
        # UU 40/2009 on youth: 16 to 30 years old.
        return Q(birth_date__gt=years_ago(31, today), birth_date__lte=years_ago(16, today))
    if code == c.TargetGroup.MIGRANT:
        # Migrant workers and their families as the migration episodes show them (UU 18/2017: before, during and
        # after work), not the occupation field, which says nothing of planned departures or families left behind.
        return group_q("migrant", today)
    return Q(pk__in=[])


def eligibility_q(programme: Programme, today: dt.date | None = None) -> Q:
    """Basic eligibility: belongs to any of the programme's target groups (everyone when it names none)."""
    today = today or timezone.localdate()
    q = Q()
    for code in programme.target_groups or []:
        q |= target_group_q(code, today)
    return q


def coverage_q(programme: Programme, prefix: str = "") -> Q:
    """People living in the villages/districts a programme covers; the whole regency when it names none."""
    village_ids = list(programme.villages.values_list("pk", flat=True))
    district_ids = list(programme.districts.values_list("pk", flat=True))
    if not village_ids and not district_ids:
        return Q()
    return Q(**{f"{prefix}household__village__in": village_ids}) | Q(
        **{f"{prefix}household__village__district__in": district_ids}
    )


def candidates_for_programme(*, actor: User, programme: Programme) -> QuerySet:
    """People in the actor's scope whose recorded needs this programme answers, in its area, not yet taking part.

    Ranked: eligible first, then by how many of their needs it answers."""
    need_ids = programme.needs.values("pk")
    matched = PersonNeed.objects.filter(person=OuterRef("pk"), need__in=need_ids)
    eligible = eligibility_q(programme)
    return (
        people_visible_to(actor)
        .living()
        .filter(coverage_q(programme))
        .exclude(
            Exists(Enrolment.objects.filter(person=OuterRef("pk"), programme=programme, status__in=c.OPEN_STATUSES))
        )
        .annotate(matched=_count(matched, "person"))
        .filter(matched__gt=0)
        .annotate(
            eligible=Case(When(eligible, then=Value(True)), default=Value(False), output_field=BooleanField())
            if eligible
            else Value(True, output_field=BooleanField())
        )
        .select_related("household__village__district")
        .order_by("-eligible", "-matched", "full_name", "id")
    )


def matched_needs(person_ids: list[int], need_ids: list[int]) -> dict[int, list[str]]:
    result: dict[int, list[str]] = defaultdict(list)
    for pid, name in (
        PersonNeed.objects.filter(person__in=person_ids, need__in=need_ids)
        .order_by("need__order", "need__name")
        .values_list("person_id", "need__name")
    ):
        result[pid].append(name)
    return dict(result)


@dataclass
class Suggestion:
    programme: Programme
    score: int
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    can_enrol: bool = False


def _access_features(person: Person) -> list[tuple[str, str]]:
    """(session feature, label) for each support need of the person a venue must meet (programmes.accessibility:
    needs recorded by berdaya.inclusion, else inferred from WG-SS). A companion needs no venue feature."""
    wanted = set(accessibility.features_needed([person.pk]).get(person.pk, []))
    return [(f, accessibility.feature_label(f)) for f in accessibility.SESSION_FEATURES if f in wanted]


def _person_targets(person: Person, today: dt.date) -> set[str]:
    row = (
        Person.objects.filter(pk=person.pk)
        .annotate(
            **{
                f"tg_{code}": Case(
                    When(target_group_q(code, today), then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                )
                for code in c.TargetGroup.values
            }
        )
        .values(*[f"tg_{code}" for code in c.TargetGroup.values])
        .get()
    )
    return {code for code in c.TargetGroup.values if row[f"tg_{code}"]}


def suggestions_for_person(*, actor: User, person: Person, limit: int = 10) -> list[Suggestion]:
    """Open programmes that fit a person's recorded needs, village, eligibility and accessibility, ranked, with
    the reasons shown. One query over programmes (counts as subqueries) plus one for the person's target groups."""
    today = timezone.localdate()
    need_ids = list(person.needs.values_list("need_id", flat=True))
    village_id = person.household.village_id
    district_id = person.household.village.district_id
    vt, dt_ = Programme.villages.through, Programme.districts.through
    covered = (
        (~Exists(vt.objects.filter(programme=OuterRef("pk"))) & ~Exists(dt_.objects.filter(programme=OuterRef("pk"))))
        | Exists(vt.objects.filter(programme=OuterRef("pk"), village_id=village_id))
        | Exists(dt_.objects.filter(programme=OuterRef("pk"), district_id=district_id))
    )
    access = _access_features(person)
    upcoming = Session.objects.filter(programme=OuterRef("pk"), date__gte=today)
    programmes = (
        programmes_visible_to(actor)
        .filter(status__in=[c.ProgrammeStatus.OPEN, c.ProgrammeStatus.RUNNING], end_date__gte=today)
        .filter(covered)
        .exclude(Exists(Enrolment.objects.filter(programme=OuterRef("pk"), person=person, status__in=c.OPEN_STATUSES)))
        .select_related("organiser")
        .annotate(**{f"lacking_{feat}": _count(upcoming.filter(**{feat: False}), "programme") for feat, _l in access})
        .annotate(
            needs_matched=_count(
                Programme.needs.through.objects.filter(programme=OuterRef("pk"), need__in=need_ids), "programme"
            ),
            seats=_count(Enrolment.objects.filter(programme=OuterRef("pk"), status__in=c.SEAT_STATUSES), "programme"),
            upcoming=_count(upcoming, "programme"),
        )
    )
    needs_by_programme: dict[int, list[str]] = defaultdict(list)
    for pid, name in Programme.needs.through.objects.filter(
        programme__in=[p.pk for p in programmes], need__in=need_ids
    ).values_list("programme_id", "need__name"):
        needs_by_programme[pid].append(name)
    targets = _person_targets(person, today)
    labels = dict(c.TargetGroup.choices)
    suggestions: list[Suggestion] = []
    for p in programmes:
        s = Suggestion(programme=p, score=0, can_enrol=can_manage_programme(actor, p))
        if p.needs_matched:
            s.score += 3 * p.needs_matched
            s.reasons.append(_("Menjawab kebutuhan: %(n)s") % {"n": ", ".join(sorted(needs_by_programme[p.pk]))})
        if p.target_groups:
            hit = [str(labels[g]) for g in p.target_groups if g in targets and g in labels]
            if hit:
                s.score += 2
                s.reasons.append(_("Termasuk sasaran: %(g)s") % {"g": ", ".join(hit)})
            else:
                s.score -= 3
                s.warnings.append(_("Di luar kelompok sasaran (%(g)s)") % {"g": ", ".join(p.target_group_labels())})
        else:
            s.reasons.append(_("Terbuka untuk semua kelompok"))
        s.reasons.append(_("Desa tempat tinggal termasuk cakupan program"))
        # Accessibility weighs both ways, so that a programme whose sessions accommodate the person ranks above an
        # otherwise equal one whose venue would shut them out.
        met = []
        for feat, label in access:
            lacking = getattr(p, f"lacking_{feat}")
            if p.upcoming and not lacking:
                s.score += 1
                met.append(label)
            elif lacking:
                s.score -= 1
                s.warnings.append(_("%(n)s sesi belum menyediakan %(x)s") % {"n": lacking, "x": label})
        if met:
            s.reasons.append(_("Semua sesi mendatang menyediakan %(x)s") % {"x": ", ".join(met)})
        if access and not p.upcoming:
            s.warnings.append(_("Belum ada jadwal sesi mendatang; aksesibilitas tempat belum bisa dipastikan"))
        if p.seats >= p.capacity:
            s.warnings.append(_("Kuota penuh (%(n)s peserta)") % {"n": p.capacity})
        if p.needs_matched or (p.target_groups and any(g in targets for g in p.target_groups)):
            suggestions.append(s)
    suggestions.sort(key=lambda s: (-s.score, s.programme.start_date, s.programme.pk))
    return suggestions[:limit]


# --- accessibility (programmes.accessibility, needs from berdaya.inclusion) ------------------------------------------


def upcoming_sessions(programme: Programme, today: dt.date | None = None) -> QuerySet[Session]:
    """Sessions from today on: the ones a venue can still be changed for, or an interpreter booked."""
    return programme.sessions.filter(date__gte=today or timezone.localdate())


@dataclass
class SessionGap:
    """A session whose venue or materials cannot accommodate a person's support needs."""

    session: Session
    unmet: list[str]

    def __str__(self) -> str:
        return _("Sesi %(date)s: tidak ada %(needs)s") % {
            "date": date_format(self.session.date, "j M"),
            "needs": ", ".join(self.unmet),
        }


def access_gaps(programme: Programme, person_ids: list[int], today: dt.date | None = None) -> dict[int, list[str]]:
    """For enrolment: per person, the upcoming sessions of the programme that cannot accommodate their support needs,
    as Indonesian lines ("Sesi 12 Mar: tidak ada juru bahasa isyarat"). People who are accommodated are absent.
    Three queries whatever the number of people and sessions."""
    if not person_ids:
        return {}
    sessions = list(upcoming_sessions(programme, today))
    unmet = accessibility.unmet_by_session(person_ids, sessions)
    result: dict[int, list[str]] = defaultdict(list)
    for session in sessions:
        for pid, labels in unmet.get(session.pk, {}).items():
            result[pid].append(str(SessionGap(session, labels)))
    return dict(result)


def access_gap_messages(*, actor: User, programme: Programme, person_ids: list[int], limit: int = 5) -> list[str]:
    """The warnings shown after enrolling or proposing people: one line per person (names the actor may see)."""
    gaps = access_gaps(programme, person_ids)
    if not gaps:
        return []
    names = dict(people_visible_to(actor).filter(pk__in=list(gaps)).values_list("pk", "full_name"))
    lines = [
        _("Aksesibilitas untuk %(name)s: %(gaps)s") % {"name": names[pid], "gaps": "; ".join(gaps[pid])}
        for pid in sorted(gaps, key=lambda pid: names.get(pid, ""))
        if pid in names
    ]
    if len(lines) > limit:
        rest = len(lines) - limit
        lines = [*lines[:limit], _("… dan %(n)s peserta lain dengan kebutuhan yang belum terpenuhi.") % {"n": rest}]
    return lines


@dataclass
class SessionNeed:
    """How many participants need a session feature (an interpreter, step-free access...) and whether it is there."""

    feature: str
    label: str
    needed: int
    provided: bool


def session_needs(programme: Programme, sessions: list[Session], *, actor: User) -> dict[int, list[SessionNeed]]:
    """For the session pages: per session, what the enrolled and active participants need and whether the session
    provides it. Counts, never names, over every participant for officers, admins and facilitators (the interpreter
    is booked for the class); for partner staff over the participants they may see (`counted_for`: a count over
    everyone would tell them of a participant who withdrew and her need), whose pages say on every session that the
    needs of the others are arranged by the district office (`counts_seen_people_only`). Three queries for the
    whole programme."""
    attending = programme.enrolments.filter(status__in=c.ATTENDING_STATUSES)
    person_ids = list(counted_for(actor, attending).values_list("person_id", flat=True))
    counts = accessibility.feature_counts(person_ids)
    order = [f for f in accessibility.SESSION_FEATURES if f in counts]
    return {
        s.pk: [
            SessionNeed(feature=f, label=accessibility.feature_label(f), needed=counts[f], provided=bool(getattr(s, f)))
            for f in order
        ]
        for s in sessions
    }


# --- person and household pages ------------------------------------------------------------------------------------


@dataclass
class ProgrammeSummary:
    """What the person and household pages show of programmes: participation, attendance, assistance, needs."""

    person: Person | None
    enrolments: list[Enrolment]
    attended: list[Attendance]
    assistance: list[Assistance]
    other_assistance: list[dict[str, Any]]
    needs: list[PersonNeed]
    can_record_needs: bool
    show_names: bool

    def __bool__(self) -> bool:  # the include is guarded by {% if programmes %}: always render when wired
        return True


# The summary's reads, compiled once (core.compiled): the person and household pages run them for every view.
_ENROLMENTS = CompiledQuery(
    lambda people: (
        Enrolment.objects.filter(person__in=people)
        .select_related("programme__organiser", "person", "certificate")
        .order_by("-created_at", "-id")[:100]
    ),
    people=[int],
)
_ATTENDED = CompiledQuery(
    lambda people: (
        Attendance.objects.filter(person__in=people, present=True)
        .select_related("session__programme", "person")
        .order_by("-session__date")[:50]
    ),
    people=[int],
)
_ASSISTANCE = CompiledQuery(
    lambda people: (
        Assistance.objects.filter(person__in=people)
        .exclude(status=c.AssistanceStatus.CANCELLED)
        .select_related("programme__organiser", "person")
        .order_by("-date", "-id")[:200]
    ),
    people=[int],
)
_NEEDS = CompiledQuery(
    lambda person: PersonNeed.objects.filter(person=person).select_related("need", "recorded_by"), person=int
)


def _summary(*, actor: User, people: list[int], person: Person | None = None) -> ProgrammeSummary:
    caps = capabilities(actor)
    enrolments = _ENROLMENTS(people=people)
    for e in enrolments:
        e.manageable = can_manage_programme(actor, e.programme)
        e.cert = getattr(e, "certificate", None) if e.status == c.EnrolmentStatus.COMPLETED else None
    attended = _ATTENDED(people=people)
    rows = _ASSISTANCE(people=people)
    mine: list[Assistance] = []
    others: defaultdict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: {"count": 0, "last_date": None})
    in_full = sees_others_assistance_in_full(actor)
    for a in rows:
        manageable = can_manage_programme(actor, a.programme)
        if manageable or in_full:
            a.show_note = sees_assistance_notes(actor, a.programme)
            mine.append(a)
        else:
            # Partner staff see other organisations' assistance as counts and kinds only (double-dipping checks).
            key = (a.programme.organiser.name, a.get_kind_display())
            others[key]["count"] += 1
            others[key]["last_date"] = max(filter(None, [others[key]["last_date"], a.date]))
    needs = _NEEDS(person=person.pk) if person else []
    can_record = person is not None and caps.edits_registry and person.status != rc.PersonStatus.DECEASED
    return ProgrammeSummary(
        person=person,
        enrolments=enrolments,
        attended=attended,
        assistance=mine,
        other_assistance=[{"organisation": k[0], "kind": k[1], **v} for k, v in sorted(others.items())],
        needs=needs,
        can_record_needs=can_record,
        show_names=person is None,
    )


def person_programmes(*, actor: User, person: Person) -> ProgrammeSummary:
    """For registry's person page: the caller already checked the person is visible to the actor."""
    return _summary(actor=actor, people=[person.pk], person=person)


def household_programmes(*, actor: User, household: Household) -> ProgrammeSummary:
    """For registry's household page: every member's programmes, attendance and assistance."""
    people = list(people_visible_to(actor).filter(household=household).values_list("pk", flat=True))
    return _summary(actor=actor, people=people)


def active_needs() -> QuerySet[Need]:
    return Need.objects.filter(is_active=True)
