from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FarmingConfig(AppConfig):
    name = "berdaya.farming"
    label = "farming"
    verbose_name = _("Petani: lahan, panen dan penjualan")

    def ready(self) -> None:
        # The smallholder flags: farming owns the plots that decide them.
        from . import flags

        flags.register_flags()
