from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running Berdaya for years: backups and restores (and, as they land, the scheduler's housekeeping)."""

    name = "berdaya.ops"
    label = "ops"
    verbose_name = _("Operasional")
