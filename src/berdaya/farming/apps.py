from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FarmingConfig(AppConfig):
    name = "berdaya.farming"
    label = "farming"
    verbose_name = _("Petani: lahan, panen dan penjualan")
