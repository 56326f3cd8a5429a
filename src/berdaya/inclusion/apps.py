from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InclusionConfig(AppConfig):
    name = "berdaya.inclusion"
    label = "inclusion"
    verbose_name = _("Inklusi disabilitas")
