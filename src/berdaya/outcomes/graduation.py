"""Graduation ("lebih mandiri"): a programme's criteria as data, one definition in two forms that must agree.

The criteria of a programme (OutcomePlan.graduation_criteria) are JSON, checked by `criteria_errors`:

    {"threshold": 100, "close_at": 50,
     "criteria": [{"type": "income_above_line", "follow_ups": 2, "multiple": 1.0, "weight": 1},
                  {"type": "business_running", "months": 12, "weight": 1},
                  {"type": "measure_at_least", "measure": "savings", "value": 500000, "weight": 1}]}

What each criterion reads is the participant's *evidence*: their follow-up and ad-hoc surveys for this programme
taken on or before the day evaluated, newest first by (interview date, id):
- `income_above_line`: the newest `follow_ups` surveys all exist, and in each the household's income per person
  is at least `multiple` times the poverty line (compared as total income >= per-person line x household size, in
  whole Rupiah, so both forms do the same integer arithmetic);
- `business_running`: the newest survey at `months` or more after enrolment (round_month) says the business still
  runs;
- `measure_at_least`: the newest survey's `measure` is at least `value` (a missing value does not meet it).
A participant meets a criterion or not; the weights of the criteria met add up to a score. They have graduated when
the score is at least `threshold` per cent of the total weight, and are "close" below it but at or above `close_at`.

`evaluate` is the definition in plain Python over loaded surveys (the reference). `annotate_graduation` is the same
rule as SQL over an Enrolment queryset, for a whole programme in one query; tests/test_graduation_property.py holds
them equal on random surveys and criteria (hypothesis), as targeting does for its rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from berdaya.core.conf import conf

from . import choices as c
from .models import OutcomePlan, OutcomeSurvey

EVIDENCE_ROUNDS = (c.Round.FOLLOW_UP, c.Round.ADHOC)
TYPES = ("income_above_line", "business_running", "measure_at_least")
# The measures `measure_at_least` may read: each a column of the survey or the total of the income columns.
MEASURES = {
    "total_income": gettext_lazy("pendapatan rumah tangga sebulan (Rp)"),
    "savings": gettext_lazy("tabungan (Rp)"),
    "wellbeing": gettext_lazy("tangga kesejahteraan (0-10)"),
    "price_obtained": gettext_lazy("harga jual yang diperoleh (Rp/kg)"),
    "hours_worked": gettext_lazy("jam kerja seminggu"),
}
MAX_CRITERIA = 8


class Status:
    GRADUATED = "graduated"
    CLOSE = "close"
    NOT_YET = "not_yet"
    NO_DATA = "no_data"
    FELL_BACK = "fell_back"


STATUS_LABELS = {
    Status.GRADUATED: gettext_lazy("Lulus mandiri (graduasi)"),
    Status.CLOSE: gettext_lazy("Hampir mandiri"),
    Status.NOT_YET: gettext_lazy("Belum mandiri"),
    Status.NO_DATA: gettext_lazy("Belum ada survei tindak lanjut"),
    Status.FELL_BACK: gettext_lazy("Kembali rentan (pernah graduasi)"),
}


def default_criteria() -> dict[str, Any]:
    """The seed's example: income per person above the poverty line at two follow-ups in a row."""
    return {
        "threshold": 100,
        "close_at": 50,
        "criteria": [{"type": "income_above_line", "follow_ups": 2, "multiple": 1, "weight": 1}],
    }


# --- checking the data -------------------------------------------------------------------------------------------


def _int(value: Any, lo: int, hi: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        return None
    return value


def criteria_errors(data: Any) -> list[str]:
    """What is wrong with a criteria document, in Indonesian; [] when it may be saved."""
    if not isinstance(data, dict):
        return [_("Kriteria graduasi harus berupa objek JSON.")]
    errors: list[str] = []
    unknown = set(data) - {"threshold", "close_at", "criteria"}
    if unknown:
        errors.append(_("Kunci tidak dikenal: %(k)s.") % {"k": ", ".join(sorted(unknown))})
    threshold = _int(data.get("threshold", 100), 1, 100)
    if threshold is None:
        errors.append(_("“threshold” harus bilangan bulat 1 sampai 100 (persen dari total bobot)."))
    close_at = _int(data.get("close_at", 50), 0, 100)
    if close_at is None:
        errors.append(_("“close_at” harus bilangan bulat 0 sampai 100 (persen dari total bobot)."))
    elif threshold is not None and close_at > threshold:
        errors.append(_("“close_at” tidak boleh lebih besar dari “threshold”."))
    items = data.get("criteria")
    if not isinstance(items, list) or not items:
        return [*errors, _("Isi sedikitnya satu kriteria dalam “criteria”.")]
    if len(items) > MAX_CRITERIA:
        errors.append(_("Paling banyak %(n)s kriteria.") % {"n": MAX_CRITERIA})
    for index, item in enumerate(items, start=1):
        errors += [_("Kriteria %(i)s: %(e)s") % {"i": index, "e": e} for e in _criterion_errors(item)]
    return errors


def _criterion_errors(item: Any) -> list[str]:
    if not isinstance(item, dict):
        return [_("harus berupa objek JSON.")]
    kind = item.get("type")
    if kind not in TYPES:
        return [_("jenis “%(t)s” tidak dikenal (pilih: %(all)s).") % {"t": kind, "all": ", ".join(TYPES)}]
    allowed = {"type", "weight"} | {
        "income_above_line": {"follow_ups", "multiple"},
        "business_running": {"months"},
        "measure_at_least": {"measure", "value"},
    }[kind]
    errors = []
    if set(item) - allowed:
        errors.append(_("kunci tidak dikenal: %(k)s.") % {"k": ", ".join(sorted(set(item) - allowed))})
    if _int(item.get("weight", 1), 1, 100) is None:
        errors.append(_("“weight” harus bilangan bulat 1 sampai 100."))
    if kind == "income_above_line":
        if _int(item.get("follow_ups", 1), 1, 6) is None:
            errors.append(_("“follow_ups” harus bilangan bulat 1 sampai 6."))
        if _multiple(item.get("multiple", 1)) is None:
            errors.append(_("“multiple” harus angka lebih dari 0 dan paling besar 10."))
    elif kind == "business_running":
        if _int(item.get("months", 12), 0, 120) is None:
            errors.append(_("“months” harus bilangan bulat 0 sampai 120."))
    else:
        if item.get("measure") not in MEASURES:
            errors.append(_("“measure” harus salah satu dari: %(m)s.") % {"m": ", ".join(MEASURES)})
        value = item.get("value")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            errors.append(_("“value” harus bilangan bulat tidak negatif."))
    return errors


def _multiple(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        multiple = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return multiple if Decimal(0) < multiple <= 10 else None


def line_per_person(multiple: Any, poverty_line: int) -> int:
    """The per-person income (whole Rupiah, rounded up) a criterion asks for."""
    m = _multiple(multiple) or Decimal(1)
    return int((m * poverty_line).to_integral_value(rounding=ROUND_CEILING))


def poverty_line_of(plan: OutcomePlan | None) -> int:
    if plan is not None and plan.poverty_line:
        return plan.poverty_line
    return conf().poverty_line


def criteria_of(plan: OutcomePlan | None) -> dict[str, Any]:
    return (plan.graduation_criteria if plan is not None and plan.graduation_criteria else None) or default_criteria()


# --- the reference: plain Python over loaded surveys --------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    score: int
    total: int
    met: tuple[bool, ...]
    has_evidence: bool
    status: str


def _measure(survey: Any, measure: str) -> int | None:
    if measure == "total_income":
        return sum(getattr(survey, name) or 0 for name in c.INCOME_FIELDS)
    value = getattr(survey, measure)
    return None if value is None else int(value)


def _meets(item: dict[str, Any], evidence: Sequence[Any], poverty_line: int) -> bool:
    kind = item["type"]
    if kind == "income_above_line":
        k = item.get("follow_ups", 1)
        per_person = line_per_person(item.get("multiple", 1), poverty_line)
        newest = evidence[:k]
        return len(newest) == k and all(_measure(s, "total_income") >= per_person * s.household_size for s in newest)
    if kind == "business_running":
        later = [s for s in evidence if s.round_month >= item.get("months", 12)]
        return bool(later) and later[0].business_running is True
    value = _measure(evidence[0], item["measure"]) if evidence else None
    return value is not None and value >= item["value"]


def status_of(score: int, total: int, criteria: dict[str, Any], has_evidence: bool) -> str:
    if not has_evidence:
        return Status.NO_DATA
    if score * 100 >= criteria.get("threshold", 100) * total:
        return Status.GRADUATED
    if score * 100 >= criteria.get("close_at", 50) * total:
        return Status.CLOSE
    return Status.NOT_YET


def evaluate(
    criteria: dict[str, Any], surveys: Iterable[Any], *, programme_id: int, as_of: dt.date, poverty_line: int
) -> Evaluation:
    """The definition: a person's status from their surveys (any order; others' and other programmes' are ignored)."""
    evidence = sorted(
        (
            s
            for s in surveys
            if s.programme_id == programme_id and s.round in EVIDENCE_ROUNDS and s.interview_date <= as_of
        ),
        key=lambda s: (s.interview_date, s.pk),
        reverse=True,
    )
    items = criteria["criteria"]
    met = tuple(_meets(item, evidence, poverty_line) for item in items)
    score = sum(item.get("weight", 1) for item, ok in zip(items, met, strict=True) if ok)
    total = sum(item.get("weight", 1) for item in items)
    has_evidence = bool(evidence)
    return Evaluation(score, total, met, has_evidence, status_of(score, total, criteria, has_evidence))


# --- the same rule as SQL --------------------------------------------------------------------------------------


def _total_income() -> Any:
    expr: Any = F(c.INCOME_FIELDS[0])
    for name in c.INCOME_FIELDS[1:]:
        expr = expr + F(name)
    return ExpressionWrapper(expr, output_field=IntegerField())


def _evidence(as_of: dt.date) -> QuerySet[OutcomeSurvey]:
    return OutcomeSurvey.objects.filter(
        person_id=OuterRef("person_id"),
        programme_id=OuterRef("programme_id"),
        round__in=EVIDENCE_ROUNDS,
        interview_date__lte=as_of,
    )


NEWEST = ("-interview_date", "-id")


def annotate_graduation(
    enrolments: QuerySet, criteria: dict[str, Any], *, as_of: dt.date, poverty_line: int
) -> QuerySet:
    """`enrolments` (an Enrolment queryset) annotated with `grad_c0..` (each criterion met), `grad_score`,
    `grad_evidence` and `grad_status`: the rule of `evaluate`, one SQL statement for any number of people."""
    items = criteria["criteria"]
    annotations: dict[str, Any] = {}
    conditions: list[Q] = []
    for index, item in enumerate(items):
        kind = item["type"]
        name = f"grad_c{index}"
        if kind == "income_above_line":
            k = item.get("follow_ups", 1)
            per_person = line_per_person(item.get("multiple", 1), poverty_line)
            kth = _evidence(as_of).order_by(*NEWEST)[k - 1 : k]
            annotations[f"{name}_id"] = Subquery(kth.values("id"))
            annotations[f"{name}_date"] = Subquery(kth.values("interview_date"))
            below = (
                _evidence(as_of)
                .filter(
                    Q(interview_date__gt=OuterRef(f"{name}_date"))
                    | Q(interview_date=OuterRef(f"{name}_date"), id__gte=OuterRef(f"{name}_id"))
                )
                .annotate(_total=_total_income())
                .filter(_total__lt=F("household_size") * Value(per_person))
            )
            conditions.append(Q(**{f"{name}_id__isnull": False}) & Q(~Exists(below)))
        elif kind == "business_running":
            later = _evidence(as_of).filter(round_month__gte=item.get("months", 12)).order_by(*NEWEST)
            annotations[f"{name}_v"] = Subquery(later.values("business_running")[:1], output_field=BooleanField())
            conditions.append(Q(**{f"{name}_v": True}))
        else:
            newest = _evidence(as_of).order_by(*NEWEST)
            if item["measure"] == "total_income":
                newest = newest.annotate(_v=_total_income())
                column = "_v"
            else:
                column = item["measure"]
            annotations[f"{name}_v"] = Subquery(newest.values(column)[:1], output_field=IntegerField())
            conditions.append(Q(**{f"{name}_v__gte": item["value"]}))
    qs = enrolments.annotate(**annotations)
    met = {
        f"grad_c{i}": Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())
        for i, q in enumerate(conditions)
    }
    score: Any = Value(0)
    for item, q in zip(items, conditions, strict=True):
        score = score + Case(When(q, then=Value(item.get("weight", 1))), default=Value(0))
    total = sum(item.get("weight", 1) for item in items)
    qs = qs.annotate(**met, grad_score=ExpressionWrapper(score, output_field=IntegerField()))
    qs = qs.annotate(grad_evidence=Exists(_evidence(as_of)))
    threshold, close_at = criteria.get("threshold", 100), criteria.get("close_at", 50)
    return qs.annotate(
        grad_status=Case(
            When(grad_evidence=False, then=Value(Status.NO_DATA)),
            When(Q(grad_score__gte=_ceil_div(threshold * total, 100)), then=Value(Status.GRADUATED)),
            When(Q(grad_score__gte=_ceil_div(close_at * total, 100)), then=Value(Status.CLOSE)),
            default=Value(Status.NOT_YET),
        )
    )


def _ceil_div(a: int, b: int) -> int:
    """score * 100 >= pct * total  <=>  score >= ceil(pct * total / 100), for whole scores."""
    return -(-a // b)
