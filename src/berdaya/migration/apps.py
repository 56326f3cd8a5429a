from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MigrationConfig(AppConfig):
    name = "berdaya.migration"
    label = "migration"
    verbose_name = _("Pelindungan pekerja migran")
