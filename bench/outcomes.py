"""Outcome benchmark: a synthetic registry of N people (bench/targeting.py's builder), one programme with a tenth of
the people enrolled, and a baseline and a 12-month follow-up for a fifth of the people (participants and others),
then the impact estimate (panel load + matching + DiD), the graduation list's SQL form for the whole programme, and
the graduation rate.

    python bench/outcomes.py --people 1000000                   # SQLite (a fresh file in /tmp)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/berdaya_bench_out python bench/outcomes.py

Prints one JSON line: median times, and the floor measured in the same process: one plain SELECT of the outcome
columns of every baseline and follow-up (the least the impact estimate has to read).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from _setup import django_for_bench  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    django_for_bench("outcomes")
    import datetime as dt

    from django.db import connection, transaction

    from berdaya.accounts.models import User
    from berdaya.organisations.models import Organisation
    from berdaya.outcomes import graduation, impact, selectors
    from berdaya.programmes.models import Enrolment, Programme
    from targeting import build  # bench/targeting.py

    vendor = connection.vendor
    result: dict = {"db": vendor, "people": args.people}
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("outcomes_graduation", "outcomes_outcomesurvey", "outcomes_outcomeplan", "programmes_enrolment"):
            cursor.execute(f"DELETE FROM {table}")
        build(cursor, vendor, args.people)
        officer, _ = User.objects.get_or_create(username="bench-officer", defaults={"role": "officer"})
        org, _ = Organisation.objects.get_or_create(name="Dinas Bench", defaults={"kind": "government"})
        Programme.objects.filter(name__startswith="Bench ").delete()
        programme = Programme.objects.create(
            name="Bench Outcomes",
            kind="skills_training",
            organiser=org,
            start_date=dt.date(2025, 1, 1),
            end_date=dt.date(2025, 12, 31),
            capacity=1_000_000,
            status="running",
            created_by=officer,
        )
        cursor.execute(
            "INSERT INTO programmes_enrolment (programme_id, person_id, status, source, reason, "
            "capacity_override_reason, enrolled_on, ended_on, created_by_id, created_at, updated_at) "
            "SELECT %s, p.id, 'active', 'manual', '', '', %s, NULL, %s, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP "
            "FROM registry_person p WHERE p.id %% 10 = 0",
            [programme.pk, dt.date(2025, 1, 10), officer.pk],
        )
        columns = (
            "person_id, household_id, programme_id, round, round_month, interview_date, household_size, "
            "income_farming, income_wages, income_business, income_remittances, income_transfers, income_other, "
            "employed, hours_worked, business_running, commodity_id, yield_kg, area_ha, price_obtained, savings, "
            "wellbeing, source, entered_by_id, created_at"
        )
        for round_, month, day, gain in (
            ("baseline", 0, dt.date(2025, 1, 12), 0),
            ("follow_up", 12, dt.date(2026, 1, 12), 1),
        ):
            # Participants (id % 10 = 0) carry the programme; others (id % 10 = 5) are the comparison pool.
            cursor.execute(
                f"INSERT INTO outcomes_outcomesurvey ({columns}) "
                "SELECT p.id, p.household_id, CASE WHEN p.id %% 10 = 0 THEN %s END, %s, %s, %s, 4, "
                "1000000 + (p.id * 7919) %% 900000 + %s * (100000 + (p.id * 104729) %% 200000 "
                "+ CASE WHEN p.id %% 10 = 0 THEN 300000 ELSE 0 END), "
                "200000, 0, 0, 0, 0, TRUE, 40, TRUE, NULL, NULL, NULL, NULL, 100000, 5, 'web', %s, CURRENT_TIMESTAMP "
                "FROM registry_person p WHERE p.id %% 5 = 0",
                [programme.pk, round_, month, day, gain, officer.pk],
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")
    result["build_s"] = round(time.perf_counter() - t0, 2)
    result["surveys"] = programme.outcome_surveys.count() + impact.OutcomeSurvey.objects.filter(programme=None).count()

    def floor() -> float:
        with connection.cursor() as cursor:
            t0 = time.perf_counter()
            cursor.execute(
                "SELECT person_id, round, interview_date, income_farming + income_wages FROM outcomes_outcomesurvey"
            )
            cursor.fetchall()
            return time.perf_counter() - t0

    def timed(fn) -> tuple[float, object]:
        t0 = time.perf_counter()
        value = fn()
        return time.perf_counter() - t0, value

    today = dt.date(2026, 6, 30)
    floors, impacts, lists, rates = [], [], [], []
    estimate = None
    for _ in range(max(1, args.repeat)):
        floors.append(floor())
        seconds, estimate = timed(lambda: impact.impact_estimate(programme=programme, outcome="total_income"))
        impacts.append(seconds)
        seconds, _n = timed(
            lambda: len(
                graduation.annotate_graduation(
                    Enrolment.objects.filter(programme=programme),
                    graduation.default_criteria(),
                    as_of=today,
                    poverty_line=500_000,
                ).values_list("pk", "grad_status")
            )
        )
        lists.append(seconds)
        seconds, _r = timed(lambda: selectors.graduation_rate(programme, (dt.date(2025, 1, 1), today)))
        rates.append(seconds)
    assert estimate is not None
    e = estimate.estimate  # type: ignore[attr-defined]
    result.update(
        {
            "n_treated": e.n_treated,
            "n_control": e.n_control,
            "effect": round(e.effect or 0),
            "floor_s": round(statistics.median(floors), 3),
            "impact_s": round(statistics.median(impacts), 3),
            "impact_vs_floor": round(statistics.median(impacts) / max(statistics.median(floors), 1e-9), 2),
            "graduation_sql_s": round(statistics.median(lists), 3),
            "graduation_rate_s": round(statistics.median(rates), 4),
        }
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
