from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from berdaya.registry.panels import PERSON, register_panel


class FarmingConfig(AppConfig):
    name = "berdaya.farming"
    label = "farming"
    verbose_name = _("Petani: lahan, panen dan penjualan")

    def ready(self) -> None:
        # Its section on the registry's person page (the registry does not import farming).
        from .panels import person_panel

        register_panel(PERSON, "farming", template="farming/_person_panel.html", order=30, context=person_panel)
        # The smallholder flags: farming owns the plots that decide them.
        from . import flags

        flags.register_flags()
