from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "berdaya.privacy"
    label = "privacy"
    verbose_name = _("Pelindungan data pribadi")

    def ready(self) -> None:
        from berdaya.jobs import schedule

        schedule.register(
            schedule.Scheduled(
                key="privacy.retention",
                title=_("Tinjauan masa simpan data (UU PDP)"),
                handler="berdaya.privacy.retention.retention_job",
                cron="30 2 * * *",
                description=_(
                    "Menghapus berkas impor yang melewati masa simpan dan mencatat data lain yang perlu ditinjau."
                ),
            )
        )
