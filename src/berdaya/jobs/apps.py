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
        schedule.register(
            schedule.Scheduled(
                key="core.aggregates",
                title=_("Segarkan ringkasan agregat"),
                handler="berdaya.jobs.services.aggregates_job",
                cron="*/10 * * * *",
                description=_(
                    "Menghitung ulang angka seluruh kabupaten di halaman agregat (kesenjangan, profil kabupaten, "
                    "inklusi, 4W) agar halaman itu cepat; angka yang tampil paling lama sekitar 10 menit."
                ),
            )
        )
