"""Demo outcome surveys: a baseline and the follow-ups due so far for the people enrolled in the demo programmes,
and the same for comparable people who never took part (same district, sex, welfare decile band and vulnerable
group), with a modest simulated effect, so that the impact page has something to estimate and the graduation page
someone to list.

Incomes are monthly household Rupiah, drawn around a level that falls with the welfare decile. Everyone's income
grows a little (the common trend); participants gain about `effect` Rupiah a month more by the 12-month follow-up.
The numbers are made up: they only have the shape of real ones.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from berdaya.accounts.models import User
from berdaya.core.access import REGENCY_WIDE
from berdaya.markets.models import Commodity
from berdaya.organisations.models import Organisation
from berdaya.outcomes import choices as c
from berdaya.outcomes import services
from berdaya.outcomes.impact import vulnerable_group_case
from berdaya.outcomes.models import OutcomePlan, OutcomeSurvey
from berdaya.outcomes.selectors import add_months
from berdaya.programmes import choices as pc
from berdaya.programmes.models import Enrolment, Programme
from berdaya.registry.models import Person

COMPARISONS_PER_PARTICIPANT = 2
# Weighted criteria, so that the graduation page shows people who are close as well as graduates.
DEMO_CRITERIA = {
    "threshold": 100,
    "close_at": 60,
    "criteria": [
        {"type": "income_above_line", "follow_ups": 2, "multiple": 1, "weight": 2},
        {"type": "business_running", "months": 12, "weight": 1},
    ],
}
# The demo programmes are recent (their follow-ups are not due yet), so one finished programme is added whose
# 6- and 12-month follow-ups have been taken: enough participants for the impact page to estimate something.
EVALUATED_NAME = "Sekolah Lapang Karet Bersih 2025 (dievaluasi)"
EVALUATED_PARTICIPANTS = 100


@dataclass
class Result:
    programmes: int = 0
    participants: int = 0
    comparisons: int = 0
    surveys: int = 0
    graduated: int = 0


def demo_has_run() -> bool:
    return OutcomeSurvey.objects.exists()


def _actor() -> User | None:
    return (
        User.objects.filter(username="petugas").first()
        or User.objects.filter(role__in=REGENCY_WIDE, is_active=True).order_by("pk").first()
    )


def _people() -> dict[int, dict]:
    """Every living adult with what matching reads, in one query."""
    rows = (
        Person.objects.living()
        .annotate(
            district=F("household__village__district_id"),
            vgroup=vulnerable_group_case(),
            decile=Coalesce(
                "household__welfare__verified_decile",
                "household__welfare__official_decile",
                "household__welfare__local_decile",
            ),
            size=Count("household__members", filter=Q(household__members__status="active")),
        )
        .values("pk", "household_id", "district", "vgroup", "decile", "sex", "size")
    )
    return {r["pk"]: r for r in rows}


def _key(row: dict) -> tuple:
    return (row["district"], row["vgroup"], ((row["decile"] or 0) + 1) // 2, row["sex"])


def demo_outcomes(*, seed: int, today: dt.date | None = None, effect: int = 400_000) -> Result:
    rng = random.Random(seed)
    today = today or timezone.localdate()
    actor = _actor()
    if actor is None:
        raise ValueError("no officer")
    people = _people()
    by_key: dict[tuple, list[int]] = {}
    for pk, row in people.items():
        by_key.setdefault(_key(row), []).append(pk)
    commodities = list(Commodity.objects.filter(is_active=True).order_by("pk")[:4])
    _evaluated_programme(rng, by_key, actor, today)
    result = Result()
    surveys: list[OutcomeSurvey] = []
    compared: set[int] = set()
    for programme in Programme.objects.order_by("pk"):
        enrolments = list(
            Enrolment.objects.filter(
                programme=programme,
                status__in=pc.SEAT_STATUSES,
                enrolled_on__isnull=False,
                enrolled_on__lte=today - dt.timedelta(days=20),
            ).values_list("person_id", "enrolled_on")
        )
        if not enrolments:
            continue
        result.programmes += 1
        OutcomePlan.objects.get_or_create(
            programme=programme,
            defaults={
                "follow_up_months": [6, 12],
                "graduation_criteria": DEMO_CRITERIA,
                "updated_by": actor,
            },
        )
        ever = set(Enrolment.objects.filter(programme=programme).values_list("person_id", flat=True))
        for person_id, enrolled_on in enrolments:
            found = people.get(person_id)
            if found is None or enrolled_on is None:
                continue
            row = found
            result.participants += 1
            surveys += _series(rng, row, programme, enrolled_on, today, effect, actor, commodities)
            pool = [pk for pk in by_key.get(_key(row), []) if pk not in ever and pk not in compared]
            for pk in rng.sample(pool, k=min(len(pool), COMPARISONS_PER_PARTICIPANT)):
                compared.add(pk)
                result.comparisons += 1
                surveys += _series(rng, people[pk], None, enrolled_on, today, 0, actor, commodities)
    OutcomeSurvey.objects.bulk_create(surveys, batch_size=2000)
    result.surveys = len(surveys)
    for programme in Programme.objects.filter(pk__in=OutcomePlan.objects.values("programme_id")):
        result.graduated += services.graduation_refresh(programme=programme, as_of=today)["graduated"]
    return result


def _evaluated_programme(rng: random.Random, by_key: dict[tuple, list[int]], actor: User, today: dt.date) -> None:
    """A programme that started 14 months ago, its participants drawn from groups of alike people (same district,
    vulnerable group, decile pair and sex) that hold at least three more, so each can have comparisons."""
    if Programme.objects.filter(name=EVALUATED_NAME).exists():
        return
    organiser = Organisation.objects.order_by("pk").first()
    if organiser is None:
        return
    start = add_months(today, -14)
    pool = [pk for pks in by_key.values() if len(pks) >= 4 for pk in pks[: len(pks) // 3]]
    chosen = rng.sample(pool, k=min(len(pool), EVALUATED_PARTICIPANTS))
    if not chosen:
        return
    programme = Programme.objects.create(
        name=EVALUATED_NAME,
        kind=pc.ProgrammeKind.FIELD_SCHOOL,
        description="Program demo yang sudah selesai dan dievaluasi dengan survei hasil.",
        organiser=organiser,
        target_groups=["smallholder"],
        start_date=start,
        end_date=add_months(start, 3),
        capacity=EVALUATED_PARTICIPANTS,
        budget=EVALUATED_PARTICIPANTS * 2_500_000,
        status=pc.ProgrammeStatus.CLOSED,
        created_by=actor,
    )
    Enrolment.objects.bulk_create(
        Enrolment(
            programme=programme,
            person_id=pk,
            status=pc.EnrolmentStatus.COMPLETED,
            enrolled_on=start,
            ended_on=add_months(start, 3),
            created_by=actor,
        )
        for pk in chosen
    )


def _series(
    rng: random.Random,
    row: dict,
    programme: Programme | None,
    start: dt.date,
    today: dt.date,
    effect: int,
    actor: User,
    commodities: list[Commodity],
) -> list[OutcomeSurvey]:
    """A person's baseline at `start` and their 6- and 12-month follow-ups that have fallen due by `today`."""
    decile = row["decile"] or 5
    # The household's own level, the same in every series of the person (one person may be in two programmes).
    own = random.Random(row["pk"] * 7_919 + 17)
    level = max(600_000, int(own.gauss(3_200_000 - 220_000 * decile, 450_000)))
    farm_share = own.uniform(0.3, 0.8)
    commodity = own.choice(commodities) if commodities and own.random() < 0.7 else None
    area = round(own.uniform(0.3, 2.0), 2) if commodity else None
    base_yield = own.uniform(600, 1200)
    base_price = own.uniform(7_000, 9_000)  # rubber at the farm gate (../shared/domain.md)
    size = max(1, row["size"] or rng.randint(2, 5))
    out = []
    for month in (0, 6, 12):
        day = add_months(start, month) - dt.timedelta(days=rng.randint(0, 10)) if month else start
        if day > today:
            break
        trend = 1 + 0.04 * month / 12
        gain = effect * month / 12
        income = max(0, int(level * trend + gain + rng.gauss(0, 150_000)))
        farming = int(income * farm_share)
        out.append(
            OutcomeSurvey(
                person_id=row["pk"],
                household_id=row["household_id"],
                programme=programme,
                round=c.Round.FOLLOW_UP if month else c.Round.BASELINE,
                round_month=month,
                interview_date=day,
                household_size=size,
                income_farming=farming,
                income_wages=int((income - farming) * 0.6),
                income_business=income - farming - int((income - farming) * 0.6),
                employed=True,
                hours_worked=rng.choice([25, 35, 40, 48]),
                business_running=(rng.random() < (0.8 if effect else 0.5)) if month else None,
                commodity=commodity,
                yield_kg=round(base_yield * area * (trend + (0.1 * month / 12 if effect else 0)), 1)
                if area is not None
                else None,
                area_ha=area,
                price_obtained=(
                    int(base_price * (1 + 0.02 * month / 12 + (0.12 * month / 12 if effect else 0)))
                    if area is not None
                    else None
                ),
                savings=max(0, int(rng.gauss(150_000 + gain * 0.8, 80_000))),
                wellbeing=min(10, max(0, round(rng.gauss(5 + (1.0 * month / 12 if effect else 0), 1.5)))),
                source=c.Source.WEB,
                entered_by=actor,
            )
        )
    return out
