"""The synthetic regency the page benchmarks share: bench/targeting.py's registry of N people, plus what the
aggregate pages read (organisations, programmes with sessions, enrolments, assistance, migration episodes,
disability profiles, outcome surveys at baseline and six months, welfare scores) and the users who sign in.

    from _world import build_world        # bench/dashboard.py, bench/load.py
    info = build_world(people, reuse=args.reuse)

Everything is generated inside the database (INSERT ... SELECT over the people), so nobody passes through Python.
With `reuse=True` a world of the same size already in the database (the marker table `bench_world`) is kept, so a
second run measures without rebuilding. Deterministic: the same N gives the same world.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

PASSWORD = "bench-Pass-2026!"  # noqa: S105 - the benchmark's own throwaway users

ORGANISATIONS = [
    ("Dinas Sosial Merangin", "government"),
    ("Dinas Pertanian Merangin", "government"),
    ("Mitra Bench", "ngo"),
    ("Yayasan Tani Sejahtera", "ngo"),
    ("Koperasi Maju Bersama", "cooperative"),
    ("Bank Daerah", "private"),
]
KINDS = ["skills_training", "field_school", "farm_business", "capital", "in_kind", "market_access", "protection"]


def load_targeting_bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_targeting", ROOT / "bench" / "targeting.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _existing(cursor, people: int) -> bool:
    try:
        cursor.execute("SELECT people FROM bench_world")
        row = cursor.fetchone()
    except Exception:
        return False
    return bool(row and row[0] == people)


def add_world_arguments(parser: Any) -> None:
    """The arguments of every benchmark on this world: its size, keeping it, keeping its snapshots."""
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep a world of this size already in the database")
    parser.add_argument(
        "--skip-refresh", action="store_true", help="use the stored aggregate snapshots as they are (with --reuse)"
    )


def build_world(people: int, *, reuse: bool = False) -> dict[str, Any]:
    """Build (or keep) the world; return what the benchmarks refer to: users, ids, figures."""
    from django.db import connection, transaction

    info: dict[str, Any] = {}
    vendor = connection.vendor
    with connection.cursor() as cursor:
        kept = reuse and _existing(cursor, people)
    if kept:
        info["reused"] = True
    else:
        t0 = time.perf_counter()
        if vendor != "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS bench_world")
        with transaction.atomic(), connection.cursor() as cursor:
            _clear(cursor, vendor)
            info["households"] = load_targeting_bench().build(cursor, vendor, people)
        info["registry_s"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        from berdaya.accounts.models import User
        from berdaya.targeting import services

        officer, _created = User.objects.get_or_create(username="bench-officer", defaults={"role": "officer"})
        services.welfare_compute(actor=officer)
        info["welfare_s"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            _extras(cursor, vendor, officer.pk)
            cursor.execute("DROP TABLE IF EXISTS bench_world")
            cursor.execute("CREATE TABLE bench_world (people integer)")
            cursor.execute("INSERT INTO bench_world VALUES (%s)", [people])
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")
        info["extras_s"] = round(time.perf_counter() - t0, 1)
    info.update(_users())
    return info


def _clear(cursor, vendor: str) -> None:
    tables = [
        "partners_contribution",
        "programmes_attendance",
        "programmes_session",
        "programmes_assistance",
        "programmes_historicalassistance",
        "programmes_enrolmentevent",
        "programmes_enrolment",
        "programmes_historicalenrolment",
        "migration_migrationepisode",
        "migration_historicalmigrationepisode",
        "inclusion_disabilityprofile",
        "inclusion_assistivedevice",
        "outcomes_graduation",
        "outcomes_outcomesurvey",
    ]
    if vendor == "postgresql":
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    else:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")


def _extras(cursor, vendor: str, officer_id: int) -> None:
    from berdaya.areas.models import District
    from berdaya.organisations.models import Organisation
    from berdaya.programmes.models import Programme, Session

    today = dt.date.today()
    year_start = dt.date(today.year, 1, 1)
    orgs = [Organisation.objects.get_or_create(name=n, defaults={"kind": k})[0] for n, k in ORGANISATIONS]
    partner = orgs[2]
    # A tenth of the households registered by the partner organisation: its staff's scope.
    cursor.execute("UPDATE registry_household SET registered_by_organisation_id = %s WHERE id %% 10 = 0", [partner.pk])
    Programme.objects.filter(name__startswith="Bench ").delete()
    districts = list(District.objects.filter(code__startswith="15.02.").order_by("code").values_list("code", flat=True))
    programmes = []
    for i in range(24):
        programme = Programme.objects.create(
            name=f"Bench program {i + 1}",
            kind=KINDS[i % len(KINDS)],
            organiser=orgs[i % len(orgs)],
            start_date=year_start + dt.timedelta(days=(i * 9) % 120),
            end_date=year_start + dt.timedelta(days=200 + (i * 7) % 150),
            capacity=100_000,
            status="running",
            created_by_id=officer_id,
        )
        if i % 3:
            programme.funders.add(orgs[(i + 1) % len(orgs)])
        if i % 6:  # every sixth programme covers the whole regency
            programme.districts.set(districts[(i * 5) % len(districts) :][:3])
        for s in range(2):
            Session.objects.create(
                programme=programme,
                date=programme.start_date + dt.timedelta(days=7 * s),
                start_time=dt.time(9),
                end_time=dt.time(12),
                venue="Balai desa",
                topic=f"Pertemuan {s + 1}",
            )
        programmes.append(programme.pk)
    cursor.execute("DROP TABLE IF EXISTS bench_programme")
    cursor.execute("CREATE TABLE bench_programme (idx integer PRIMARY KEY, id bigint)")
    cursor.executemany("INSERT INTO bench_programme VALUES (%s, %s)", list(enumerate(programmes)))
    now = "CURRENT_TIMESTAMP"
    start = f"'{year_start.isoformat()}'"
    if vendor == "postgresql":
        date_plus = "(DATE {start} + (({n}) % 300)::integer)"
    else:
        date_plus = "date({start}, '+' || (({n}) % 300) || ' days')"
    # One person in twelve enrolled in one programme (mostly seated), one in twenty-five given assistance.
    ex = _escaped(cursor)
    ex(
        "INSERT INTO programmes_enrolment (status, source, reason, capacity_override_reason, enrolled_on, ended_on, "
        "created_at, updated_at, created_by_id, person_id, programme_id) "
        "SELECT CASE p.id % 10 WHEN 0 THEN 'proposed' WHEN 1 THEN 'dropped_out' WHEN 2 THEN 'completed' "
        "ELSE 'active' END, 'manual', CASE p.id % 10 WHEN 1 THEN 'pindah' ELSE '' END, '', "
        f"{date_plus.format(start=start, n='p.id')}, NULL, {now}, {now}, %s, p.id, bp.id "
        "FROM registry_person p JOIN bench_programme bp ON bp.idx = (p.id / 12) % 24 WHERE p.id % 12 = 0",
        [officer_id],
    )
    # Outcome surveys of every enrolled person: a baseline at enrolment and a follow-up six months later, incomes and
    # well-being varying by person and rising for most (the graduation rate and the impact estimate read them).
    for round_, month, offset, lift in (("baseline", 0, 0, 0), ("follow_up", 6, 180, 1)):
        interview = (
            f"(DATE {start} + (((p.id / 12) %% 60) + {offset})::integer)"
            if vendor == "postgresql"
            else f"date({start}, '+' || (((p.id / 12) %% 60) + {offset}) || ' days')"
        ).replace("%%", "%")
        ex(
            "INSERT INTO outcomes_outcomesurvey (round, round_month, interview_date, household_size, income_farming, "
            "income_wages, income_business, income_remittances, income_transfers, income_other, employed, "
            "hours_worked, business_running, yield_kg, area_ha, price_obtained, savings, wellbeing, source, "
            "created_at, commodity_id, entered_by_id, household_id, person_id, programme_id) "
            f"SELECT '{round_}', {month}, {interview}, 1 + (p.id / 12) % 6, 300000 + ((p.id / 12) % 7) * 100000 + {lift} * "
            f"((p.id / 12) % 4) * 150000, ((p.id / 12) % 3) * 200000, {lift} * ((p.id / 12) % 5) * 50000, 0, 0, 0, (p.id / 12) % 3 <> 0, "
            f"CASE WHEN (p.id / 12) % 3 <> 0 THEN 20 + (p.id / 12) % 20 END, NULL, NULL, NULL, NULL, ((p.id / 12) % 4) * 100000, "
            f"3 + ((p.id / 12) % 4) + {lift} * ((p.id / 12) % 3), 'web', {now}, NULL, %s, p.household_id, p.id, bp.id "
            "FROM registry_person p JOIN bench_programme bp ON bp.idx = (p.id / 12) % 24 WHERE p.id % 12 = 0",
            [officer_id],
        )
    ex(
        "INSERT INTO programmes_assistance (kind, description, amount, quantity, unit, date, status, "
        "double_dip_override_reason, cancel_reason, note, disbursed_at, created_at, created_by_id, person_id, "
        "programme_id) "
        "SELECT 'cash_grant', '', 500000 + (p.id % 5) * 250000, NULL, '', "
        f"{date_plus.format(start=start, n='p.id')}, "
        "CASE p.id % 5 WHEN 0 THEN 'approved' WHEN 1 THEN 'acknowledged' ELSE 'disbursed' END, '', '', '', "
        f"{now}, {now}, %s, p.id, bp.id "
        "FROM registry_person p JOIN bench_programme bp ON bp.idx = (p.id / 25) % 24 WHERE p.id % 25 = 3",
        [officer_id],
    )
    # Migration episodes for one adult in fifty: all stages, a fifth non-procedural.
    adult = (
        "p.birth_date BETWEEN DATE '1970-01-01' AND DATE '2006-01-01'"
        if vendor == "postgresql"
        else "p.birth_date BETWEEN '1970-01-01' AND '2006-01-01'"
    )
    ex(
        "INSERT INTO migration_migrationepisode (stage, destination, destination_detail, sector, employer, channel, "
        "placement_company, placement_company_licence, doc_passport, doc_visa, doc_placement_agreement, "
        "doc_work_contract, doc_health_check, doc_bpjs, doc_family_consent, doc_orientation, family_contact_name, "
        "family_contact_phone, family_contact_relationship, created_at, updated_at, created_by_id, person_id) "
        "SELECT CASE p.id % 4 WHEN 0 THEN 'planned' WHEN 1 THEN 'pre_departure' WHEN 2 THEN 'working' "
        "ELSE 'returned' END, CASE p.id % 3 WHEN 0 THEN 'MY' WHEN 1 THEN 'TW' ELSE 'HK' END, '', 'household', '', "
        "CASE WHEN p.id % 5 = 0 THEN 'non_procedural' ELSE 'p3mi' END, '', '', "
        "p.id % 5 <> 0, p.id % 5 <> 0, p.id % 5 <> 0, p.id % 5 <> 0, p.id % 5 <> 0, p.id % 5 <> 0, p.id % 5 <> 0, "
        f"p.id % 5 <> 0, '', '', '', {now}, {now}, %s, p.id "
        f"FROM registry_person p WHERE p.id % 50 = 7 AND p.status = 'active' AND {adult}",
        [officer_id],
    )
    # A disability profile for every person whose WG-SS answers say "a lot of difficulty" or worse.
    ex(
        "INSERT INTO inclusion_disabilityprofile (disability_type, kpd_number, need_sign_language, need_companion, "
        "need_accessible_venue, need_large_print, need_easy_read, created_at, updated_at, person_id, recorded_by_id) "
        "SELECT CASE WHEN COALESCE(p.wgss_walking, 0) >= 3 THEN 'physical' ELSE 'sensory' END, '', p.id % 7 = 0, p.id % 3 = 0, "
        f"COALESCE(p.wgss_walking, 0) >= 3, p.id % 5 = 0, p.id % 11 = 0, {now}, {now}, p.id, %s "
        "FROM registry_person p WHERE p.wgss_walking >= 3 OR p.wgss_seeing >= 3",
        [officer_id],
    )
    cursor.execute("DROP TABLE bench_programme")


def _escaped(cursor):
    """cursor.execute with the modulo signs of `sql` doubled for the DB-API parameter style, placeholders kept."""

    def execute(sql: str, params: list[Any]) -> None:
        cursor.execute(sql.replace("%", "%%").replace("%%s", "%s"), params)

    return execute


def _users() -> dict[str, Any]:
    """The signed-in users of the benchmarks, each with the same password; a facilitator with two villages."""
    from berdaya.accounts.models import User
    from berdaya.areas.models import Village
    from berdaya.organisations.models import Organisation
    from berdaya.registry.models import Person

    partner = Organisation.objects.get(name="Mitra Bench")
    users = {}
    for role, extra in (
        ("officer", {}),
        ("admin", {}),
        ("viewer", {}),
        ("partner", {"organisation": partner}),
        ("facilitator", {}),
    ):
        user, _created = User.objects.update_or_create(username=f"bench-{role}", defaults={"role": role, **extra})
        user.set_password(PASSWORD)
        user.save()
        users[role] = user.username
    villages = list(Village.objects.filter(code__startswith="15.02.").order_by("code").values_list("code", flat=True))
    User.objects.get(username="bench-facilitator").villages.set(villages[:2])
    person = Person.objects.filter(nik__isnull=False).order_by("-pk").values_list("pk", flat=True).first()
    return {"users": users, "password": PASSWORD, "village": villages[0], "person_id": person}
