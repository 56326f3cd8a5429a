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
