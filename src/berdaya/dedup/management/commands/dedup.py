"""berdaya dedup run | evaluate: record linkage from the shell.

berdaya dedup run [--import ID] [--threshold 0.9] [--user NAME]
berdaya dedup evaluate FILE.csv --id COL --truth COL --map first_name=COL,last_name=COL,birth_date=COL,...
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO, cast

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from berdaya.core.access import REGENCY_WIDE
from berdaya.jobs.models import Job
from berdaya.jobs.progress import TerminalProgress
from berdaya.jobs.services import job_abandon, job_run

RESULT_KEYS = ("run_id", "people", "comparisons", "pairs", "clusters", "keys", "seconds")


class Command(BaseCommand):
    help = "Deduplikasi: jalankan pencocokan atas registri, atau uji pipeline pada file CSV berlabel."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="jalankan deduplikasi atas registri (atau satu impor)")
        run.add_argument("--import", dest="import_id", type=int, default=None, help="id impor")
        run.add_argument("--threshold", type=float, default=None, help="ambang probabilitas (bawaan: pengaturan)")
        run.add_argument("--user", default="", help="nama pengguna yang menjalankan (petugas/admin)")
        run.add_argument("--quiet", action="store_true", help="tanpa bilah kemajuan")
        ev = sub.add_parser("evaluate", help="uji pipeline pada CSV berlabel; mencetak satu baris JSON")
        ev.add_argument("file", type=Path)
        ev.add_argument("--id", dest="id_col", required=True, help="kolom id baris")
        ev.add_argument("--truth", dest="truth_col", required=True, help="kolom id kebenaran (klaster)")
        ev.add_argument("--map", dest="mapping", default="", help="first_name=KOLOM,last_name=KOLOM,...")
        ev.add_argument("--threshold", type=float, default=0.6)
        ev.add_argument("--chunks", type=int, default=1)

    def handle(self, *args, **options):
        if options["action"] == "evaluate":
            return self.evaluate(options)
        return self.run(options)

    def evaluate(self, options) -> None:
        from berdaya.dedup.evaluate import EvaluateError, evaluate, parse_map

        try:
            result = evaluate(
                options["file"],
                id_col=options["id_col"],
                truth_col=options["truth_col"],
                mapping=parse_map(options["mapping"]),
                threshold=options["threshold"],
                chunks=options["chunks"],
            )
        except EvaluateError as exc:
            raise CommandError(str(exc)) from exc
        for warning in result["warnings"]:
            self.stderr.write(f"Peringatan: {warning}.")
        self.stdout.write(json.dumps(result))

    def run(self, options) -> None:
        from berdaya.dedup import services

        User = get_user_model()
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"Pengguna tidak dikenal: {options['user']}")
        else:
            actor = User.objects.filter(role__in=REGENCY_WIDE, is_active=True).order_by("id").first()
            if actor is None:
                raise CommandError("Tidak ada petugas atau admin: buat pengguna dulu atau pakai --user.")
        progress = TerminalProgress(cast("TextIO", self.stderr._out)) if not options["quiet"] else None
        try:
            # A job of this process (not the worker's): if it is killed, the next run (or the worker) finds its
            # process gone and fails the run instead of being refused by it for ever.
            run = services.dedup_run_start(
                actor=actor, import_id=options["import_id"], threshold=options["threshold"], here=True
            )
            own = run.job
            assert own is not None  # dedup_run_start gives every run its job
            try:
                job = job_run(own.pk, echo=progress)
            except BaseException:  # Ctrl-C: end the job (and so the run) now, not at the next run's check
                job_abandon(own, status=Job.Status.CANCELLED)
                raise
        except (ValidationError, PermissionDenied) as exc:
            msgs = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError(" ".join(msgs)) from exc
        finally:
            if progress is not None:
                progress.close()
        if job.status != Job.Status.SUCCEEDED:
            raise CommandError(" ".join(part for part in (job.message, job.error) if part))
        # In the order dedup_run_execute returns it (a jsonb column keeps no order).
        result = {key: job.result[key] for key in RESULT_KEYS if key in job.result} | job.result
        self.stdout.write(json.dumps(result))
