"""Targeting benchmark: a synthetic registry of N people, then a realistic rule set with quotas.

    python bench/targeting.py --people 1000000                      # SQLite (a fresh file in /tmp)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/berdaya_bench_t python bench/targeting.py
    python bench/targeting.py --people 100000 --land                # with plots, a land condition, less land first
    python bench/targeting.py --people 100000 --partner             # as a partner's staff (their scope)

Prints one JSON line: the run's wall time and rows per second, its ratio to the floor (one CREATE TABLE ... AS
SELECT over the same person ⋈ household ⋈ welfare join, measured in the same process), the live-count time of the
rule form, and the peak RSS of this Python process. Floor, live count and run are measured --repeat times (default
3) in turn; the JSON gives the medians and every measurement. The registry is generated inside the database (INSERT
... SELECT over generate_series / a recursive CTE), so the people never pass through Python.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

RULES = {
    "op": "and",
    "items": [
        {
            "op": "or",
            "items": [
                {"type": "flag", "value": "smallholder"},
                {"type": "flag", "value": "female_headed"},
                {"type": "flag", "value": "disability"},
            ],
        },
        {"type": "decile", "max": 4},
        {"type": "age", "min": 18, "max": 64},
        {"type": "household_size", "max": 8},
    ],
}
QUOTAS = {"per_district_max_pct": 10, "minimums": {"women": 30, "disability": 10}}
PRIORITY = ["disability", "female_headed", "older"]
# --land: the same rule with a condition on the land the household operates and the "less land first" priority, over
# a registry where a quarter of the farmers record plots (so a household's operated land is its active plots' total
# when it has any, else its declared land).
LAND_CONDITION = {"type": "land", "max": 2}
LAND_PRIORITY = "less_land"
# --partner: the live count and the run of a partner's staff, over the people they may see (targeting.access.
# pool_scope): their organisation registered every third household, and one person in fifty withdrew consent to
# sharing with partners. The same rule without the criteria read from other household members (female-headed,
# household size), which partner staff may not use (docs/decisions.md).
PARTNER_RULES = {
    "op": "and",
    "items": [
        {"op": "or", "items": [{"type": "flag", "value": "smallholder"}, {"type": "flag", "value": "disability"}]},
        {"type": "decile", "max": 4},
        {"type": "age", "min": 18, "max": 64},
    ],
}
PARTNER_PRIORITY = ["disability", "older"]


def seq(vendor: str) -> str:
    """A FROM item with one column i = 1..%s."""
    if vendor == "postgresql":
        return "generate_series(CAST(1 AS bigint), %s) AS s(i)"
    return "(WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < %s) SELECT i FROM r) s"


def pick(expr: str, values: list[str]) -> str:
    whens = " ".join(f"WHEN {n} THEN '{v}'" for n, v in enumerate(values))
    return f"(CASE ({expr}) % {len(values)} {whens} END)"


def esc(sql: str) -> str:
    """Modulo signs doubled for the DB-API parameter style; placeholders kept."""
    return sql.replace("%", "%%").replace("%%s", "%s")


def build(cursor, vendor: str, people: int, plots: bool = False, partner: tuple[int, int] | None = None) -> int:
    """Write the registry; with `partner` (an organisation's id, the id of the user recording consent), that
    organisation's households and the withdrawals of consent to sharing (PARTNER_RULES)."""
    from berdaya.areas.models import District, Province, Regency, Village
    from berdaya.markets.models import Commodity

    households = max(1, int(people / 3.7))
    tables = [
        "targeting_reviewlog",
        "targeting_candidate",
        "targeting_targetingrun",
        "targeting_rulesetversion",
        "targeting_ruleset",
        "targeting_householdwelfare",
        "farming_plot",
        "registry_consentrecord",
        "registry_groupmembership",
        "registry_person",
        "registry_household",
    ]
    if vendor == "postgresql":
        # TRUNCATE, not DELETE: a DELETE of the previous run's million rows would leave them as dead tuples that
        # both the floor and the run then scan (the tables grew 2-4x over repeated runs). CASCADE empties whatever
        # else in this benchmark database points at them.
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    else:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")
    Province.objects.get_or_create(code="15", defaults={"name": "Jambi"})
    Regency.objects.get_or_create(code="15.02", defaults={"province_id": "15", "name": "Kabupaten Merangin"})
    codes = []
    for d in range(1, 25):
        district = f"15.02.{d:02d}"
        District.objects.get_or_create(code=district, defaults={"regency_id": "15.02", "name": f"Kecamatan {d}"})
        for v in range(1, 10):
            if len(codes) < 215:
                code = f"{district}.{2000 + v}"
                Village.objects.get_or_create(
                    code=code, defaults={"district_id": district, "name": f"Desa {d}-{v}", "kind": "desa"}
                )
                codes.append(code)
    cursor.execute("DROP TABLE IF EXISTS bench_village")
    cursor.execute("CREATE TABLE bench_village (idx integer PRIMARY KEY, code varchar(13))")
    cursor.executemany("INSERT INTO bench_village VALUES (%s, %s)", list(enumerate(codes)))
    now = "CURRENT_TIMESTAMP"
    h = "(s.i * 2654435761)"
    land = "(CASE WHEN s.i % 10 < 3 THEN 0 ELSE ((s.i * 37) % 400) / 100.0 END)"
    cursor.execute(
        esc(
            "INSERT INTO registry_household (id, kk_number, kk_override_reason, village_id, address, rt, rw, "
            "floor_material, wall_material, roof_material, water_source, toilet, lighting, cooking_fuel, floor_area_m2, "
            "asset_motorcycle, asset_car, asset_refrigerator, asset_television, asset_smartphone, asset_livestock, "
            "asset_gold_savings, land_operated_ha, land_tenure, status, created_at, updated_at) "
            f"SELECT s.i, '', '', v.code, '', '', '', "
            f"{pick(f'{h} / 7', ['ceramic', 'tile_cement', 'wood', 'bamboo', 'earth'])}, "
            f"{pick(f'{h} / 11', ['brick', 'plaster_bamboo', 'wood', 'bamboo', 'other'])}, "
            f"{pick(f'{h} / 13', ['concrete', 'zinc', 'wood', 'thatch'])}, "
            f"{pick(f'{h} / 17', ['piped', 'bottled', 'protected_well', 'unprotected_well', 'river'])}, "
            f"{pick(f'{h} / 19', ['own', 'own_no_septic', 'shared', 'none'])}, "
            f"{pick(f'{h} / 23', ['pln_metered', 'pln_metered', 'pln_shared', 'non_pln', 'none'])}, "
            f"{pick(f'{h} / 29', ['electric_gas', 'electric_gas', 'kerosene', 'wood'])}, "
            f"20 + ({h} / 31) % 100, "
            f"({h} / 37) % 10 < 6, ({h} / 41) % 10 < 1, ({h} / 43) % 10 < 4, ({h} / 47) % 10 < 7, "
            f"({h} / 53) % 10 < 6, ({h} / 59) % 10 < 2, ({h} / 61) % 10 < 2, "
            f"{land}, CASE WHEN s.i % 10 < 3 THEN 'none' ELSE 'own' END, 'active', {now}, {now} "
            f"FROM {seq(vendor)} JOIN bench_village v ON v.idx = s.i % 215"
        ),
        [households],
    )
    if vendor == "postgresql":
        birth = "DATE '1940-01-01' + ((s.i * 7919) % 30000)::integer"
    else:
        birth = "date('1940-01-01', '+' || ((s.i * 7919) % 30000) || ' days')"
    p = "(s.i * 2246822519)"
    cursor.execute(
        esc(
            "INSERT INTO registry_person (id, household_id, village_id, nik, nik_missing_reason, nik_override_reason, "
            "full_name, sex, birth_place, birth_date, relationship, marital_status, education, occupation, phone, "
            "wgss_seeing, wgss_hearing, wgss_walking, wgss_remembering, wgss_selfcare, wgss_communicating, status, "
            "created_at, updated_at) "
            # Each person's village is their household's: sent, so that the database's check (registry 0014) rewrites
            # no row.
            f"SELECT s.i, ((s.i - 1) % %s) + 1, v.code, "
            "CASE WHEN s.i % 20 = 0 THEN NULL ELSE CAST(1502010000000000 + s.i AS varchar(16)) END, "
            "CASE WHEN s.i % 20 = 0 THEN 'unknown' ELSE '' END, '', 'Warga ' || CAST(s.i AS varchar(10)), "
            f"CASE WHEN ({p} / 7) % 2 = 0 THEN 'F' ELSE 'M' END, '', {birth}, "
            f"CASE WHEN s.i <= %s THEN 'head' ELSE {pick(f'{p} / 11', ['spouse', 'child', 'child', 'parent'])} END, '', "
            f"{pick(f'{p} / 13', ['none', 'primary_incomplete', 'primary', 'junior', 'senior', 'bachelor'])}, "
            f"{pick(f'{p} / 17', ['farmer', 'farmer', 'farm_labourer', 'trader', 'labourer', 'student', 'homemaker'])}, "
            f"'', CASE WHEN ({p} / 19) % 40 = 0 THEN 3 END, NULL, CASE WHEN ({p} / 23) % 30 = 0 THEN 4 END, "
            "NULL, NULL, NULL, "
            f"CASE WHEN ({p} / 29) % 100 < 2 THEN 'moved_out' WHEN ({p} / 29) % 100 < 3 THEN 'deceased' "
            f"ELSE 'active' END, {now}, {now} "
            f"FROM {seq(vendor)} JOIN bench_village v ON v.idx = (((s.i - 1) % %s) + 1) % 215"
        ),
        [households, households, people, households],
    )
    if plots:
        # One plot for every fourth farmer or farm labourer, 0.1-3.09 ha, one in five no longer farmed.
        commodity, _created = Commodity.objects.get_or_create(
            code="bench-padi", defaults={"name": "Padi", "short_name": "padi"}
        )
        cursor.execute(
            esc(
                "INSERT INTO farming_plot (farmer_id, village_id, name, area_ha, tenure, commodity_id, variety, "
                "is_active, created_at) "
                "SELECT p.id, h.village_id, '', 0.1 + ((p.id * 13) % 300) / 100.0, 'own', %s, '', p.id % 5 <> 0, "
                f"{now} FROM registry_person p JOIN registry_household h ON h.id = p.household_id "
                "WHERE p.occupation IN ('farmer', 'farm_labourer') AND p.id % 4 = 0"
            ),
            [commodity.pk],
        )
    if partner is not None:
        organisation_id, recorder_id = partner
        cursor.execute(
            esc("UPDATE registry_household SET registered_by_organisation_id = %s WHERE id % 3 = 0"), [organisation_id]
        )
        cursor.execute(
            esc(
                "INSERT INTO registry_consentrecord (person_id, basis, given_by, given_by_name, purpose, purpose_kind, "
                "given_at, withdrawn_at, recorded_by_id, recorded_at) "
                "SELECT id, 'consent', 'self', '', 'Berbagi data dengan mitra', 'sharing', '2025-01-01', "
                f"'2025-06-01', %s, {now} FROM registry_person WHERE id % 50 = 7"
            ),
            [recorder_id],
        )
    if vendor == "postgresql":
        for table in ("registry_household", "registry_person"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
    cursor.execute("ANALYZE")
    return households


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="floor / live count / run measured this many times")
    parser.add_argument("--land", action="store_true", help="with plots, a land condition and the less_land priority")
    parser.add_argument("--partner", action="store_true", help="as a partner's staff, over the people they may see")
    args = parser.parse_args()
    base_rules, base_priority = (PARTNER_RULES, PARTNER_PRIORITY) if args.partner else (RULES, PRIORITY)
    rules_tree = {**base_rules, "items": [*base_rules["items"], LAND_CONDITION]} if args.land else base_rules
    priority = [*base_priority, LAND_PRIORITY] if args.land else base_priority
    if not os.environ.get("DATABASE_URL"):
        path = Path(tempfile.gettempdir()) / "berdaya_bench_targeting.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "berdaya.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from berdaya.accounts.models import User
    from berdaya.organisations.models import Organisation
    from berdaya.programmes.models import Programme
    from berdaya.targeting import services

    call_command("migrate", verbosity=0)
    vendor = connection.vendor
    result: dict = {"db": vendor, "people": args.people, "land": args.land, "partner": args.partner}

    officer, _created = User.objects.get_or_create(username="bench-officer", defaults={"role": "officer"})
    actor, programme_id, partner = officer, None, None
    if args.partner:
        organisation, _created = Organisation.objects.get_or_create(name="Bench LSM", defaults={"kind": "ngo"})
        actor, _created = User.objects.get_or_create(
            username="bench-partner", defaults={"role": "partner", "organisation": organisation}
        )
        programme_id = Programme.objects.get_or_create(
            name="Bench: program mitra",
            defaults={
                "kind": "field_school",
                "organiser": organisation,
                "start_date": "2026-01-01",
                "end_date": "2026-12-31",
                "capacity": max(10, args.people // 50),
                "created_by": officer,
            },
        )[0].pk
        partner = (organisation.pk, officer.pk)

    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        result["households"] = build(cursor, vendor, args.people, plots=args.land, partner=partner)
    result["build_s"] = round(time.perf_counter() - t0, 2)

    t0 = time.perf_counter()
    services.welfare_compute(actor=officer)
    result["score_s"] = round(time.perf_counter() - t0, 2)
    with connection.cursor() as cursor:
        # PostgreSQL: VACUUM too (outside the transaction), so both the floor and the run read a settled table with
        # its visibility map set, as autovacuum would leave a real registry, rather than whichever runs first
        # paying to set hint bits on a million fresh rows.
        cursor.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")
        if vendor == "postgresql":
            # And write out the build's dirty pages now, so a checkpoint does not land in the middle of the timing.
            cursor.execute("CHECKPOINT")
    os.sync()  # and let the kernel write back the build's files before anything is timed

    def measure_floor() -> float:
        """One pass that reads the same join and writes one row per person."""
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_floor")
            t0 = time.perf_counter()
            cursor.execute(
                "CREATE TABLE bench_floor AS SELECT p.id, p.household_id, p.sex, p.birth_date, p.occupation, "
                "p.wgss_walking, h.village_id, h.land_operated_ha, w.local_decile "
                "FROM registry_person p JOIN registry_household h ON h.id = p.household_id "
                "LEFT JOIN targeting_householdwelfare w ON w.household_id = h.id "
                "WHERE p.status = 'active' AND h.status = 'active'"
            )
            seconds = time.perf_counter() - t0
            cursor.execute("DROP TABLE bench_floor")
        return seconds

    version = services.ruleset_save(
        actor=actor,
        name="Bench: petani kecil / perempuan kepala keluarga / disabilitas, desil 1-4",
        programme_id=programme_id,
        rules_tree=rules_tree,
        priority=priority,
        quotas=QUOTAS,
        capacity=max(10, args.people // 50),
        near_miss_limit=1000,
    )
    # Floor, live count and run in turn, --repeat times, so that all three see the same moments of a shared
    # machine; the medians are the figures, every measurement is printed too.
    floors, counts, walls = [], [], []
    for _ in range(max(1, args.repeat)):
        floors.append(measure_floor())
        t0 = time.perf_counter()
        result["live_count"] = services.count_matching(rules_tree, actor=actor)
        counts.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        run = services.run_create(actor=actor, ruleset=version.ruleset)
        outcome = services.run_execute(run=run)
        walls.append(time.perf_counter() - t0)
    floor, wall = statistics.median(floors), statistics.median(walls)
    result.update(
        {
            "floor_s": round(floor, 3),
            "floor_all_s": [round(x, 3) for x in floors],
            "live_count_s": round(statistics.median(counts), 3),
            "live_count_all_s": [round(x, 3) for x in counts],
            "run_s": round(wall, 3),
            "run_all_s": [round(x, 3) for x in walls],
            "rows_per_s": int(args.people / wall),
            "ratio_to_floor": round(wall / floor, 2),
            "ratio_all": [round(w / f, 2) for w, f in zip(walls, floors, strict=True)],
            "eligible": outcome["eligible"],
            "selected": outcome["selected"],
            "near_miss": outcome["near_miss"],
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
