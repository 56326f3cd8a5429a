"""Demo programmes over whatever demo people exist (run after `berdaya demo`).

Programmes of every kind, run by the district offices and NGOs, with sessions, enrolments in every state (drop-outs
included), attendance consistent with the completion threshold, certificates, assistance, a few double-dips to find,
and recorded needs to match. One `random.Random(seed)` drives every choice, in a fixed order; dates are relative to
today so that `make run` shows open, running and closed programmes whatever the day. Writes are set-based
(bulk_create, with history rows for enrolments and assistance); the data is generated to satisfy the same model
rules the services enforce.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from berdaya.accounts.models import User
from berdaya.areas.models import District
from berdaya.core.access import REGENCY_WIDE
from berdaya.core.audit import set_history_user
from berdaya.organisations.models import Organisation
from berdaya.programmes import choices as c
from berdaya.programmes.models import (
    Assistance,
    Attendance,
    Certificate,
    Enrolment,
    EnrolmentEvent,
    Need,
    PersonNeed,
    Programme,
    Session,
)
from berdaya.programmes.services import new_certificate_code
from berdaya.registry import choices as rc
from berdaya.registry.models import Person

ORGANISATIONS = [
    ("Dinas Sosial Kabupaten Merangin", "Dinsos", Organisation.Kind.GOVERNMENT),
    ("Dinas Pertanian Kabupaten Merangin", "Distan", Organisation.Kind.GOVERNMENT),
    ("Dinas Tenaga Kerja dan Transmigrasi Kabupaten Merangin", "Disnakertrans", Organisation.Kind.GOVERNMENT),
    ("Yayasan Tani Lestari Merangin", "YTLM", Organisation.Kind.NGO),
    ("Perkumpulan Peduli Pekerja Migran Jambi", "P3MJ", Organisation.Kind.NGO),
    ("Himpunan Wanita Disabilitas Indonesia Merangin", "HWDI Merangin", Organisation.Kind.DISABILITY_ORG),
]


@dataclass(frozen=True)
class Spec:
    name: str
    kind: str
    organiser: str
    needs: tuple[str, ...]
    targets: tuple[str, ...]
    phase: str  # closed, running, open
    capacity: int
    sessions: int
    assistance: tuple[str, ...] = ()
    funders: tuple[str, ...] = ()


SPECS = [
    Spec(
        "Pelatihan Menjahit dan Tata Busana",
        c.ProgrammeKind.SKILLS_TRAINING,
        "Dinsos",
        ("sewing",),
        ("women", "female_headed"),
        "closed",
        20,
        6,
        ("equipment",),
    ),
    Spec(
        "Pengolahan Kopi Robusta Lembah Masurai",
        c.ProgrammeKind.SKILLS_TRAINING,
        "YTLM",
        ("farm_processing", "coffee_cultivation"),
        ("smallholder",),
        "running",
        25,
        8,
    ),
    Spec(
        "Sekolah Lapang Pertanian Organik",
        c.ProgrammeKind.FIELD_SCHOOL,
        "Distan",
        ("organic_farming", "post_harvest"),
        ("smallholder",),
        "running",
        30,
        10,
    ),
    Spec(
        "Sekolah Lapang Karet Bersih",
        c.ProgrammeKind.FIELD_SCHOOL,
        "Distan",
        ("rubber_tapping", "post_harvest"),
        ("smallholder",),
        "closed",
        30,
        6,
    ),
    Spec(
        "Manajemen Usaha Tani dan Pembukuan",
        c.ProgrammeKind.FARM_BUSINESS,
        "YTLM",
        ("bookkeeping", "market_access"),
        ("smallholder", "women"),
        "open",
        25,
        5,
    ),
    Spec(
        "Hibah Modal Usaha KUBE",
        c.ProgrammeKind.CAPITAL,
        "Dinsos",
        ("business_capital",),
        ("female_headed", "disability", "elderly"),
        "running",
        20,
        3,
        ("cash_grant",),
        ("Dinas Sosial Kabupaten Merangin",),
    ),
    Spec(
        "Dana Bergulir Purna PMI",
        c.ProgrammeKind.CAPITAL,
        "P3MJ",
        ("business_capital", "reintegration"),
        ("migrant",),
        "closed",
        15,
        4,
        ("revolving_loan",),
        ("Dinas Tenaga Kerja dan Transmigrasi Kabupaten Merangin",),
    ),
    Spec(
        "Bantuan Alat Bantu Disabilitas",
        c.ProgrammeKind.IN_KIND,
        "Dinsos",
        ("assistive_device",),
        ("disability",),
        "running",
        15,
        2,
        ("assistive_device",),
    ),
    Spec(
        "Bantuan Bibit Kopi Unggul",
        c.ProgrammeKind.IN_KIND,
        "Distan",
        ("coffee_cultivation",),
        ("smallholder",),
        "closed",
        30,
        2,
        ("in_kind",),
    ),
    Spec(
        "Pemasaran Digital Produk Desa",
        c.ProgrammeKind.MARKET_ACCESS,
        "YTLM",
        ("digital_marketing", "market_access"),
        ("youth", "women"),
        "open",
        20,
        4,
    ),
    Spec(
        "Migrasi Aman dan Reintegrasi",
        c.ProgrammeKind.PROTECTION,
        "Disnakertrans",
        ("safe_migration", "reintegration"),
        ("migrant", "youth"),
        "running",
        25,
        4,
    ),
    Spec(
        "Kelompok Usaha Olahan Pangan Perempuan Disabilitas",
        c.ProgrammeKind.OTHER,
        "HWDI Merangin",
        ("culinary", "handicraft"),
        ("disability", "women"),
        "closed",
        12,
        5,
        ("equipment",),
    ),
]

DROP_REASONS = [
    "Bekerja ke luar daerah",
    "Sakit",
    "Mengurus anak / keluarga",
    "Musim panen, tidak bisa hadir",
    "Pindah domisili",
    "Kehadiran di bawah batas lulus",
]
REJECT_REASONS = ["Tidak termasuk kelompok sasaran", "Sudah menerima bantuan sejenis", "Kuota penuh"]
TRAINERS = ["Penyuluh Pertanian BPP", "Instruktur BLK Merangin", "Fasilitator LSM", "Pelaku usaha lokal", "Dosen UNJA"]
VENUES = ["Balai Desa", "Aula Kantor Camat", "Gedung Serbaguna", "Rumah Ketua Kelompok", "Kebun Percontohan"]


def _organisations() -> dict[str, Organisation]:
    existing = {o.name: o for o in Organisation.objects.filter(name__in=[n for n, _s, _k in ORGANISATIONS])}
    missing = [Organisation(name=n, short_name=s, kind=k) for n, s, k in ORGANISATIONS if n not in existing]
    Organisation.objects.bulk_create(missing)
    by_name = {o.name: o for o in Organisation.objects.filter(name__in=[n for n, _s, _k in ORGANISATIONS])}
    return {o.short_name or o.name: o for o in by_name.values()} | by_name


def _actor() -> User | None:
    return (
        User.objects.filter(username="petugas").first()
        or User.objects.filter(role__in=REGENCY_WIDE, is_active=True).order_by("pk").first()
        or User.objects.filter(is_superuser=True).order_by("pk").first()
    )


def _period(spec: Spec, rng: random.Random, today: dt.date) -> tuple[dt.date, dt.date, str]:
    weeks = spec.sessions + rng.randint(2, 6)
    if spec.phase == "closed":
        end = today - dt.timedelta(days=rng.randint(20, 150))
        return end - dt.timedelta(weeks=weeks), end, c.ProgrammeStatus.CLOSED
    if spec.phase == "running":
        start = today - dt.timedelta(weeks=weeks // 2 + 1)
        return start, start + dt.timedelta(weeks=weeks), c.ProgrammeStatus.RUNNING
    start = today + dt.timedelta(days=rng.randint(7, 30))
    return start, start + dt.timedelta(weeks=weeks), c.ProgrammeStatus.OPEN


@dataclass
class Result:
    programmes: int = 0
    sessions: int = 0
    enrolments: int = 0
    attendance: int = 0
    certificates: int = 0
    assistance: int = 0
    needs: int = 0


def _pool(people: list[Person], spec: Spec, district_ids: set[str]) -> list[Person]:
    in_area = [p for p in people if p.household.village.district_id in district_ids]
    return in_area or people


@transaction.atomic
def demo_programmes(*, seed: int, today: dt.date | None = None) -> Result:
    rng = random.Random(seed)
    today = today or timezone.localdate()
    actor = _actor()
    if actor is None:
        raise ValueError("no officer")
    orgs = _organisations()
    needs = {n.code: n for n in Need.objects.all()}
    people = list(
        Person.objects.living()
        .filter(birth_date__lte=today - dt.timedelta(days=17 * 365))
        .select_related("household__village")
        .order_by("pk")
    )
    districts = sorted({p.household.village.district_id for p in people})
    if not people:
        return Result()
    result = Result()
    enrolments: list[Enrolment] = []
    meta: list[tuple[Enrolment, Programme, list[Session], str]] = []
    sessions_by_programme: dict[int, list[Session]] = {}
    programmes: list[tuple[Programme, Spec]] = []

    for spec in SPECS:
        start, end, status = _period(spec, rng, today)
        cover = rng.sample(districts, k=min(len(districts), rng.randint(2, 4))) if len(districts) > 2 else districts
        p = Programme(
            name=spec.name,
            kind=spec.kind,
            description=f"Program demo: {spec.name.lower()}.",
            organiser=orgs[spec.organiser],
            target_groups=list(spec.targets),
            start_date=start,
            end_date=end,
            capacity=spec.capacity,
            budget=spec.capacity * rng.choice([2_500_000, 3_000_000, 4_000_000, 5_000_000]),
            attendance_threshold=rng.choice([75, 75, 80, 70]),
            status=status,
            created_by=actor,
        )
        set_history_user(p, actor)
        p.save()
        p.needs.set([needs[n] for n in spec.needs if n in needs])
        p.funders.set([orgs[f] for f in spec.funders if f in orgs])
        if spec.phase != "open" or rng.random() < 0.5:
            p.districts.set(District.objects.filter(pk__in=cover))
        programmes.append((p, spec))
        step = max(1, (end - start).days // (spec.sessions + 1))
        sessions = [
            Session(
                programme=p,
                date=start + dt.timedelta(days=step * (i + 1)),
                start_time=dt.time(rng.choice([8, 9, 13]), 0),
                end_time=dt.time(rng.choice([11, 12, 16]), 0),
                venue=f"{rng.choice(VENUES)}",
                trainer=rng.choice(TRAINERS),
                topic=f"{spec.name}: pertemuan {i + 1}",
                step_free=rng.random() < 0.6,
                sign_language=spec.targets.count("disability") > 0 and rng.random() < 0.7,
                large_print=rng.random() < 0.3,
                easy_read=spec.targets.count("disability") > 0 and rng.random() < 0.5,
            )
            for i in range(spec.sessions)
        ]
        for s in sessions:
            if s.end_time <= s.start_time:
                s.end_time = dt.time(s.start_time.hour + 3, 0)
        sessions_by_programme[p.pk] = Session.objects.bulk_create(sessions)
        result.programmes += 1
        result.sessions += len(sessions)

    # Enrolments: drawn from people in the covered districts; statuses follow the programme's phase.
    for p, spec in programmes:
        pool = _pool(people, spec, set(p.districts.values_list("pk", flat=True)) or set(districts))
        chosen = rng.sample(pool, k=min(len(pool), int(spec.capacity * 1.15)))
        held = [s for s in sessions_by_programme[p.pk] if s.date <= today]
        for index, person in enumerate(chosen):
            roll = rng.random()
            if spec.phase == "open":
                status = c.EnrolmentStatus.PROPOSED if roll < 0.5 else c.EnrolmentStatus.ENROLLED
            elif index >= spec.capacity:
                status = c.EnrolmentStatus.REJECTED
            elif roll < 0.15:
                status = c.EnrolmentStatus.DROPPED_OUT
            else:
                status = c.EnrolmentStatus.ACTIVE if held else c.EnrolmentStatus.ENROLLED
            e = Enrolment(
                programme=p,
                person=person,
                status=status,
                source=rng.choice(list(c.EnrolmentSource.values)),
                enrolled_on=None
                if status in {c.EnrolmentStatus.PROPOSED, c.EnrolmentStatus.REJECTED}
                else p.start_date,
                created_by=actor,
            )
            if status == c.EnrolmentStatus.DROPPED_OUT:
                e.reason = rng.choice(DROP_REASONS)
                e.ended_on = min(today, p.start_date + dt.timedelta(days=rng.randint(7, 40)))
            if status == c.EnrolmentStatus.REJECTED:
                e.reason = rng.choice(REJECT_REASONS)
                e.ended_on = p.start_date
            enrolments.append(e)
            meta.append((e, p, held, spec.phase))

    # Attendance first; a closed programme's active participants then complete or drop out by the threshold.
    attendance: list[Attendance] = []
    now = timezone.now()
    completed: list[Enrolment] = []
    for e, p, held, phase in meta:
        if e.status not in {c.EnrolmentStatus.ACTIVE, c.EnrolmentStatus.DROPPED_OUT} or not held:
            continue
        keen = rng.choice([0.95, 0.9, 0.8, 0.6]) if e.status == c.EnrolmentStatus.ACTIVE else 0.5
        last = len(held) if e.status == c.EnrolmentStatus.ACTIVE else rng.randint(1, max(1, len(held) // 2))
        count = 0
        for i, s in enumerate(held):
            present = i < last and rng.random() < keen
            count += present
            attendance.append(
                Attendance(session=s, person=e.person, present=present, recorded_by=actor, recorded_at=now)
            )
        if phase == "closed" and e.status == c.EnrolmentStatus.ACTIVE:
            if count * 100 >= p.attendance_threshold * len(held):
                e.status = c.EnrolmentStatus.COMPLETED
                completed.append(e)
            else:
                e.status = c.EnrolmentStatus.DROPPED_OUT
                e.reason = "Kehadiran di bawah batas lulus"
            e.ended_on = p.end_date
        if count == 0 and e.status == c.EnrolmentStatus.ACTIVE:
            e.status = c.EnrolmentStatus.ENROLLED

    # Re-enrolment keeps history: a few drop-outs of running programmes are proposed again as a new row.
    again = [e for e, _p, _h, phase in meta if phase == "running" and e.status == c.EnrolmentStatus.DROPPED_OUT][:3]
    for old in again:
        enrolments.append(
            Enrolment(programme=old.programme, person=old.person, status=c.EnrolmentStatus.PROPOSED, created_by=actor)
        )

    created = bulk_create_with_history(enrolments, Enrolment, batch_size=1000, default_user=actor)
    if created and created[0].pk is None:
        created = list(Enrolment.objects.filter(programme__in=[p for p, _s in programmes]).order_by("pk"))
    result.enrolments = len(created)
    EnrolmentEvent.objects.bulk_create(_events(created, actor), batch_size=2000)
    Attendance.objects.bulk_create(attendance, batch_size=2000)
    result.attendance = len(attendance)
    by_key = {(e.programme_id, e.person_id, e.status): e for e in created}
    certificates = [
        Certificate(
            enrolment=by_key[(e.programme_id, e.person_id, c.EnrolmentStatus.COMPLETED)],
            code=new_certificate_code(),
            issued_on=e.ended_on or today,
            issued_by=actor,
        )
        for e in completed
    ]
    Certificate.objects.bulk_create(certificates)
    result.certificates = len(certificates)

    result.assistance = _assistance(rng, programmes, created, actor, today)
    result.needs = _needs(rng, people, needs, actor)
    return result


def _events(enrolments: list[Enrolment], actor: User) -> list[EnrolmentEvent]:
    """The transition log as the services would have written it, step by step to the final status."""
    paths: dict[str, list[str]] = {
        c.EnrolmentStatus.PROPOSED: [c.EnrolmentStatus.PROPOSED],
        c.EnrolmentStatus.REJECTED: [c.EnrolmentStatus.PROPOSED, c.EnrolmentStatus.REJECTED],
        c.EnrolmentStatus.ENROLLED: [c.EnrolmentStatus.PROPOSED, c.EnrolmentStatus.ENROLLED],
        c.EnrolmentStatus.ACTIVE: [c.EnrolmentStatus.PROPOSED, c.EnrolmentStatus.ENROLLED, c.EnrolmentStatus.ACTIVE],
        c.EnrolmentStatus.COMPLETED: [
            c.EnrolmentStatus.PROPOSED,
            c.EnrolmentStatus.ENROLLED,
            c.EnrolmentStatus.ACTIVE,
            c.EnrolmentStatus.COMPLETED,
        ],
        c.EnrolmentStatus.DROPPED_OUT: [
            c.EnrolmentStatus.PROPOSED,
            c.EnrolmentStatus.ENROLLED,
            c.EnrolmentStatus.DROPPED_OUT,
        ],
    }
    events = []
    for e in enrolments:
        previous = ""
        for step in paths[e.status]:
            reason = e.reason if step == e.status else ""
            events.append(EnrolmentEvent(enrolment=e, from_status=previous, to_status=step, reason=reason, actor=actor))
            previous = step
    return events


def _assistance(rng: random.Random, programmes, enrolments: list[Enrolment], actor: User, today: dt.date) -> int:
    rows: list[Assistance] = []
    seated: dict[int, list[Enrolment]] = {}
    for e in enrolments:
        if e.status in c.SEAT_STATUSES:
            seated.setdefault(e.programme_id, []).append(e)
    cash_people: list[tuple[int, Programme]] = []
    for p, spec in programmes:
        if not spec.assistance or spec.phase == "open":
            continue
        spent = 0
        for e in seated.get(p.pk, []):
            kind = spec.assistance[0]
            date = min(today, p.start_date + dt.timedelta(days=rng.randint(14, 60)))
            a = Assistance(programme=p, person_id=e.person_id, kind=kind, date=date, created_by=actor)
            if kind in c.MONEY_KINDS:
                a.amount = rng.choice([1_000_000, 1_500_000, 2_000_000, 2_500_000])
                cash_people.append((e.person_id, p))
            elif kind == c.AssistanceKind.EQUIPMENT:
                a.description, a.quantity, a.unit, a.amount = "Mesin jahit portabel", 1, "unit", 2_350_000
            elif kind == c.AssistanceKind.ASSISTIVE_DEVICE:
                a.description, a.quantity, a.unit = rng.choice(
                    [("Kursi roda", 1, "unit"), ("Alat bantu dengar", 1, "pasang"), ("Kruk", 1, "pasang")]
                )
                a.amount = rng.choice([850_000, 1_200_000, 2_750_000])
            else:
                a.description, a.quantity, a.unit = "Bibit kopi robusta unggul", rng.choice([100, 200, 250]), "batang"
            if spec.phase == "closed":
                a.status = rng.choice([c.AssistanceStatus.ACKNOWLEDGED] * 4 + [c.AssistanceStatus.DISBURSED])
            else:
                a.status = rng.choice(
                    [c.AssistanceStatus.PLANNED, c.AssistanceStatus.APPROVED, c.AssistanceStatus.DISBURSED]
                )
            if a.status in c.SPENT_STATUSES and spent + (a.amount or 0) > p.budget:
                a.status = c.AssistanceStatus.APPROVED  # never disbursed beyond the budget
            if a.status in c.SPENT_STATUSES:
                spent += a.amount or 0
            if a.status != c.AssistanceStatus.PLANNED:
                a.approved_by, a.approved_at = actor, timezone.now()
            if a.status in c.SPENT_STATUSES:
                a.disbursed_at = timezone.now()
            if a.status == c.AssistanceStatus.ACKNOWLEDGED:
                a.acknowledged_at = timezone.now()
            rows.append(a)
    # A few double-dips to be caught: cash grant recipients planned again under another organisation's programme.
    grants = [(pid, p) for pid, p in cash_people if p.kind == c.ProgrammeKind.CAPITAL]
    others = [p for p, spec in programmes if spec.phase == "running" and "cash_grant" in spec.assistance]
    for person_id, source in grants[:4]:
        target = next((p for p in others if p.organiser_id != source.organiser_id), None)
        if target is None:
            break
        rows.append(
            Assistance(
                programme=target,
                person_id=person_id,
                kind=c.AssistanceKind.REVOLVING_LOAN if source.name.startswith("Dana") else c.AssistanceKind.CASH_GRANT,
                amount=1_500_000,
                date=today,
                status=c.AssistanceStatus.PLANNED,
                note="Data demo: calon penerimaan ganda",
                created_by=actor,
            )
        )
    bulk_create_with_history(rows, Assistance, batch_size=1000, default_user=actor)
    return len(rows)


# Needs that fit an occupation or situation, so that matching has something to find.
NEEDS_BY_OCCUPATION: dict[str, list[str]] = {
    rc.Occupation.FARMER: [
        "organic_farming",
        "post_harvest",
        "farm_processing",
        "coffee_cultivation",
        "rubber_tapping",
    ],
    rc.Occupation.FARM_LABOURER: ["rubber_tapping", "business_capital", "livestock"],
    rc.Occupation.HOMEMAKER: ["sewing", "culinary", "handicraft", "bookkeeping"],
    rc.Occupation.TRADER: ["bookkeeping", "digital_marketing", "market_access"],
    rc.Occupation.MIGRANT_WORKER: ["safe_migration", "reintegration", "business_capital"],
    rc.Occupation.NOT_WORKING: ["sewing", "culinary", "digital_marketing"],
}


def _needs(rng: random.Random, people: list[Person], needs: dict[str, Need], actor: User) -> int:
    rows = []
    for person in rng.sample(people, k=min(len(people), max(1, len(people) // 4))):
        options = NEEDS_BY_OCCUPATION.get(person.occupation, ["business_capital", "bookkeeping", "sewing"])
        if any((getattr(person, f) or 0) >= rc.WGSSAnswer.A_LOT for f, _l in rc.WGSS_DOMAINS):
            options = [*options, "assistive_device"]
        for code in rng.sample(options, k=min(len(options), rng.randint(1, 3))):
            if code in needs:
                rows.append(PersonNeed(person=person, need=needs[code], recorded_by=actor))
    PersonNeed.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)
