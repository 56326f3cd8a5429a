"""Demo data for migrant-worker protection: episodes in every stage, open and closed rights cases, case workers.

Built over the people that already exist (`berdaya demo` makes the population). One `random.Random(seed)` drives
every choice, over people ordered by id, so one seed gives the same data on the same population. Dates are relative
to today so that stages, SLA due dates and overdue cases look alive whenever the demo is loaded.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from berdaya.accounts.models import User
from berdaya.core.audit import set_history_user
from berdaya.migration import choices as c
from berdaya.migration.models import (
    CaseAssignment,
    CaseAssignmentLog,
    CaseNote,
    CaseReferral,
    CaseStageChange,
    CaseWorker,
    MigrationEpisode,
    RightsCase,
)
from berdaya.registry import choices as rc
from berdaya.registry.models import Person

# Demo passwords are public by design (printed and documented): never run the demo in production.
# (username, password, supervisor, name): distinct names, so an assignment list tells the two apart.
CASE_WORKERS = [
    ("kasus", "Berdaya-Kasus-2026", True, ("Rina", "Marlina")),
    ("kasus2", "Berdaya-Kasus2-2026", False, ("Dedi", "Kurniawan")),
]

# Where Merangin people go: Malaysia above all, then the East Asian care and factory jobs, the Gulf, and inside
# Indonesia the plantations of Riau and the factories of Batam.
DESTINATIONS = {
    c.Destination.MALAYSIA: 30,
    c.Destination.TAIWAN: 12,
    c.Destination.HONG_KONG: 10,
    c.Destination.SAUDI_ARABIA: 8,
    c.Destination.SINGAPORE: 4,
    c.Destination.KOREA: 4,
    c.Destination.JAPAN: 3,
    c.Destination.RIAU: 14,
    c.Destination.RIAU_ISLANDS: 12,
}
SECTOR_BY_DESTINATION: dict[str, list[str]] = {
    c.Destination.MALAYSIA: [c.Sector.PLANTATION, c.Sector.CONSTRUCTION, c.Sector.HOUSEHOLD, c.Sector.COMPANY],
    c.Destination.TAIWAN: [c.Sector.HOUSEHOLD, c.Sector.COMPANY, c.Sector.SHIP_CREW],
    c.Destination.HONG_KONG: [c.Sector.HOUSEHOLD],
    c.Destination.SAUDI_ARABIA: [c.Sector.HOUSEHOLD],
    c.Destination.SINGAPORE: [c.Sector.HOUSEHOLD, c.Sector.CONSTRUCTION],
    c.Destination.KOREA: [c.Sector.COMPANY, c.Sector.SHIP_CREW],
    c.Destination.JAPAN: [c.Sector.COMPANY],
    c.Destination.RIAU: [c.Sector.PLANTATION],
    c.Destination.RIAU_ISLANDS: [c.Sector.COMPANY, c.Sector.CONSTRUCTION],
}
P3MI = ["PT Bina Karya Mandiri", "PT Sumber Rejeki Abadi", "PT Duta Putra Jambi", "PT Graha Tenaga Nusantara"]
EMPLOYERS = ["Ladang sawit Johor", "Pabrik elektronik", "Keluarga di Kowloon", "Keluarga di Riyadh", "Galangan kapal"]
STAGE_SHARE = [
    (c.Stage.PLANNED, 0.22),
    (c.Stage.PRE_DEPARTURE, 0.18),
    (c.Stage.WORKING, 0.35),
    (c.Stage.RETURNED, 0.20),
    (c.Stage.CANCELLED, 0.05),
]
CASE_PLAN = [
    # (complaint, stage, days in stage, reporter)
    (c.ComplaintType.UNPAID_WAGES, c.CaseStage.ASSESSMENT, 3, c.Reporter.FAMILY),
    (c.ComplaintType.LOST_CONTACT, c.CaseStage.INTAKE, 6, c.Reporter.FAMILY),
    (c.ComplaintType.TRAFFICKING, c.CaseStage.REFERRAL, 2, c.Reporter.PARTNER_NGO),
    (c.ComplaintType.DOCUMENT_RETENTION, c.CaseStage.FOLLOW_UP, 40, c.Reporter.WORKER),
    (c.ComplaintType.REPATRIATION, c.CaseStage.FOLLOW_UP, 10, c.Reporter.VILLAGE),
    (c.ComplaintType.SOCIAL_SECURITY, c.CaseStage.RESOLVED, 30, c.Reporter.WORKER),
    (c.ComplaintType.ILLNESS, c.CaseStage.CLOSED, 60, c.Reporter.FAMILY),
    (c.ComplaintType.NOT_AS_CONTRACTED, c.CaseStage.CLOSED, 120, c.Reporter.WORKER),
]


@dataclass
class MigrationDemoResult:
    episodes: int
    cases: int
    case_workers: int


def _pick(rng: random.Random, weights: dict) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _stage(rng: random.Random) -> str:
    roll, acc = rng.random(), 0.0
    for stage, share in STAGE_SHARE:
        acc += share
        if roll < acc:
            return stage
    return c.Stage.WORKING


def case_workers_ensure() -> list[User]:
    users = []
    for username, password, supervisor, (first, last) in CASE_WORKERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, role=User.Role.OFFICER, first_name=first, last_name=last)
            user.set_password(password)
            user.save()
        elif user.first_name == "Pengelola kasus":
            # Demo data made before the workers had names of their own.
            User.objects.filter(pk=user.pk).update(first_name=first, last_name=last)
        CaseWorker.objects.update_or_create(user=user, defaults={"is_supervisor": supervisor, "is_active": True})
        users.append(user)
    return users


def _candidates(today: dt.date) -> list[Person]:
    # Working age for migration: 18 to 45, living, in the registry now.
    oldest = today.replace(year=today.year - 45)
    youngest = today.replace(year=today.year - 18)
    return list(
        Person.objects.living()
        .filter(status=rc.PersonStatus.ACTIVE, birth_date__gte=oldest, birth_date__lte=youngest)
        .exclude(migration_episodes__isnull=False)
        .order_by("id")
        .only("id", "household_id", "sex", "birth_date")
    )


@transaction.atomic
def migration_demo(*, seed: int, episodes: int = 120, actor: User | None = None) -> MigrationDemoResult:
    rng = random.Random(seed)
    today = timezone.localdate()
    workers = case_workers_ensure()
    actor = actor or User.objects.filter(is_superuser=True).first() or workers[0]
    people = _candidates(today)
    rng.shuffle(people)
    chosen = people[:episodes]
    created: list[MigrationEpisode] = []
    for person in chosen:
        stage = _stage(rng)
        destination = _pick(rng, DESTINATIONS)
        # Most complaints come from non-procedural workers; in Merangin they go mostly to Malaysia.
        non_procedural = rng.random() < (0.5 if destination == c.Destination.MALAYSIA else 0.2)
        abroad = c.is_abroad(destination)
        if non_procedural:
            channel = c.Channel.NON_PROCEDURAL
        elif abroad:
            channel = rng.choice([c.Channel.P3MI, c.Channel.P3MI, c.Channel.P3MI, c.Channel.GOVERNMENT, c.Channel.SELF])
        else:
            channel = c.Channel.SELF
        ep = MigrationEpisode(
            person_id=person.pk,
            stage=stage,
            destination=destination,
            sector=rng.choice(SECTOR_BY_DESTINATION[destination]),
            channel=channel,
            employer=rng.choice(EMPLOYERS)
            if stage in (c.Stage.WORKING, c.Stage.RETURNED) and rng.random() < 0.6
            else "",
            created_by=actor,
        )
        if channel == c.Channel.P3MI:
            ep.placement_company = rng.choice(P3MI)
            ep.placement_company_licence = f"{rng.randint(100, 999)}/{rng.randint(2019, 2025)}"
        if not non_procedural:
            # Procedural workers get further through the checklist the further they are in the lifecycle.
            shares: dict[str, float] = {c.Stage.PLANNED: 0.2, c.Stage.PRE_DEPARTURE: 0.6, c.Stage.CANCELLED: 0.3}
            share = shares.get(stage, 1.0)
            for document in c.required_documents(destination):
                setattr(ep, f"doc_{document}", rng.random() < share)
        if stage in (c.Stage.WORKING, c.Stage.RETURNED):
            departed = today - dt.timedelta(days=rng.randint(60, 1400))
            ep.departure_date = departed
            if not non_procedural:
                ep.contract_start = departed
                ep.contract_end = departed + dt.timedelta(days=730)
            if stage == c.Stage.RETURNED:
                ep.return_date = min(today, departed + dt.timedelta(days=rng.randint(30, 900)))
        family = (
            Person.objects.living()
            .filter(household_id=person.household_id)
            .exclude(pk=person.pk)
            .order_by("id")
            .first()
        )
        if family is not None:
            ep.family_contact = family
        set_history_user(ep, actor)
        ep.full_clean()
        ep.save()
        created.append(ep)
    cases = _cases(rng, today, [ep for ep in created if ep.stage in (c.Stage.WORKING, c.Stage.RETURNED)], workers)
    return MigrationDemoResult(episodes=len(created), cases=cases, case_workers=len(workers))


def _cases(rng: random.Random, today: dt.date, episodes: list[MigrationEpisode], workers: list[User]) -> int:
    # Non-procedural workers first: most complaints come from them.
    episodes = sorted(episodes, key=lambda ep: (ep.channel != c.Channel.NON_PROCEDURAL, ep.pk))
    flow = [s.value for s in c.CASE_FLOW]
    count = 0
    for (complaint, stage, days, reporter), ep in zip(CASE_PLAN, episodes, strict=False):
        received = today - dt.timedelta(days=days + rng.randint(5, 20))
        case = RightsCase(
            person_id=ep.person_id,
            episode=ep,
            reported_by=reporter,
            complaint_type=complaint,
            summary="Data demo: uraian pengaduan rekaan untuk mencoba alur kasus.",
            priority=c.Priority.URGENT if complaint == c.ComplaintType.TRAFFICKING else c.Priority.NORMAL,
            stage=stage,
            stage_entered_on=today - dt.timedelta(days=days),
            received_on=received,
            closed_on=today - dt.timedelta(days=days) if stage in (c.CaseStage.RESOLVED, c.CaseStage.CLOSED) else None,
            created_by=workers[1],
        )
        if reporter == c.Reporter.PARTNER_NGO:
            from berdaya.organisations.models import Organisation

            case.reporter_organisation = Organisation.objects.filter(kind="ngo").order_by("id").first()
            if case.reporter_organisation is None:
                case.reported_by = c.Reporter.FAMILY
        set_history_user(case, workers[1])
        case.full_clean()
        case.save()
        CaseAssignment.objects.create(case=case, user=workers[1], assigned_by=workers[0])
        CaseAssignmentLog.objects.create(case=case, user=workers[1], action=c.AssignmentAction.ASSIGN, by=workers[0])
        if complaint == c.ComplaintType.TRAFFICKING or count % 3 == 0:
            CaseAssignment.objects.create(case=case, user=workers[0], assigned_by=workers[0])
            CaseAssignmentLog.objects.create(
                case=case,
                user=workers[0],
                action=c.AssignmentAction.SELF_ASSIGN,
                reason="Supervisor mendampingi kasus berisiko tinggi.",
                by=workers[0],
            )
        # The stage path the case took, ending in its current stage.
        target = flow.index(stage) if stage in flow else len(flow) - 1
        previous = c.CaseStage.INTAKE.value
        for step in flow[1 : target + 1]:
            CaseStageChange.objects.create(case=case, from_stage=previous, to_stage=step, on=received, by=workers[1])
            if step == c.CaseStage.REFERRAL:
                CaseReferral.objects.create(
                    case=case,
                    target=c.ReferralTarget.POLICE
                    if complaint == c.ComplaintType.TRAFFICKING
                    else c.ReferralTarget.BP3MI,
                    referred_on=received,
                    by=workers[1],
                )
            previous = step
        if stage == c.CaseStage.CLOSED:
            CaseStageChange.objects.create(
                case=case, from_stage=previous, to_stage=stage, on=case.stage_entered_on, by=workers[1]
            )
        CaseNote.objects.create(case=case, text="Data demo: catatan pengelola kasus.", author=workers[1])
        count += 1
    return count


def demo_logins_table() -> list[tuple[str, str, str, str]]:
    """(username, role, password, what they see) for the demo case workers that exist."""
    rows = []
    for username, password, supervisor, _name in CASE_WORKERS:
        if not User.objects.filter(username=username).exists():
            continue
        role = "Petugas dinas, supervisor kasus" if supervisor else "Petugas dinas, pengelola kasus"
        sees = (
            "Seperti petugas dinas; daftar semua kasus pekerja migran (tanpa isi) untuk membaginya"
            if supervisor
            else "Seperti petugas dinas; isi kasus pekerja migran yang ditugaskan kepadanya"
        )
        rows.append((username, role, password, sees))
    return rows
