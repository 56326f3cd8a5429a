"""berdaya demo_migration --seed 1 [--if-empty]: migrant workers, rights cases, case workers and the details of
persons with disabilities, over the people `berdaya demo` created."""

from __future__ import annotations

from django.core.management.base import CommandError

from berdaya.accounts.models import User
from berdaya.demo.commands import DemoCommand
from berdaya.demo.inclusion import inclusion_demo
from berdaya.demo.migration import CASE_WORKERS, migration_demo
from berdaya.inclusion.models import DisabilityProfile
from berdaya.migration.models import MigrationEpisode
from berdaya.registry.models import Person


class Command(DemoCommand):
    help = "Data demo pekerja migran, kasus pelindungan dan penyandang disabilitas (di atas penduduk yang ada)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--episodes", type=int, default=120, help="jumlah episode migrasi (bawaan 120)")
        parser.add_argument("--disabilities", type=int, default=80, help="jumlah data disabilitas (bawaan 80)")
        parser.add_argument("--if-empty", action="store_true", help="lewati bila sudah ada data migrasi/disabilitas")

    def handle(self, *args, seed: int, episodes: int, disabilities: int, if_empty: bool, **options) -> None:
        if not Person.objects.exists():
            raise CommandError("Belum ada penduduk: jalankan dulu `berdaya demo`.")
        if if_empty and (MigrationEpisode.objects.exists() or DisabilityProfile.objects.exists()):
            self.stdout.write("Data demo migrasi/disabilitas sudah ada: dilewati.")
            return
        actor = User.objects.filter(is_superuser=True).first() or User.objects.filter(role=User.Role.ADMIN).first()
        result = migration_demo(seed=seed, episodes=episodes, actor=actor)
        inclusion = inclusion_demo(
            seed=seed, actor=actor or User.objects.get(username=CASE_WORKERS[0][0]), limit=disabilities
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.episodes} episode migrasi, {result.cases} kasus, {result.case_workers} pengelola kasus, "
                f"{inclusion.profiles} data disabilitas, {inclusion.devices} alat bantu."
            )
        )
