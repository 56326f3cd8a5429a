"""berdaya odk: field forms and submissions from the console.

berdaya odk form household --user pendamping1 -o rumah_tangga.xlsx   # the XLSForm, scoped to that user
berdaya odk pull [--source ID] [--job]                             # pull the active sources now (or as a job)
berdaya odk upload ekspor.json --kind harvest --user petugas1      # receive an export file
berdaya odk purge --days 90 --user admin                           # empty old ingested payloads
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from berdaya.accounts.models import User
from berdaya.jobs.services import job_start

from ... import services, xlsform
from ...access import ensure_can_download_forms
from ...choices import FormKind
from ...clients import PullError
from ...models import FieldSource


def _user(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"Pengguna tidak dikenal atau tidak aktif: {username}")
    return user


class Command(BaseCommand):
    help = "Formulir lapangan (XLSForm) dan kiriman ODK Central / KoboToolbox."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        form = sub.add_parser("form", help="Buat XLSForm")
        form.add_argument("kind", choices=FormKind.values)
        form.add_argument("--user", required=True, help="daftar pilihan sesuai wilayah pengguna ini")
        form.add_argument("-o", "--output", required=True)
        pull = sub.add_parser("pull", help="Tarik kiriman dari sumber yang aktif")
        pull.add_argument("--source", type=int)
        pull.add_argument("--job", action="store_true", help="jalankan sebagai tugas latar")
        upload = sub.add_parser("upload", help="Terima berkas ekspor JSON")
        upload.add_argument("path")
        upload.add_argument("--kind", required=True, choices=FormKind.values)
        upload.add_argument("--user", required=True)
        purge = sub.add_parser("purge", help="Hapus isian kiriman yang sudah tersimpan")
        purge.add_argument("--days", type=int, required=True)
        purge.add_argument("--user", required=True)

    def handle(self, *args, **options):
        try:
            getattr(self, f"_{options['action']}")(options)
        except (ValidationError, PermissionDenied, PullError) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc

    def _form(self, options):
        user = _user(options["user"])
        ensure_can_download_forms(user)
        form = xlsform.build_form(options["kind"], user)
        Path(options["output"]).write_bytes(xlsform.workbook_bytes(form))
        self.stdout.write(f"{options['output']}: {form.form_id}")

    def _pull(self, options):
        sources = FieldSource.objects.filter(is_active=True)
        if options["source"]:
            sources = sources.filter(pk=options["source"])
        if options["job"]:
            params = {"source_id": options["source"]} if options["source"] else {}
            job = job_start(actor=None, kind="odk.pull", handler="berdaya.odk.tasks.pull_job", params=params)
            self.stdout.write(f"tugas #{job.pk}")
            return
        for source in sources:
            result = services.source_pull(source=source)
            self.stdout.write(f"{source.name}: {result.as_dict()}")

    def _upload(self, options):
        result = services.submissions_upload(
            actor=_user(options["user"]), kind=options["kind"], content=Path(options["path"]).read_bytes()
        )
        self.stdout.write(str(result.as_dict()))

    def _purge(self, options):
        before = timezone.now() - dt.timedelta(days=options["days"])
        count = services.submission_purge(actor=_user(options["user"]), before=before)
        self.stdout.write(f"{count}")
