from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "berdaya.monitoring"
    label = "monitoring"
    verbose_name = _("Pemantauan dan evaluasi")

    def ready(self) -> None:
        from berdaya.jobs import schedule
        from berdaya.registry import merge

        # A merged record's analytics row stays with the alias: the next rebuild counts the survivor once and drops
        # the alias (moving it would clash with the survivor's own row, the table's primary key).
        merge.register_merge_handler("monitoring.PersonFact", "person", merge.keep_with_alias)

        # DHIS2's way: the dashboard reads analytics tables that a job rebuilds; an officer can rebuild them now.
        schedule.register(
            schedule.Scheduled(
                key="monitoring.refresh",
                title=_("Perbarui data analitik dasbor"),
                handler="berdaya.monitoring.refresh.rebuilt_job",
                cron="7 * * * *",
                description=_("Membangun ulang tabel agregat dasbor dan peta dari data terkini (setiap jam)."),
            )
        )
        schedule.register(
            schedule.Scheduled(
                key="monitoring.snapshots",
                title=_("Potret indikator bulanan"),
                handler="berdaya.monitoring.services.snapshots_job",
                cron="30 1 * * *",
                description=_(
                    "Memperbarui data analitik lalu menyimpan potret setiap indikator aktif untuk bulan berjalan."
                ),
            )
        )
