from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from berdaya.registry.panels import PERSON, register_panel


class MigrationConfig(AppConfig):
    name = "berdaya.migration"
    label = "migration"
    verbose_name = _("Pelindungan pekerja migran")

    def ready(self) -> None:
        # Its section on the registry's person page (the registry does not import migration).
        register_panel(PERSON, "migration", template="migration/_person_panel.html", order=10)
        # The migrant-worker flags: migration owns the episodes that decide them.
        from . import flags

        flags.register_flags()
        # Merging two records of one person: at most one open migration episode.
        from . import merge

        merge.register()
        # The regency's episode counts, refreshed by the scheduled job (core.snapshots).
        from berdaya.core import snapshots

        from .selectors import outreach_refresh, stages_refresh

        snapshots.register("migration.stages", stages_refresh)
        snapshots.register("migration.outreach", outreach_refresh)
