"""Writes of outcome data: surveys, a programme's outcome plan, and the graduation records. Each write checks who
may make it (access.py), the values (rules.py), runs in one transaction and leaves an audit row."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.audit import audit
from berdaya.jobs.models import Job
from berdaya.jobs.progress import Progress
from berdaya.jobs.services import job_start
from berdaya.programmes import choices as pc
from berdaya.programmes.models import Enrolment, Programme
from berdaya.registry.models import Person

from . import access, graduation, impact, rules
from . import choices as c
from .models import Graduation, OutcomePlan, OutcomeSurvey

SURVEY_FIELDS = (
    "round",
    "round_month",
    "interview_date",
    "household_size",
    *c.INCOME_FIELDS,
    "employed",
    "hours_worked",
    "business_running",
    "commodity",
    "yield_kg",
    "area_ha",
    "price_obtained",
    "savings",
    "wellbeing",
)
# Enrolments whose person may carry surveys of the programme: anyone who was ever on it (a drop-out's outcomes are
# still measured: leaving them out would flatter the programme).
SURVEYED_STATUSES = (*pc.SEAT_STATUSES, pc.EnrolmentStatus.DROPPED_OUT, pc.EnrolmentStatus.PROPOSED)


def duplicate_of(*, person_id: int, programme_id: int | None, round_: str, round_month: int) -> OutcomeSurvey | None:
    """The survey this one would repeat: one baseline per person and programme, one follow-up per month."""
    if round_ == c.Round.ADHOC:
        return None
    same = OutcomeSurvey.objects.filter(person_id=person_id, round=round_, round_month=round_month)
    if programme_id is None:
        return same.filter(programme__isnull=True).first()
    return same.filter(programme_id=programme_id).first()


@transaction.atomic
def survey_record(
    *,
    actor: User,
    person: Person,
    programme: Programme | None,
    data: dict[str, Any],
    source: str = c.Source.WEB,
) -> OutcomeSurvey:
    access.ensure_can_record_for(actor, person)
    values = {name: data.get(name) for name in SURVEY_FIELDS}
    values["round_month"] = values["round_month"] or 0
    values["employed"] = bool(values["employed"])
    errors = rules.survey_errors({**values, "programme": programme}, today=timezone.localdate())
    if (
        programme is not None
        and not Enrolment.objects.filter(programme=programme, person=person, status__in=SURVEYED_STATUSES).exists()
    ):
        errors.setdefault("programme", []).append(_("Penduduk ini tidak terdaftar sebagai peserta program ini."))
    if errors:
        raise ValidationError(errors)
    previous = duplicate_of(
        person_id=person.pk,
        programme_id=programme.pk if programme else None,
        round_=str(values["round"]),
        round_month=int(values["round_month"] or 0),
    )
    if previous is not None:
        raise ValidationError(
            {
                "round": _("Survei putaran ini sudah dicatat untuk penduduk ini (wawancara %(d)s).")
                % {"d": date_format(previous.interview_date)}
            }
        )
    for name in (*c.INCOME_FIELDS, "savings"):
        values[name] = values[name] or 0
    survey = OutcomeSurvey(
        person=person,
        household_id=person.household_id,
        programme=programme,
        source=source,
        entered_by=actor,
        **values,
    )
    survey.full_clean()
    survey.save()
    audit(actor=actor, action="create", obj=survey, person=person.pk, source=source)
    return survey


@transaction.atomic
def plan_save(
    *,
    actor: User,
    programme: Programme,
    follow_up_months: list[int],
    criteria: dict[str, Any],
    poverty_line: int | None,
) -> OutcomePlan:
    access.ensure_can_plan(actor, programme)
    errors: dict[str, list[str]] = {}
    months = sorted(set(follow_up_months))
    if not months or any(not 1 <= m <= 120 for m in months):
        errors["follow_up_months"] = [_("Isi bulan tindak lanjut 1 sampai 120, dipisah koma (mis. 6, 12).")]
    problems = graduation.criteria_errors(criteria)
    if problems:
        errors["graduation_criteria"] = problems
    if poverty_line is not None and not 10_000 <= poverty_line <= 10_000_000:
        errors["poverty_line"] = [_("Garis kemiskinan per kapita sebulan antara Rp10.000 dan Rp10.000.000.")]
    if errors:
        raise ValidationError(errors)
    plan, _created = OutcomePlan.objects.update_or_create(
        programme=programme,
        defaults={
            "follow_up_months": months,
            "graduation_criteria": criteria,
            "poverty_line": poverty_line,
            "updated_by": actor,
        },
    )
    audit(actor=actor, action="update", obj=plan, programme=programme.pk)
    return plan


def plan_of(programme: Programme) -> OutcomePlan | None:
    return OutcomePlan.objects.filter(programme=programme).first()


@transaction.atomic
def graduation_refresh(*, programme: Programme, as_of: dt.date | None = None) -> dict[str, int]:
    """Record who graduated and who fell back as of `as_of`, set-wise (one evaluation query, bulk writes).

    A participant who meets the criteria and has no record gets one (graduated on `as_of`); one with a record who
    no longer meets them is marked fallen back (once, on the first day seen); one who meets them again is cleared."""
    as_of = as_of or timezone.localdate()
    plan = plan_of(programme)
    criteria = graduation.criteria_of(plan)
    evaluated = graduation.annotate_graduation(
        Enrolment.objects.filter(programme=programme, status__in=pc.SEAT_STATUSES),
        criteria,
        as_of=as_of,
        poverty_line=graduation.poverty_line_of(plan),
    )
    meeting = set(evaluated.filter(grad_status=graduation.Status.GRADUATED).values_list("pk", flat=True))
    records = Graduation.objects.filter(enrolment__programme=programme)
    known = set(records.values_list("enrolment_id", flat=True))
    new = [Graduation(enrolment_id=pk, graduated_on=as_of, checked_on=as_of) for pk in sorted(meeting - known)]
    Graduation.objects.bulk_create(new)
    fell = records.exclude(enrolment_id__in=meeting).filter(fell_back_on__isnull=True).update(fell_back_on=as_of)
    back = records.filter(enrolment_id__in=meeting, fell_back_on__isnull=False).update(fell_back_on=None)
    records.update(checked_on=as_of)
    return {"graduated": len(new), "fell_back": fell, "recovered": back, "meeting": len(meeting)}


def impact_job(job: Job, progress: Progress) -> dict[str, Any]:
    """Background-job handler of a large impact estimate: computes it and leaves it in the cache for the page."""
    programme = Programme.objects.get(pk=job.params["programme"])
    progress.start(1, _("Menghitung perkiraan dampak…"))
    result = impact.estimate_and_cache(
        programme, job.params["outcome"], job.params["comparison"], job.params.get("scope", "")
    )
    progress.advance()
    return {"treated": result.estimate.n_treated, "control": result.estimate.n_control}


def impact_start(*, actor: User, programme: Programme, outcome: str, comparison: str, scope: str = "") -> Job:
    """Start the estimate as a job (once per programme, outcome, comparison and scope while one is queued or
    running). `scope`: whose data it counts (access.aggregate_scope of the reader)."""
    jobs = Job.objects.filter(
        kind="outcomes.impact",
        params__programme=programme.pk,
        params__outcome=outcome,
        params__comparison=comparison,
        status__in=("queued", "running"),
    )
    running = (jobs.filter(params__scope=scope) if scope else jobs.exclude(params__has_key="scope")).first()
    if running is not None:
        return running
    return job_start(
        actor=actor,
        kind="outcomes.impact",
        handler="berdaya.outcomes.services.impact_job",
        params={
            "programme": programme.pk,
            "outcome": outcome,
            "comparison": comparison,
            **({"scope": scope} if scope else {}),
        },
        title=_("Perkiraan dampak: %(p)s") % {"p": programme.name},
        total=1,
    )


def graduation_job(job: Job, progress: Progress) -> dict[str, int]:
    """Background-job handler of the monthly graduation check (monitoring after graduation): every programme with
    participants, set-wise each."""
    totals = {"programmes": 0, "graduated": 0, "fell_back": 0, "recovered": 0}
    programmes = list(Programme.objects.filter(enrolments__status__in=pc.SEAT_STATUSES).distinct().order_by("pk"))
    progress.start(len(programmes), _("Memeriksa graduasi per program…"))
    for programme in programmes:
        counts = graduation_refresh(programme=programme)
        totals["programmes"] += 1
        for key in ("graduated", "fell_back", "recovered"):
            totals[key] += counts[key]
        progress.advance()
    return totals
