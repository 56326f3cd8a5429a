"""berdaya privacy: retention from the console.

berdaya privacy retention            # what is past its retention period, per kind (nothing is changed)
berdaya privacy retention --purge    # purge what goes by itself (import files, ODK payloads, SPDCI answers), as the schedule does
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from ... import retention


class Command(BaseCommand):
    help = "Pelindungan data pribadi: tinjauan dan penghapusan menurut masa simpan."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("retention", help="Data yang melewati masa simpan")
        run.add_argument(
            "--purge",
            action="store_true",
            help="Hapus berkas impor, isian ODK dan jawaban SPDCI yang lewat masa simpan",
        )

    def handle(self, *args, **options):
        if options["purge"]:
            result = retention.retention_run()
            purged = result["purged"]
            self.stdout.write(
                f"Dihapus: {purged['import_files']} berkas impor, {purged['odk_payloads']} isian ODK, "
                f"{purged['dci_answers']} jawaban/isi callback SPDCI."
            )
        for due in retention.due_report():
            how = "otomatis" if due.automatic else "ditinjau petugas"
            self.stdout.write(f"{due.label}: {due.count} melewati {due.days} hari ({how})")
