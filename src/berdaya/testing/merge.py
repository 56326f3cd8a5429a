"""A world for merge tests: two records of one person, each with rows in every app that points at a person, and
clashes on every unique constraint (same programme, same session, same group, same need, same run...)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from berdaya.accounts.models import User
from berdaya.registry import choices as rc
from berdaya.registry.models import ConsentRecord, GroupMembership, Household, LifeEvent, Person
from berdaya.testing import factories as f
from berdaya.testing import programmes as pf


@dataclass
class MergeWorld:
    officer: User
    survivor: Person
    merged: Person
    relative: Person  # another member of the duplicate's household
    survivor_home: Household
    merged_home: Household


def _farming(person: Person, village: str) -> None:
    from berdaya.farming import choices as fc
    from berdaya.farming.models import Plot, Sale
    from berdaya.testing.markets import commodity as commodity_of
    from berdaya.testing.markets import unit as unit_of

    commodity = commodity_of("karet")
    Plot.objects.create(
        farmer=person, village_id=village, area_ha=Decimal("0.8"), tenure=fc.Tenure.OWN, commodity=commodity
    )
    unit = unit_of("kg")
    Sale.objects.create(
        farmer=person,
        date=timezone.localdate() - dt.timedelta(days=3),
        commodity=commodity,
        quantity=100,
        unit=unit,
        quantity_kg=Decimal(100),
        price_per_kg=8000,
        channel="uppb",
        season=str(timezone.localdate().year),
        district_id=village[:8],
    )


def merge_world(*, same_household: bool = False, village: str = "15.02.01.2001") -> MergeWorld:
    """Two records of Hermawan, each a household head with rows everywhere."""
    from berdaya.dedup.models import DedupRun, MatchPair, PairDecision, PersonKey
    from berdaya.inclusion import choices as ic
    from berdaya.inclusion.models import AssistiveDevice, DisabilityProfile
    from berdaya.markets.models import SubscriberConsent
    from berdaya.migration import choices as mc
    from berdaya.migration.models import RightsCase
    from berdaya.programmes import choices as pc
    from berdaya.programmes.models import Assistance, Attendance, PersonNeed
    from berdaya.targeting import choices as tc
    from berdaya.targeting import services as targeting_services
    from berdaya.targeting.models import Candidate
    from berdaya.testing.migration import episode

    officer = f.user(User.Role.OFFICER)
    survivor_home = f.household(village=village, kk_number=f.kk_number())
    survivor = f.person(hh=survivor_home, name="Hermawan", sex=rc.Sex.MALE, birth_date=dt.date(1980, 4, 2))
    merged_home = survivor_home if same_household else f.household(village=village, kk_number=f.kk_number())
    merged = f.person(
        hh=merged_home,
        name="Wawan",
        sex=rc.Sex.MALE,
        birth_date=dt.date(1980, 2, 4),
        relationship=rc.Relationship.OTHER_RELATIVE if same_household else None,
        phone="081234500001",
    )
    relative = f.person(
        hh=merged_home, name="Sumarni", relationship=rc.Relationship.SPOUSE, birth_date=dt.date(1984, 1, 1)
    )
    both = (survivor, merged)

    # registry
    group, other_group = f.group(village=village, name="Poktan Sido Makmur"), f.group(village=village, name="KUBE")
    for p in both:
        ConsentRecord.objects.create(
            person=p, basis=rc.ConsentBasis.PUBLIC_TASK, purpose="Pendataan", recorded_by=officer
        )
        GroupMembership.objects.create(group=group, person=p, joined_on=dt.date(2023, 1, 1))
    GroupMembership.objects.create(group=other_group, person=merged)
    LifeEvent.objects.create(
        kind=rc.LifeEventKind.KK_CHANGED,
        date=dt.date(2024, 1, 1),
        household=merged_home,
        person=merged,
        recorded_by=officer,
    )

    # programmes: both enrolled in one programme, attended the same session (only the duplicate present)
    shared = pf.programme(officer, name="Pelatihan Kopi")
    only_merged = pf.programme(officer, name="Pelatihan Kayu Manis")
    session = pf.session(officer, shared, days_ago=2)
    other_session = pf.session(officer, shared, days_ago=1)
    for p in both:
        pf.enrol(officer, shared, p)
        PersonNeed.objects.create(person=p, need=pf.need("sewing"), recorded_by=officer)
    pf.enrol(officer, only_merged, merged)
    now = timezone.now()
    Attendance.objects.create(session=session, person=survivor, present=False, recorded_by=officer, recorded_at=now)
    Attendance.objects.create(session=session, person=merged, present=True, recorded_by=officer, recorded_at=now)
    Attendance.objects.create(session=other_session, person=merged, present=True, recorded_by=officer, recorded_at=now)
    PersonNeed.objects.create(person=merged, need=pf.need("bookkeeping"), recorded_by=officer)
    for p in both:
        Assistance.objects.create(
            programme=shared, person=p, kind=pc.AssistanceKind.CASH_GRANT, amount=500_000, created_by=officer
        )

    # inclusion: a profile each, the duplicate's with a need the survivor's lacks
    DisabilityProfile.objects.create(person=survivor, disability_type=ic.DisabilityType.PHYSICAL, recorded_by=officer)
    DisabilityProfile.objects.create(
        person=merged, disability_type=ic.DisabilityType.PHYSICAL, need_sign_language=True, recorded_by=officer
    )
    AssistiveDevice.objects.create(person=merged, device=ic.Device.WHEELCHAIR, recorded_by=officer)

    # migration: both with an open episode; the duplicate also with a past one, a case, and as a family contact
    episode(survivor, officer, stage=mc.Stage.PLANNED)
    open_episode = episode(merged, officer, stage=mc.Stage.WORKING)
    episode(merged, officer, stage=mc.Stage.RETURNED)
    episode(relative, officer, family_contact=merged)
    RightsCase.objects.create(
        person=merged,
        episode=open_episode,
        reported_by=mc.Reporter.choices[0][0],
        complaint_type=mc.ComplaintType.UNPAID_WAGES,
        summary="Gaji tidak dibayar",
        created_by=officer,
    )

    # markets and farming
    SubscriberConsent.objects.create(person=merged, phone="081234500001", district_id=village[:8])
    _farming(merged, village)

    # targeting: both on one run (only the duplicate selected), the duplicate alone on another
    runs = []
    for name in ("Aturan A", "Aturan B"):
        version = targeting_services.ruleset_save(
            actor=officer, name=name, rules_tree={"op": "and", "items": [{"type": "flag", "value": "disability"}]}
        )
        runs.append(targeting_services.run_create(actor=officer, ruleset=version.ruleset))
    for run, people in ((runs[0], both), (runs[1], (merged,))):
        for p in people:
            Candidate.objects.create(
                run=run,
                person=p,
                household_id=p.household_id,
                village_id=village,
                district_code=village[:8],
                status=tc.CandidateStatus.SELECTED if p is merged else tc.CandidateStatus.NEAR_MISS,
            )

    # dedup: the pair that found them, a decision, match keys
    low, high = sorted(both, key=lambda p: p.pk)
    dedup_run = DedupRun.objects.create(started_by=officer)
    MatchPair.objects.create(run=dedup_run, person_low=low, person_high=high, match_probability=0.97, match_weight=9)
    PairDecision.objects.create(person_low=low, person_high=high, decision="same", actor=officer)
    for p in both:
        PersonKey.objects.update_or_create(
            person=p, defaults={"name_key": p.full_name.upper(), "first_token": p.full_name.upper()}
        )
    # registry: an officer confirmed earlier that the duplicate was not the survivor (it was)
    from berdaya.registry.models import DistinctConfirmation

    DistinctConfirmation.objects.create(person=merged, other=survivor, reason="Beda orang", confirmed_by=officer)

    # musdes: both on the village meeting's list of the first run
    from berdaya.musdes.models import Meeting, MeetingDecision

    meeting = Meeting.objects.create(
        run=runs[0], village_id=village, date=timezone.localdate(), place="Balai desa", created_by=officer
    )
    for p in both:
        MeetingDecision.objects.create(meeting=meeting, person=p, decision="agreed", decided_by=officer)

    # grievances: the duplicate complained that aid did not arrive
    from berdaya.grievances import services as grievance_services

    grievance_services.grievance_record(
        actor=officer,
        data={"category": "aid_not_received", "description": "Bantuan belum diterima", "person_id": merged.pk},
    )
    # privacy: the duplicate asked for a copy of their data
    from berdaya.privacy.models import DataRequest

    DataRequest.objects.create(kind="access", person=merged, channel="in_person", created_by=officer)
    # outcomes: the duplicate's baseline survey; monitoring: their row in the analytics table
    from berdaya.monitoring.models import PersonFact
    from berdaya.outcomes.models import OutcomeSurvey

    OutcomeSurvey.objects.create(
        person=merged,
        household=merged.household,
        round="baseline",
        interview_date=dt.date(2026, 2, 1),
        household_size=3,
        income_farming=900_000,
        wellbeing=5,
        entered_by=officer,
    )
    PersonFact.objects.create(
        person=merged,
        household_id=merged.household_id,
        village_code=merged.household.village_id,
        district_code=merged.household.village_id[:8],
        sex=merged.sex,
        age_band="30-44",
        disabled=False,
    )
    return MergeWorld(officer, survivor, merged, relative, survivor_home, merged_home)


def merge_by_ids(*, actor_id: int, survivor_id: int, merged_id: int) -> dict[str, int]:
    """persons_merge by ids, for a child process the crash test kills (berdaya.testing.crash)."""
    from berdaya.registry.models import PersonMerge
    from berdaya.registry.services import persons_merge

    record: PersonMerge = persons_merge(
        actor=User.objects.get(pk=actor_id),
        survivor=Person.objects.get(pk=survivor_id),
        merged=Person.objects.get(pk=merged_id),
        reason="Data ganda (uji crash)",
    )
    return {"merge": record.pk, "moves": record.moves.count()}
