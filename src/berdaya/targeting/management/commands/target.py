"""berdaya target PROGRAMME_OR_RULESET_ID: run targeting from the shell, with a progress bar.

The id is a rule set's; with --programme it is a programme's, and the programme's latest rule set is used.
"""

from __future__ import annotations

import json
from typing import TextIO, cast

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from berdaya.core.access import REGENCY_WIDE
from berdaya.jobs.progress import TerminalProgress
from berdaya.targeting import services
from berdaya.targeting.models import RuleSet


class Command(BaseCommand):
    help = "Jalankan penetapan sasaran untuk satu aturan kelayakan (atau program) dan tulis daftar calon penerima."

    def add_arguments(self, parser):
        parser.add_argument("id", type=int, help="id aturan kelayakan (atau program dengan --programme)")
        parser.add_argument("--programme", action="store_true", help="id adalah id program")
        parser.add_argument("--user", default="", help="nama pengguna yang menjalankan (petugas/admin)")
        parser.add_argument("--score", action="store_true", help="hitung ulang skor kesejahteraan lebih dulu")
        parser.add_argument("--quiet", action="store_true", help="tanpa bilah kemajuan")

    def handle(self, *args, **options):
        User = get_user_model()
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"Pengguna tidak dikenal: {options['user']}")
        else:
            actor = User.objects.filter(role__in=REGENCY_WIDE, is_active=True).order_by("id").first()
            if actor is None:
                raise CommandError("Tidak ada petugas atau admin: buat pengguna dulu atau pakai --user.")
        if options["programme"]:
            ruleset = RuleSet.objects.filter(programme_id=options["id"]).order_by("-created_at").first()
            if ruleset is None:
                raise CommandError(f"Program {options['id']} belum punya aturan kelayakan.")
        else:
            ruleset = RuleSet.objects.filter(pk=options["id"]).first()
            if ruleset is None:
                raise CommandError(f"Aturan kelayakan tidak dikenal: {options['id']}")
        # The stream under Django's OutputWrapper, which would end each redraw of the bar with a newline.
        progress = TerminalProgress(cast("TextIO", self.stderr._out)) if not options["quiet"] else None
        try:
            if options["score"]:
                services.welfare_compute(actor=actor, progress=progress)
            run = services.run_create(actor=actor, ruleset=ruleset)
            result = services.run_execute(run=run, progress=progress)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        finally:
            if progress is not None:
                progress.close()
        self.stdout.write(json.dumps(result))
