from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MusdesConfig(AppConfig):
    name = "berdaya.musdes"
    label = "musdes"
    verbose_name = _("Musyawarah desa")
