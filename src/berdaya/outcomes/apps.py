from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "berdaya.outcomes"
    label = "outcomes"
    verbose_name = _("Survei hasil, dampak dan graduasi")

    def ready(self) -> None:
        from berdaya.jobs import schedule

        from . import panels

        panels.register()
        schedule.register(
            schedule.Scheduled(
                key="outcomes.graduation",
                title=_("Pemeriksaan graduasi bulanan"),
                handler="berdaya.outcomes.services.graduation_job",
                cron="0 5 1 * *",
                description=_("Mencatat peserta yang baru lulus mandiri dan yang kembali rentan, per program."),
            )
        )
