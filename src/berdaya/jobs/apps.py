from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "berdaya.jobs"
    label = "jobs"
    verbose_name = _("Tugas latar belakang")

    def ready(self) -> None:
        from . import schedule

        schedule.register(
            schedule.Scheduled(
                key="jobs.housekeeping",
                title=_("Perawatan tugas latar"),
                handler="berdaya.jobs.services.housekeeping_job",
                cron="17 * * * *",
                description=_(
                    "Mengakhiri tugas yang pekerjanya hilang dan menghapus berkas sementara yang tertinggal."
                ),
            )
        )
