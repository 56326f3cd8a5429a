from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "berdaya.reports"
    label = "reports"
    verbose_name = _("Laporan")

    def ready(self) -> None:
        from berdaya.jobs import schedule
        from berdaya.jobs.services import job_abandoned

        from .services import QUARTERLY_HANDLER, recover_report

        schedule.register(
            schedule.Scheduled(
                key="reports.quarterly",
                title=_("Laporan triwulanan"),
                handler=QUARTERLY_HANDLER,
                # 05:00 on the 3rd day after each quarter ends: late entries of the quarter's last days are in.
                cron="0 5 3 1,4,7,10 *",
                description=_(
                    "Laporan triwulan yang baru berakhir: satu laporan kabupaten dan satu per program yang berjalan, "
                    "PDF dan XLSX, angka kecil disamarkan (untuk semua pembaca)."
                ),
            )
        )
        job_abandoned.connect(recover_report, dispatch_uid="reports.recover_report")
