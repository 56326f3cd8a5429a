"""Rebuilding the analytics tables: set-based, in SQL, on SQLite and PostgreSQL alike.

Each step is one `INSERT INTO <table> (...) SELECT ...` whose SELECT is written with the Django ORM (so the
vulnerability flags, the partner scope and the case service levels are their owners' own `Q` rules, compiled for
the database at hand) and never a Python loop over people. Loops run over the few things there are few of: the
flags (one CASE each), the organisations (one scope insert each) and the years programmes run.

The whole rebuild is one transaction: readers see the previous tables until it commits (PostgreSQL MVCC, SQLite
WAL), and two rebuilds never interleave (an advisory lock on PostgreSQL; SQLite has one writer anyway).
How stale a figure may be: docs/monitoring.md ("Kebaruan data").
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models, transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear, TruncDate
from django.utils import timezone

from berdaya.core.conf import conf
from berdaya.core.dates import years_ago
from berdaya.migration import choices as mc
from berdaya.migration.models import RightsCase
from berdaya.migration.sla import overdue_q
from berdaya.organisations.models import Organisation
from berdaya.programmes import choices as pc
from berdaya.programmes.models import Assistance, Enrolment
from berdaya.registry import choices as rc
from berdaya.registry.access import partner_people_q
from berdaya.registry.models import Person
from berdaya.registry.vulnerability import FLAG_BY_CODE, FLAGS

from .models import Cube, PersonFact, PersonOrganisation, Reach, Refresh

LOCK_KEY = 190_019  # pg_advisory_xact_lock key of the rebuild
ENROLLED_STATUSES = (*pc.SEAT_STATUSES, pc.EnrolmentStatus.DROPPED_OUT)
"""Enrolments counted as "pendaftaran": everyone who took a seat, including those who dropped out later."""


def age_bands(today: dt.date) -> list[tuple[str, int, int | None]]:
    """(code, from age, below age) of the age bands, from the configured child and elderly ages."""
    child, elderly = conf().child_age, conf().elderly_age
    edges = sorted({0, child, 30, 45, elderly})
    bands: list[tuple[str, int, int | None]] = []
    for low, high in itertools.pairwise(edges):
        bands.append((f"{low}-{high - 1}", low, high))
    bands.append((f"{edges[-1]}+", edges[-1], None))
    return bands


def age_band_expression(today: dt.date, field: str = "birth_date") -> Case:
    whens = [
        When(**{f"{field}__gt": years_ago(high, today)}, then=Value(code))
        for code, _low, high in age_bands(today)
        if high is not None
    ]
    return Case(*whens, default=Value(age_bands(today)[-1][0]), output_field=CharField())


def flag_bits() -> dict[str, int]:
    """Each registered flag's bit in `flags`, in the registry's order (stored on the Refresh that used it)."""
    return {flag.code: 1 << i for i, flag in enumerate(FLAGS)}


def _insert(model: type[models.Model], columns: Sequence[str], qs: QuerySet) -> int:
    """INSERT INTO model's table (columns) <the SELECT of qs>; `qs` is a values() queryset whose selected
    expressions are in the order of `columns`. Returns the rows inserted."""
    sql, params = qs.order_by().query.sql_with_params()
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(getattr(model._meta.get_field(c), "column", c))) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({names}) {sql}", params)
        return max(cursor.rowcount, 0)


def _clear(*tables: type[models.Model]) -> None:
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608 - a model table name


CUBE_COLUMNS = [
    "fact",
    "year",
    "scope_org",
    "programme_id",
    "organisation_id",
    "village_code",
    "district_code",
    "sex",
    "age_band",
    "disabled",
    "flags",
    "value",
]


def _int(value: int) -> Value:
    return Value(value, output_field=IntegerField())


def _cube(
    qs: QuerySet,
    *,
    fact: str,
    prefix: str,
    value: Any,
    year: Any = 0,
    scope_org: Any = 0,
    programme: Any = 0,
    organisation: Any = 0,
) -> int:
    """One fact into the cube: `qs` grouped by the person dimensions reached through `prefix` (a path to PersonFact,
    "" for PersonFact itself) and by the given year/scope/programme/organisation (constants or expressions)."""

    def expr(x: Any) -> Any:
        return _int(x) if isinstance(x, int) else x

    rows = qs.values(
        c_fact=Value(fact, output_field=CharField()),
        c_year=expr(year),
        c_scope=expr(scope_org),
        c_prog=expr(programme),
        c_org=expr(organisation),
        c_village=F(f"{prefix}village_code"),
        c_district=F(f"{prefix}district_code"),
        c_sex=F(f"{prefix}sex"),
        c_age=F(f"{prefix}age_band"),
        c_dis=F(f"{prefix}disabled"),
        c_flags=F(f"{prefix}flags"),
    ).annotate(c_value=value)
    return _insert(Cube, CUBE_COLUMNS, rows)


def build_person_facts(today: dt.date, bits: dict[str, int]) -> int:
    """One row per resident (status active: not moved out, dead or merged) with its dimensions."""
    flags: Any = Value(0, output_field=BigIntegerField())
    for flag in FLAGS:
        flags = flags + Case(
            When(flag.fast_q(today), then=Value(bits[flag.code])), default=Value(0), output_field=BigIntegerField()
        )
    disability = FLAG_BY_CODE["disability"]
    # The household's representative: its head, else its first member (so each household is counted once, by the
    # sex, age and disability of the person who heads it).
    rep = _representative(Person.objects.all(), OuterRef("household"))
    qs = Person.objects.filter(status=rc.PersonStatus.ACTIVE).values(
        c_person=F("pk"),
        c_household=F("household_id"),
        c_village=F("household__village_id"),
        c_district=F("household__village__district_id"),
        c_sex=F("sex"),
        c_age=age_band_expression(today),
        c_dis=Case(When(disability.fast_q(today), then=Value(True)), default=Value(False), output_field=BooleanField()),
        c_flags=flags,
        c_rep=Case(When(pk=rep, then=Value(True)), default=Value(False), output_field=BooleanField()),
    )
    columns = [
        "person",
        "household_id",
        "village_code",
        "district_code",
        "sex",
        "age_band",
        "disabled",
        "flags",
        "household_rep",
    ]
    return _insert(PersonFact, columns, qs)


def _representative(people: QuerySet[Person], household: Any) -> Subquery:
    # The person a household is counted by: its head, else its first member, among `people` of `household`.
    return Subquery(
        people.filter(household=household, status=rc.PersonStatus.ACTIVE)
        .order_by(Case(When(relationship=rc.Relationship.HEAD, then=Value(0)), default=Value(1)), "pk")
        .values("pk")[:1]
    )


def build_partner_scopes(today: dt.date) -> int:
    """Which residents each organisation's staff may count: the people they see (registry.access.partner_people_q,
    the rule of `people_visible_to`, per organisation), each household counted by a representative among them.

    Consent is read as of the refresh's own day, or `today` if later: never an earlier day than a request reads
    it (`people_visible_to`, by date), so a figure never counts someone whose withdrawal was recorded by then.
    The household's representative is the one the regency's figures use (its head, else its first member) taken
    among the members the staff see: a household whose head they do not see is not broken down by the head's sex,
    age or disability, and a household none of whose residents they see is not counted; every part of it is read
    from rows they see."""
    consent_day = max(today, timezone.localdate())
    total = 0
    for organisation_id in Organisation.objects.order_by("pk").values_list("pk", flat=True):
        people = Person.objects.filter(partner_people_q(organisation_id, today=consent_day))
        rep = _representative(people, OuterRef("household_id"))
        qs = PersonFact.objects.filter(person__in=people.values("pk")).values(
            c_fact=F("person_id"),
            c_org=_int(organisation_id),
            c_rep=Case(When(person_id=rep, then=Value(True)), default=Value(False), output_field=BooleanField()),
        )
        total += _insert(PersonOrganisation, ["fact", "organisation_id", "household_rep"], qs)
    return total


def _in_partner_scope(fact: str, organisation: str) -> Exists:
    # The row's person (`fact`: the path to its PersonFact id) is in the person scope of the organisation at
    # `organisation` (the programme's organiser): the rows a partner's figures are counted from.
    return Exists(PersonOrganisation.objects.filter(fact_id=OuterRef(fact), organisation_id=OuterRef(organisation)))


def build_reach() -> int:
    """Residents reached by a programme: enrolled in a seat status, or assistance disbursed or received."""
    common = {
        "c_prog": F("programme_id"),
        "c_org": F("programme__organiser_id"),
        "c_first": ExtractYear("programme__start_date"),
        "c_last": ExtractYear("programme__end_date"),
    }
    enrolled = Enrolment.objects.filter(status__in=pc.SEAT_STATUSES, person__analytics_fact__isnull=False).values(
        c_fact=F("person_id"), **common
    )
    assisted = Assistance.objects.filter(status__in=pc.SPENT_STATUSES, person__analytics_fact__isnull=False).values(
        c_fact=F("person_id"), **common
    )
    return _insert(
        Reach,
        ["fact", "programme_id", "organisation_id", "first_year", "last_year"],
        enrolled.order_by().union(assisted.order_by()),
    )


def build_cube(today: dt.date) -> int:
    total = 0
    people = PersonFact.objects.all()
    total += _cube(people, fact="person", prefix="", value=Count("*"))
    total += _cube(people.filter(household_rep=True), fact="household", prefix="", value=Count("*"))
    scoped = PersonOrganisation.objects.all()
    total += _cube(scoped, fact="person", prefix="fact__", value=Count("*"), scope_org=F("organisation_id"))
    total += _cube(
        scoped.filter(household_rep=True),
        fact="household",
        prefix="fact__",
        value=Count("*"),
        scope_org=F("organisation_id"),
    )
    # Reached, per year a programme runs: distinct people, by any programme, per programme and per organisation; and
    # for an organisation's staff (scope_org), per programme and per organisation of its own, over the people they
    # see.
    span = Reach.objects.aggregate(first=models.Min("first_year"), last=models.Max("last_year"))
    if span["first"] is not None:
        for year in range(max(span["first"], today.year - 15), min(span["last"], today.year + 5) + 1):
            reach = Reach.objects.filter(first_year__lte=year, last_year__gte=year)
            seen = reach.filter(_in_partner_scope("fact_id", "organisation_id"))
            distinct = Count("fact_id", distinct=True)
            by_programme = {"programme": F("programme_id"), "organisation": F("organisation_id")}
            by_organisation = {"organisation": F("organisation_id")}
            total += _cube(reach, fact="reached", prefix="fact__", value=distinct, year=year)
            for rows, scope_org in ((reach, 0), (seen, F("organisation_id"))):
                for per in (by_programme, by_organisation):
                    total += _cube(
                        rows, fact="reached", prefix="fact__", value=distinct, year=year, scope_org=scope_org, **per
                    )
    # Enrolments, completions, drop-outs and money: additive, one row per programme and its organiser; and for its
    # organiser's staff (scope_org), the same over the people they see.
    fact = "person__analytics_fact__"
    per_programme = {"programme": F("programme_id"), "organisation": F("programme__organiser_id")}

    def additive(qs: QuerySet, name: str, value: Any, year: Any) -> int:
        seen = qs.filter(_in_partner_scope("person_id", "programme__organiser_id"))
        n = _cube(qs, fact=name, prefix=fact, value=value, year=year, **per_programme)
        return n + _cube(
            seen,
            fact=name,
            prefix=fact,
            value=value,
            year=year,
            scope_org=F("programme__organiser_id"),
            **per_programme,
        )

    enrolments = Enrolment.objects.filter(person__analytics_fact__isnull=False)
    started = ExtractYear(Coalesce("enrolled_on", TruncDate("created_at")))
    ended = ExtractYear(Coalesce("ended_on", TruncDate("updated_at")))
    total += additive(enrolments.filter(status__in=ENROLLED_STATUSES), "enrolled", Count("*"), started)
    total += additive(enrolments.filter(status=pc.EnrolmentStatus.COMPLETED), "completed", Count("*"), ended)
    total += additive(enrolments.filter(status=pc.EnrolmentStatus.DROPPED_OUT), "dropped", Count("*"), ended)
    assistance = Assistance.objects.filter(
        person__analytics_fact__isnull=False, status__in=pc.SPENT_STATUSES, amount__isnull=False
    )
    total += additive(assistance, "disbursed", Sum("amount"), ExtractYear("date"))
    # How many disbursements each sum is made of: an amount of fewer than five is not shown to aggregate-only roles.
    total += additive(assistance, "disbursements", Count("*"), ExtractYear("date"))
    # Rights cases of migrant workers: open, and open past the due date of their stage as of `today`.
    cases = RightsCase.objects.filter(person__analytics_fact__isnull=False).exclude(stage=mc.CaseStage.CLOSED)
    total += _cube(cases, fact="case_open", prefix=fact, value=Count("*"))
    total += _cube(cases.filter(overdue_q(today)), fact="case_overdue", prefix=fact, value=Count("*"))
    return total


def rebuild(*, today: dt.date | None = None, step: Callable[[str], None] | None = None) -> Refresh:
    """Rebuild every analytics table from the records, in one transaction, and record the refresh."""
    today = today or timezone.localdate()
    bits = flag_bits()
    refresh = Refresh.objects.create(started_at=timezone.now(), as_of=today, flag_bits=bits)
    started = time.monotonic()
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            _clear(Cube, Reach, PersonOrganisation, PersonFact)
            rows = 0
            for label, build in (
                ("penduduk", lambda: build_person_facts(today, bits)),
                ("cakupan mitra", lambda: build_partner_scopes(today)),
                ("jangkauan program", build_reach),
                ("kubus agregat", lambda: build_cube(today)),
            ):
                if step is not None:
                    step(label)
                rows += build()
    except Exception as exc:
        Refresh.objects.filter(pk=refresh.pk).update(
            status=Refresh.Status.FAILED, finished_at=timezone.now(), error=str(exc)[:500]
        )
        raise
    refresh.status = Refresh.Status.SUCCEEDED
    refresh.finished_at = timezone.now()
    refresh.rows = rows
    refresh.seconds = round(time.monotonic() - started, 2)
    refresh.save(update_fields=["status", "finished_at", "rows", "seconds"])
    return refresh


def latest() -> Refresh | None:
    """The last refresh that succeeded: the tables hold the records as they were at its `started_at`."""
    return Refresh.objects.filter(status=Refresh.Status.SUCCEEDED).order_by("-started_at").first()


def rebuilt_job(job: Any, progress: Any) -> dict[str, Any]:
    """Background-job handler (berdaya.jobs; scheduled hourly, and started by an officer's "perbarui sekarang")."""

    def step(label: str) -> None:
        progress.update(message=f"Membangun {label}…", force=True)

    refresh = rebuild(step=step)
    return {"rows": refresh.rows, "seconds": refresh.seconds, "refresh": refresh.pk}


Q_UNUSED = Q  # keep the import list stable for the measures module's docs
