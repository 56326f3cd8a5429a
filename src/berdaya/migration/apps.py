from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MigrationConfig(AppConfig):
    name = "berdaya.migration"
    label = "migration"
    verbose_name = _("Pelindungan pekerja migran")

    def ready(self) -> None:
        # The migrant-worker flags: migration owns the episodes that decide them.
        from . import flags

        flags.register_flags()
