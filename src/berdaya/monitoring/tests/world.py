"""A small known world whose every figure is counted by hand in the tests (today = 15 June 2026).

People (status active unless said), villages 15.02.01.2001 (Jangkat, A) and 15.02.02.2004 (Bangko, B):
- hh1 (A): P1 woman born 1985 (head), P2 man 1983, P3 girl 2015;
- hh2 (A): P4 man 1950 (head), WG-SS walking "a lot of difficulty" (disability);
- hh3 (B): P5 woman 1990 (head); P6 man 2000 moved out; P7 man 1960 deceased (neither counted).
Programmes: X by organisation O1 (2026), budget Rp10.000.000; Y by O2 (2025-2026), budget Rp5.000.000.
Enrolments: P1 in X completed (enrolled 2026-02-01, ended 2026-05-01); P2 in X dropped out (2026-02-01, 2026-03-01);
P3 in X proposed; P4 in Y active (enrolled 2025-06-01); P5 in Y rejected.
Assistance: P5 from X disbursed Rp1.000.000 (2026-04-01); P4 from Y received Rp750.000 (2025-07-01); P4 from Y
approved Rp500.000 (not spent).
Cases: P5 open in intake since 2026-01-05 (overdue); P1 closed.
Prices: rubber farm-gate 8.000 and 10.000 in March 2026 in Jangkat, 12.000 in April; one rejected 99.000.
"""

from __future__ import annotations

import datetime as dt

from berdaya.migration import choices as mc
from berdaya.migration.models import RightsCase
from berdaya.programmes import choices as pc
from berdaya.programmes.models import Assistance, Enrolment, Programme
from berdaya.registry import choices as rc
from berdaya.testing import factories as f
from berdaya.testing import markets as mk

TODAY = dt.date(2026, 6, 15)
A, B = "15.02.01.2001", "15.02.02.2004"


def build(officer) -> dict:
    o1 = f.organisation("Yayasan Satu")
    o2 = f.organisation("Yayasan Dua")
    hh1, hh2, hh3 = f.household(village=A), f.household(village=A), f.household(village=B)
    p1 = f.person(hh=hh1, name="P1", sex=rc.Sex.FEMALE, birth_date=dt.date(1985, 3, 1))
    p2 = f.person(hh=hh1, name="P2", sex=rc.Sex.MALE, birth_date=dt.date(1983, 1, 1))
    p3 = f.person(hh=hh1, name="P3", sex=rc.Sex.FEMALE, birth_date=dt.date(2015, 1, 1), with_nik=False)
    p4 = f.person(hh=hh2, name="P4", sex=rc.Sex.MALE, birth_date=dt.date(1950, 1, 1), wgss_walking=3)
    p5 = f.person(hh=hh3, name="P5", sex=rc.Sex.FEMALE, birth_date=dt.date(1990, 1, 1))
    f.person(hh=hh3, name="P6", sex=rc.Sex.MALE, birth_date=dt.date(2000, 1, 1), status=rc.PersonStatus.MOVED_OUT)
    f.person(
        hh=hh3,
        name="P7",
        sex=rc.Sex.MALE,
        birth_date=dt.date(1960, 1, 1),
        status=rc.PersonStatus.DECEASED,
        date_of_death=dt.date(2025, 1, 1),
    )
    x = Programme.objects.create(
        name="Program X",
        kind=pc.ProgrammeKind.SKILLS_TRAINING,
        organiser=o1,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        budget=10_000_000,
        capacity=20,
        created_by=officer,
    )
    y = Programme.objects.create(
        name="Program Y",
        kind=pc.ProgrammeKind.CAPITAL,
        organiser=o2,
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2026, 12, 31),
        budget=5_000_000,
        capacity=20,
        created_by=officer,
    )
    es = pc.EnrolmentStatus
    for person, prog, status, start, end in [
        (p1, x, es.COMPLETED, dt.date(2026, 2, 1), dt.date(2026, 5, 1)),
        (p2, x, es.DROPPED_OUT, dt.date(2026, 2, 1), dt.date(2026, 3, 1)),
        (p3, x, es.PROPOSED, None, None),
        (p4, y, es.ACTIVE, dt.date(2025, 6, 1), None),
        (p5, y, es.REJECTED, None, dt.date(2025, 3, 1)),
    ]:
        Enrolment.objects.create(
            programme=prog,
            person=person,
            status=status,
            enrolled_on=start,
            ended_on=end,
            reason="Pindah kerja" if status in pc.REASON_REQUIRED else "",
            created_by=officer,
        )
    ast = pc.AssistanceStatus
    for person, prog, amount, day, status in [
        (p5, x, 1_000_000, dt.date(2026, 4, 1), ast.DISBURSED),
        (p4, y, 750_000, dt.date(2025, 7, 1), ast.ACKNOWLEDGED),
        (p4, y, 500_000, dt.date(2026, 5, 1), ast.APPROVED),
    ]:
        Assistance.objects.create(
            programme=prog,
            person=person,
            kind=pc.AssistanceKind.CASH_GRANT,
            amount=amount,
            date=day,
            status=status,
            created_by=officer,
        )
    for person, stage, entered in [(p5, mc.CaseStage.INTAKE, dt.date(2026, 1, 5)), (p1, mc.CaseStage.CLOSED, None)]:
        RightsCase.objects.create(
            person=person,
            reported_by=mc.Reporter.WORKER,
            complaint_type=mc.ComplaintType.UNPAID_WAGES,
            summary="Upah belum dibayar",
            stage=stage,
            stage_entered_on=entered or dt.date(2026, 2, 1),
            received_on=dt.date(2026, 1, 5),
            closed_on=dt.date(2026, 2, 1) if stage == mc.CaseStage.CLOSED else None,
            created_by=officer,
        )
    at = mk.point(village=A)
    for price, day, status in [
        (8_000, dt.date(2026, 3, 2), "accepted"),
        (10_000, dt.date(2026, 3, 20), "accepted"),
        (12_000, dt.date(2026, 4, 6), "confirmed"),
        (99_000, dt.date(2026, 4, 7), "rejected"),
    ]:
        mk.observe(price, at=at, date=day, status=status)
    return {"o1": o1, "o2": o2, "x": x, "y": y, "people": [p1, p2, p3, p4, p5], "households": [hh1, hh2, hh3]}
