from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OdkConfig(AppConfig):
    name = "berdaya.odk"
    label = "odk"
    verbose_name = _("Pengumpulan data lapangan (ODK / KoboToolbox)")
