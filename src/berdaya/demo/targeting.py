"""Demo targeting over the demo programmes (run after `berdaya demo`, `demo_programmes`, `demo_migration` and
`berdaya welfare compute`).

Three rule sets for existing demo programmes, built through the same services as the rule form:
- smallholder farmers for the farm-business course: petani kecil AND desil ≤ 4 AND not yet enrolled; at least 30%
  women, at most 40% of the seats per district. Run once and left in review, with two officer exclusions;
- persons with disabilities for the assistive-device programme: disability AND no assistive device in the last
  12 months, over all districts, women and older people first. Run once and approved, so its list becomes
  *proposed* enrolments;
- returned migrant workers (purna PMI) of working age for the safe-migration and reintegration programme: saved,
  not run, for the officer to try.
Runs call the run service directly (synchronously), not through the worker. One `random.Random(seed)` picks the
excluded candidates and their reasons.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.db import transaction

from berdaya.accounts.models import User
from berdaya.core.access import REGENCY_WIDE
from berdaya.programmes.models import Programme
from berdaya.targeting import choices as c
from berdaya.targeting import services
from berdaya.targeting.models import Candidate, TargetingRun

SMALLHOLDER_PROGRAMME = "Manajemen Usaha Tani dan Pembukuan"
DEVICE_PROGRAMME = "Bantuan Alat Bantu Disabilitas"
REINTEGRATION_PROGRAMME = "Migrasi Aman dan Reintegrasi"

EXCLUSION_REASONS = [
    "Verifikasi lapangan: lahan yang digarap ternyata lebih dari 2 ha (sewa dari kerabat).",
    "Sudah pindah ke luar kabupaten sejak panen lalu (keterangan kepala desa).",
    "Sudah mengikuti pelatihan pembukuan yang sama dari LSM lain tahun ini.",
    "Menyatakan tidak bersedia ikut karena merawat anggota keluarga yang sakit.",
]


class DemoTargetingError(Exception):
    """A prerequisite is missing (no officer, no demo programmes)."""


@dataclass
class Result:
    rulesets: int = 0
    runs: list[dict] = field(default_factory=list)


def _actor() -> User | None:
    return (
        User.objects.filter(username="petugas", is_active=True).first()
        or User.objects.filter(role__in=REGENCY_WIDE, is_active=True).order_by("pk").first()
    )


def _programme(name: str):
    return Programme.objects.filter(name=name).order_by("-pk").first()


def _specs(programmes: dict) -> list[dict]:
    smallholder, device, reintegration = (
        programmes[SMALLHOLDER_PROGRAMME],
        programmes[DEVICE_PROGRAMME],
        programmes[REINTEGRATION_PROGRAMME],
    )
    return [
        {
            "programme": smallholder,
            "name": "Petani kecil miskin untuk Manajemen Usaha Tani",
            "description": "Petani kecil (lahan ≤ 2 ha) di desil 1–4 yang belum terdaftar; minimal 30% perempuan.",
            "rules_tree": {
                "op": "and",
                "items": [
                    {"type": "flag", "value": "smallholder"},
                    {"type": "decile", "max": 4},
                    {"type": "not_enrolled", "value": smallholder.pk},
                ],
            },
            "priority": ["female_headed", "less_land", "older"],
            "quotas": {"minimums": {"women": 30}, "per_district_max_pct": 40},
            "near_miss_limit": 50,
            "then": "review",
        },
        {
            "programme": device,
            "name": "Penyandang disabilitas tanpa alat bantu 12 bulan terakhir",
            "description": "Penyandang disabilitas di semua kecamatan yang belum menerima alat bantu dalam 12 bulan.",
            "rules_tree": {
                "op": "and",
                "items": [
                    {"type": "flag", "value": "disability"},
                    {"type": "no_assistance", "value": "assistive_device", "months": 12},
                ],
            },
            "priority": ["female", "older"],
            "quotas": {},
            "near_miss_limit": 30,
            "then": "approve",
        },
        {
            "programme": reintegration,
            "name": "Purna PMI usia kerja untuk Migrasi Aman dan Reintegrasi",
            "description": "Purna pekerja migran berusia 18–55 tahun yang belum terdaftar di program ini.",
            "rules_tree": {
                "op": "and",
                "items": [
                    {"type": "flag", "value": "migrant_returned"},
                    {"type": "age", "min": 18, "max": 55},
                    {"type": "not_enrolled", "value": reintegration.pk},
                ],
            },
            "priority": ["female", "lower_score"],
            "quotas": {"minimums": {"women": 30}},
            "near_miss_limit": 30,
            "then": "",
        },
    ]


def demo_targeting(*, seed: int) -> Result:
    rng = random.Random(seed)
    actor = _actor()
    if actor is None:
        raise DemoTargetingError("Belum ada pengguna petugas/admin. Jalankan dulu: berdaya demo")
    names = (SMALLHOLDER_PROGRAMME, DEVICE_PROGRAMME, REINTEGRATION_PROGRAMME)
    programmes = {name: _programme(name) for name in names}
    missing = [name for name, p in programmes.items() if p is None]
    if missing:
        listed = ", ".join(missing)
        raise DemoTargetingError(f"Program demo belum ada ({listed}). Jalankan dulu: berdaya demo_programmes --seed 1")
    result = Result()
    for spec in _specs(programmes):
        programme = spec["programme"]
        with transaction.atomic():
            version = services.ruleset_save(
                actor=actor,
                name=spec["name"],
                description=spec["description"],
                programme_id=programme.pk,
                rules_tree=spec["rules_tree"],
                priority=spec["priority"],
                quotas=spec["quotas"],
                near_miss_limit=spec["near_miss_limit"],
            )
        result.rulesets += 1
        if not spec["then"]:
            continue
        run = services.run_create(actor=actor, ruleset=version.ruleset)
        outcome = services.run_execute(run=run)
        run = TargetingRun.objects.get(pk=run.pk)
        summary = {"run": run.pk, "programme": programme.name, **outcome, "excluded": 0, "proposed": None}
        if spec["then"] == "review":
            selected = list(
                Candidate.objects.filter(run=run, status=c.CandidateStatus.SELECTED).order_by("rank", "pk")[:20]
            )
            reasons = rng.sample(EXCLUSION_REASONS, k=2)
            for candidate, reason in zip(rng.sample(selected, k=min(2, len(selected))), reasons, strict=False):
                services.candidate_exclude(actor=actor, candidate=candidate, reason=reason)
                summary["excluded"] += 1
        else:
            approved = services.run_approve(actor=actor, run=run)
            summary["proposed"] = approved["proposed"]
        result.runs.append(summary)
    return result
