from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from berdaya.registry.panels import HOME, register_panel


class PartnersConfig(AppConfig):
    name = "berdaya.partners"
    label = "partners"
    verbose_name = _("Mitra")

    def ready(self) -> None:
        # The agreements ending soon, on the home page (the registry, which owns it, does not import partners).
        register_panel(HOME, "partners", template="partners/_home_panel.html", order=10)
        # The coordination pages' counts over the whole regency, refreshed by the scheduled job (core.snapshots).
        from berdaya.core import snapshots

        from . import coordination

        snapshots.register("partners.gaps", coordination.gaps_refresh)
        snapshots.register("partners.matrix", coordination.matrix_refresh)
