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
        # The person page shows the data-protection officer the person's requests and a link to record one.
        from berdaya.registry.panels import PERSON, register_panel

        from .panels import person_panel

        register_panel(PERSON, "privacy", template="privacy/_person_panel.html", order=90, context=person_panel)
